"""What kind of mistake each prediction is (pure Python + numpy; any thread).

NER compares gold and predicted character spans:

- ``correct``         same boundaries, same type
- ``wrong_type``      same boundaries, other type; or overlapping with other boundaries *and* type
- ``wrong_boundary``  overlapping, same type, other boundaries
- ``false_negative``  a gold span the prediction does not touch
- ``false_positive``  a predicted span no gold span touches

Sentiment has ``correct`` and ``wrong_class``.  Every kind has a place in the
confusion matrix: false negatives are predicted as "O", false positives are gold "O".
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterable, Sequence

import numpy as np

from workbench.inference.records import NerPrediction, Prediction, SentimentPrediction
from workbench.spans import Span, spans_to_bio

CORRECT = "correct"
WRONG_TYPE = "wrong_type"
WRONG_BOUNDARY = "wrong_boundary"
FALSE_NEGATIVE = "false_negative"
FALSE_POSITIVE = "false_positive"
WRONG_CLASS = "wrong_class"
NER_KINDS = (CORRECT, FALSE_POSITIVE, FALSE_NEGATIVE, WRONG_TYPE, WRONG_BOUNDARY)
ERROR_KINDS = (FALSE_POSITIVE, FALSE_NEGATIVE, WRONG_TYPE, WRONG_BOUNDARY, WRONG_CLASS)
KIND_NAMES = {
    CORRECT: "correct", FALSE_POSITIVE: "false positive", FALSE_NEGATIVE: "false negative",
    WRONG_TYPE: "wrong type", WRONG_BOUNDARY: "wrong boundary", WRONG_CLASS: "wrong class",
}
NONE = "O"  # the confusion matrix's "no entity" row and column


@dataclasses.dataclass(frozen=True)
class Verdict:
    kind: str
    gold: Span | None
    pred: Span | None

    @property
    def gold_label(self) -> str:
        return self.gold.label if self.gold else NONE

    @property
    def pred_label(self) -> str:
        return self.pred.label if self.pred else NONE

    @property
    def start(self) -> int:
        return min(s.start for s in (self.gold, self.pred) if s is not None)

    @property
    def end(self) -> int:
        return max(s.end for s in (self.gold, self.pred) if s is not None)


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def compare_spans(gold: Iterable[Span], pred: Iterable[Span]) -> list[Verdict]:
    """One verdict per gold or predicted span (a matched pair gives one), sorted by position.

    Exact boundary matches pair first; then each remaining predicted span pairs with the
    unpaired gold span it overlaps most."""
    gold, pred = list(gold), list(pred)
    out: list[Verdict] = []
    by_bounds = {(g.start, g.end): g for g in gold}
    free_gold = set(range(len(gold)))
    free_pred = []
    index = {id(g): i for i, g in enumerate(gold)}
    for p in pred:
        g = by_bounds.get((p.start, p.end))
        if g is not None and index[id(g)] in free_gold:
            free_gold.discard(index[id(g)])
            out.append(Verdict(CORRECT if g.label == p.label else WRONG_TYPE, g, p))
        else:
            free_pred.append(p)
    for p in free_pred:
        best, best_ov = None, 0
        for i in free_gold:
            ov = _overlap(gold[i], p)
            if ov > best_ov:
                best, best_ov = i, ov
        if best is None:
            out.append(Verdict(FALSE_POSITIVE, None, p))
            continue
        free_gold.discard(best)
        g = gold[best]
        out.append(Verdict(WRONG_BOUNDARY if g.label == p.label else WRONG_TYPE, g, p))
    out += [Verdict(FALSE_NEGATIVE, gold[i], None) for i in free_gold]
    return sorted(out, key=lambda v: (v.start, v.end))


@dataclasses.dataclass
class DocReview:
    """One labeled document's row in the error list."""

    doc_id: int
    loss: float                     # mean cross-entropy of the gold labels (per word for NER)
    confidence: float               # the model's least confident word (NER) or its class probability
    gold_confidence: float          # lowest probability given to a gold label: the suspicion score
    verdicts: list[Verdict]         # NER spans, or one sentiment verdict (spans None)
    gold: str | None = None         # sentiment only
    pred: str | None = None

    @property
    def errors(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind != CORRECT]

    @property
    def kinds(self) -> set[str]:
        return {v.kind for v in self.errors}

    @property
    def labels(self) -> set[str]:
        """Labels involved in this document's errors (gold or predicted)."""
        out = set()
        for v in self.errors:
            out |= {v.gold_label, v.pred_label}
        if self.gold is not None and self.pred != self.gold:
            out |= {self.gold, self.pred or ""}
        out.discard(NONE)
        out.discard("")
        return out


def review_ner(pred: NerPrediction, gold: Sequence[Span]) -> DocReview:
    gold_tags = spans_to_bio(pred.words, gold)
    p_gold = pred.gold_probability(gold_tags)
    loss = float(-np.log(np.clip(p_gold, 1e-12, 1.0)).mean()) if len(p_gold) else 0.0
    conf = float(pred.confidences.min()) if len(pred.words) else 1.0
    worst = float(p_gold.min()) if len(p_gold) else 1.0
    verdicts = compare_spans(gold, [s.span for s in pred.spans])
    return DocReview(pred.doc_id, loss, conf, worst, verdicts)


def review_sentiment(pred: SentimentPrediction, gold: str) -> DocReview:
    p = pred.gold_probability(gold)
    kind = CORRECT if pred.label == gold else WRONG_CLASS
    return DocReview(pred.doc_id, -math.log(max(p, 1e-12)), pred.confidence, p,
                     [Verdict(kind, None, None)], gold=gold, pred=pred.label)


def review(pred: Prediction, gold: Sequence[Span] | str) -> DocReview:
    if isinstance(pred, NerPrediction):
        return review_ner(pred, gold)  # type: ignore[arg-type]
    return review_sentiment(pred, gold)  # type: ignore[arg-type]


def confusion(reviews: Iterable[DocReview], labels: Sequence[str], task: str) -> tuple[list[str], np.ndarray, dict]:
    """``(names, counts, cells)``: rows are gold, columns predicted.  For NER the names are
    the entity types plus "O"; ``cells[(gold, pred)]`` lists the documents in that cell."""
    names = list(labels) + ([NONE] if task == "ner" else [])
    pos = {n: i for i, n in enumerate(names)}
    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    cells: dict[tuple[str, str], list[int]] = {}
    for r in reviews:
        pairs = [(r.gold, r.pred)] if task == "sentiment" else [(v.gold_label, v.pred_label) for v in r.verdicts]
        for g, p in pairs:
            if g not in pos or p not in pos:
                continue
            counts[pos[g], pos[p]] += 1
            docs = cells.setdefault((g, p), [])
            if not docs or docs[-1] != r.doc_id:
                docs.append(r.doc_id)
    return names, counts, cells
