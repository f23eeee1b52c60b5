"""Error kinds on constructed gold/predicted pairs, review rows and confusion matrices (no model)."""
from __future__ import annotations

import numpy as np
import pytest

from workbench.inference.errors import (
    CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, WRONG_BOUNDARY, WRONG_CLASS, WRONG_TYPE, confusion,
)
from workbench.tasks import NER, SENTIMENT
from workbench.tasks.class_predictions import ClassPrediction
from workbench.tasks.entity_predictions import NerPrediction, compare_spans
from workbench.spans import Span, tokenize

TEXT = "Alice Smith met Bob at Acme Corp in Paris today"
#       0    5 6   12  16  20 23   28   33 36   41


def kinds(gold, pred):
    return [(v.kind, v.gold, v.pred) for v in compare_spans(gold, pred)]


def test_every_kind_on_one_sentence():
    gold = [Span(0, 11, "PER"), Span(16, 19, "PER"), Span(23, 32, "ORG"), Span(36, 41, "LOC")]
    pred = [Span(0, 5, "PER"),                 # boundary: too short
            Span(16, 19, "ORG"),               # type
            Span(23, 32, "ORG"),               # correct
            Span(42, 47, "MISC")]              # false positive; Paris is missed
    assert kinds(gold, pred) == [
        (WRONG_BOUNDARY, Span(0, 11, "PER"), Span(0, 5, "PER")),
        (WRONG_TYPE, Span(16, 19, "PER"), Span(16, 19, "ORG")),
        (CORRECT, Span(23, 32, "ORG"), Span(23, 32, "ORG")),
        (FALSE_NEGATIVE, Span(36, 41, "LOC"), None),
        (FALSE_POSITIVE, None, Span(42, 47, "MISC")),
    ]


def test_overlap_with_other_type_and_boundaries_is_a_type_error():
    assert kinds([Span(23, 32, "ORG")], [Span(23, 27, "LOC")]) == [
        (WRONG_TYPE, Span(23, 32, "ORG"), Span(23, 27, "LOC"))]


def test_one_gold_split_in_two_predictions():
    out = kinds([Span(0, 11, "PER")], [Span(0, 5, "PER"), Span(6, 11, "PER")])
    assert [k for k, _, _ in out] == [WRONG_BOUNDARY, FALSE_POSITIVE]


def test_exact_match_wins_over_an_earlier_overlap():
    out = kinds([Span(0, 5, "PER"), Span(6, 11, "PER")], [Span(0, 11, "PER"), Span(6, 11, "PER")])
    assert (CORRECT, Span(6, 11, "PER"), Span(6, 11, "PER")) in out
    assert (WRONG_BOUNDARY, Span(0, 5, "PER"), Span(0, 11, "PER")) in out


def test_empty_cases():
    assert kinds([], []) == []
    assert kinds([Span(0, 5, "PER")], []) == [(FALSE_NEGATIVE, Span(0, 5, "PER"), None)]


def _ner_pred(text, tags_probs):
    names = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]
    words = tokenize(text)
    probs = np.full((len(words), len(names)), 0.01, dtype=np.float32)
    for k, (tag, p) in enumerate(tags_probs):
        probs[k, names.index(tag)] = p
    probs /= probs.sum(1, keepdims=True)
    return NerPrediction(7, words, names, probs, np.ones(len(words), bool))


def test_review_row_loss_confidence_and_suspicion():
    pred = _ner_pred("Bob joined Acme", [("B-PER", 0.9), ("O", 0.6), ("B-PER", 0.5)])
    r = NER.review(pred, [Span(0, 3, "PER"), Span(11, 15, "ORG")])
    assert r.kinds == {WRONG_TYPE} and r.labels == {"ORG", "PER"}
    assert r.confidence == pytest.approx(pred.confidences.min())
    # the worst gold word is "Acme" (B-ORG got only the 0.01 floor)
    assert r.gold_confidence == pytest.approx(pred.probs[2, 3])
    assert r.loss > 0


def test_sentiment_review_and_confusion():
    names = ["negative", "neutral", "positive"]
    a = SENTIMENT.review(ClassPrediction(1, names, np.array([0.7, 0.2, 0.1], np.float32)), "positive")
    b = SENTIMENT.review(ClassPrediction(2, names, np.array([0.1, 0.1, 0.8], np.float32)), "positive")
    assert a.kinds == {WRONG_CLASS} and b.kinds == set()
    assert a.gold_confidence == pytest.approx(0.1) and a.loss == pytest.approx(-np.log(0.1))
    got, counts, cells = confusion([a, b], names, SENTIMENT)
    assert got == names
    assert counts[2, 0] == 1 and counts[2, 2] == 1 and counts.sum() == 2
    assert cells[("positive", "negative")] == [1]


def test_ner_confusion_has_an_O_row_and_column():
    pred = _ner_pred("Bob joined Acme", [("B-PER", 0.9), ("B-ORG", 0.6), ("O", 0.5)])
    r = NER.review(pred, [Span(0, 3, "PER"), Span(11, 15, "ORG")])
    names, counts, cells = confusion([r], ["PER", "ORG"], NER)
    assert names == ["PER", "ORG", "O"]
    assert counts[0, 0] == 1          # Bob correct
    assert counts[2, 1] == 1          # "joined" predicted ORG: false positive (gold O)
    assert counts[1, 2] == 1          # Acme missed: false negative (predicted O)
    assert cells[("ORG", "O")] == [7]
