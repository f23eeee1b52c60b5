"""Word-piece label alignment, checked by hand on a tiny WordPiece vocabulary made here."""
from __future__ import annotations

import pytest

from workbench.spans import Span, bio_label_names, spans_to_bio, tokenize
from workbench.tasks.base import IGNORE, Example
from workbench.tasks.ner import align_pieces
from workbench.training.data import encode

NAMES = bio_label_names(["PER", "LOC"])          # O B-PER I-PER B-LOC I-LOC
L2I = {n: i for i, n in enumerate(NAMES)}
O, BP, IP, BL, IL, X = 0, 1, 2, 3, 4, IGNORE


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    from tiny_bert import make_tiny_bert

    folder = make_tiny_bert(tmp_path_factory.mktemp("tok"), ["john", "lives", "in", "paris", "don", "go", "to",
                                                            "new", "york", "mary", "anne", "smith", "zurich"],
                            pieces=["##s"])
    return AutoTokenizer.from_pretrained(folder)


def _case(tokenizer, text, spans, pretokenized=False, max_length=64):
    words = tokenize(text, pretokenized)
    ex = Example(1, text, words, spans_to_bio(words, spans))
    row = encode([ex], tokenizer, "ner", L2I, max_length)[0]
    pieces = tokenizer.convert_ids_to_tokens(row["input_ids"])
    return pieces, row["labels"], row["word_index"], row["gold"]


def test_first_piece_of_each_word_carries_its_label(tokenizer):
    pieces, labels, word_index, gold = _case(tokenizer, "John lives in Parisians .",
                                             [Span(0, 4, "PER"), Span(14, 23, "LOC")], pretokenized=True)
    assert pieces == ["[CLS]", "john", "lives", "in", "paris", "##i", "##a", "##n", "##s", ".", "[SEP]"]
    assert labels == [X, BP, O, O, BL, X, X, X, X, O, X]
    assert word_index == [0, 1, 2, 3, 4]
    assert gold == [BP, O, O, BL, O]


def test_words_that_bert_splits_further_label_only_their_first_piece(tokenizer):
    # The labeling screen's words: "Don't", "go", "to", "New-York", "!"; BERT cuts at ' and -.
    text = "Don't go to New-York!"
    pieces, labels, word_index, gold = _case(tokenizer, text, [Span(12, 20, "LOC")])
    assert pieces == ["[CLS]", "don", "'", "t", "go", "to", "new", "-", "york", "!", "[SEP]"]
    assert labels == [X, O, X, X, O, O, BL, X, X, O, X]
    assert word_index == [0, 1, 2, 3, 4]
    assert gold == [O, O, O, BL, O]


def test_multi_word_entity_is_b_then_i(tokenizer):
    pieces, labels, _, gold = _case(tokenizer, "Mary Anne Smith visited Zürich", [Span(0, 15, "PER"),
                                                                                Span(24, 30, "LOC")])
    # "visited" is not in the vocabulary: it splits into letters; "Zürich" loses its accent
    assert pieces[:4] == ["[CLS]", "mary", "anne", "smith"]
    assert pieces[4:11] == ["v", "##i", "##s", "##i", "##t", "##e", "##d"]
    assert pieces[11:] == ["zurich", "[SEP]"]
    assert labels[:5] == [X, BP, IP, IP, O] and set(labels[5:11]) == {X} and labels[11:] == [BL, X]
    assert gold == [BP, IP, IP, O, BL]


def test_truncation_drops_trailing_words_from_training_only(tokenizer):
    pieces, labels, word_index, gold = _case(tokenizer, "John lives in Parisians .",
                                             [Span(0, 4, "PER"), Span(14, 23, "LOC")], pretokenized=True,
                                             max_length=6)
    assert pieces == ["[CLS]", "john", "lives", "in", "paris", "[SEP]"]
    assert labels == [X, BP, O, O, BL, X]
    assert word_index == [0, 1, 2, 3]
    assert len(gold) == 5   # the cut word "." is still scored (as predicted O)


def test_align_pieces_ignores_special_and_empty_pieces():
    words = tokenize("ab cd")
    labels, widx = align_pieces(words, [(0, 0), (0, 1), (1, 2), (2, 2), (3, 5), (0, 0)], [1, 0, 0, 0, 0, 1], [7, 8])
    assert labels == [X, 7, X, X, 8, X] and widx == [0, 1]


def test_sentiment_rows_have_one_class(tokenizer):
    exs = [Example(1, "great film", label="positive"), Example(2, "awful", label="negative")]
    ds = encode(exs, tokenizer, "sentiment", {"negative": 0, "positive": 1}, 32)
    assert ds["labels"][:] == [1, 0]
    assert ds["length"][:] == [len(x) for x in ds["input_ids"][:]]
