"""Spans <-> tokens <-> BIO: the conversions training and the labeling screen share."""
import pytest
from hypothesis import given, strategies as st

from workbench.spans import (Span, SpanError, bio_label_names, bio_to_spans, place_span, snap, spans_to_bio,
                             tokenize, validate_spans)


def test_words_keep_inner_punctuation_but_not_trailing_punctuation():
    text = "Apple's CEO, Tim Cook, paid $1,000 for e-mail in the U.S."
    assert [t.text for t in tokenize(text)] == [
        "Apple's", "CEO", ",", "Tim", "Cook", ",", "paid", "$", "1,000", "for", "e-mail", "in", "the", "U.S", "."]
    for tok in tokenize(text):
        assert text[tok.start:tok.end] == tok.text


def test_pretokenized_text_keeps_its_tokens():
    text = "U.S. 's 1-0 ( win )"
    assert [t.text for t in tokenize(text, pretokenized=True)] == ["U.S.", "'s", "1-0", "(", "win", ")"]


def test_a_pretokenized_token_keeps_its_no_break_space():
    # CoNLL columns are split on ASCII blanks only, so "New\u00a0York" is one token of the file
    text = "New\u00a0York is\n\u3000 big"
    assert [t.text for t in tokenize(text, pretokenized=True)] == ["New\u00a0York", "is", "\u3000", "big"]
    assert [t.text for t in tokenize(text)] == ["New", "York", "is", "big"]


def test_selection_snaps_to_whole_words():
    text = "Tim Cook runs Apple."
    toks = tokenize(text)
    assert snap(toks, 1, 6) == (0, 8)          # "im Co" -> "Tim Cook"
    assert snap(toks, 14, 16) == (14, 19)      # inside "Apple"
    assert snap(toks, 2, 2) == (0, 3)          # a click inside a word
    assert snap(toks, 8, 9) is None            # only the space


def test_bio_round_trip_and_schemes():
    text = "Tim Cook runs Apple Inc in Cupertino"
    toks = tokenize(text)
    spans = [Span(0, 8, "PER"), Span(14, 23, "ORG"), Span(27, 36, "LOC")]
    tags = spans_to_bio(toks, spans)
    assert tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O", "B-LOC"]
    assert bio_to_spans(toks, tags) == spans
    # IOB1: I- starts an entity; BIOES: S-/E-
    assert bio_to_spans(toks, ["I-PER", "I-PER", "O", "I-ORG", "I-ORG", "O", "I-LOC"]) == spans
    assert bio_to_spans(toks, ["B-PER", "E-PER", "O", "B-ORG", "E-ORG", "O", "S-LOC"]) == spans
    # IOB1 adjacent entities of one type are split by B-
    assert bio_to_spans(toks[:2], ["I-PER", "B-PER"]) == [Span(0, 3, "PER"), Span(4, 8, "PER")]


def test_bad_tags_are_refused():
    toks = tokenize("a b")
    with pytest.raises(SpanError):
        bio_to_spans(toks, ["X-PER", "O"])
    with pytest.raises(SpanError):
        bio_to_spans(toks, ["O"])


def test_validation_names_the_problem():
    text = "Tim Cook runs Apple."
    with pytest.raises(SpanError, match="outside"):
        validate_spans(text, [(0, 99, "PER")])
    with pytest.raises(SpanError, match="overlaps"):
        validate_spans(text, [(0, 8, "PER"), (4, 12, "ORG")])
    with pytest.raises(SpanError, match="unknown label"):
        validate_spans(text, [(0, 8, "PERSON")], labels=["PER"])
    with pytest.raises(SpanError, match="empty"):
        validate_spans(text, [(5, 5, "PER")])
    assert validate_spans(text, [(14, 19, "ORG"), (0, 8, "PER")]) == [Span(0, 8, "PER"), Span(14, 19, "ORG")]


def test_a_new_span_replaces_the_ones_it_overlaps():
    old = [Span(0, 3, "PER"), Span(4, 8, "PER"), Span(14, 19, "ORG")]
    assert place_span(old, Span(0, 8, "ORG")) == [Span(0, 8, "ORG"), Span(14, 19, "ORG")]


def test_label_names_for_a_token_classifier():
    assert bio_label_names(["PER", "ORG"]) == ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]


words = st.lists(st.text(alphabet="abcXYZ09.,'-", min_size=1, max_size=6), min_size=1, max_size=12)


@given(words, st.data())
def test_any_tagging_survives_spans_and_back(ws, data):
    text = " ".join(ws)
    toks = tokenize(text, pretokenized=True)
    tags = data.draw(st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-ORG"]), min_size=len(toks), max_size=len(toks)))
    spans = bio_to_spans(toks, tags)
    validate_spans(text, spans)
    # IOB2 normal form is reached in one step and then stable
    iob2 = spans_to_bio(toks, spans)
    assert bio_to_spans(toks, iob2) == spans
