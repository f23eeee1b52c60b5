"""What an entity model says about one document, and how its spans compare with the gold ones.

Predictions are kept per *word* (``spans.tokenize``): the first word piece of each
word carries the word's label distribution, as in training.  Spans are the BIO tags
repaired into character spans by :func:`workbench.spans.bio_to_spans` (the one place
BIO becomes spans), each with a confidence.

Span comparison (:func:`compare_spans`) gives each gold or predicted span a verdict:

- ``correct``         same boundaries, same type
- ``wrong_type``      same boundaries, other type; or overlapping with other boundaries *and* type
- ``wrong_boundary``  overlapping, same type, other boundaries
- ``false_negative``  a gold span the prediction does not touch
- ``false_positive``  a predicted span no gold span touches

numpy only: any thread.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Iterable, Sequence

import numpy as np

from workbench.spans import Span, Token, bio_to_spans
from workbench.tag_decoding import decode_bio
from workbench.tasks.base import (
    CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, WRONG_BOUNDARY, WRONG_TYPE, Verdict,
)


@dataclasses.dataclass(frozen=True)
class ScoredSpan:
    start: int
    end: int
    label: str
    confidence: float  # mean, over the span's words, of the probability of the predicted tag

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.label)


@dataclasses.dataclass
class NerPrediction:
    """An entity model's tag distribution per word of one document."""

    doc_id: int
    words: list[Token]
    tag_names: list[str]        # the model's tag set, in id order ("O", "B-X", "I-X", ...)
    probs: np.ndarray           # (n_words, n_tags) float32; rows of unseen words are meaningless
    seen: np.ndarray            # (n_words,) bool: the model saw a piece of this word (not truncated away)

    @functools.cached_property
    def tag_ids(self) -> np.ndarray:
        """Predicted tag id per word: the most probable *valid* BIO sequence
        (:func:`workbench.tag_decoding.decode_bio`); a word the model did not see is "O"
        (as training scores it)."""
        probs = self.probs.copy()
        if len(self.words) and not self.seen.all() and "O" in self.tag_names:
            probs[~self.seen] = 0.0
            probs[~self.seen, self.tag_names.index("O")] = 1.0
        return decode_bio(probs, self.tag_names)

    @property
    def tags(self) -> list[str]:
        return [self.tag_names[i] if ok else "O" for i, ok in zip(self.tag_ids, self.seen)]

    @property
    def confidences(self) -> np.ndarray:
        """Probability of the predicted tag, per word (1.0 for unseen words: nothing to doubt)."""
        if not len(self.words):
            return np.zeros(0, dtype=np.float32)
        chosen = self.probs[np.arange(len(self.words)), self.tag_ids]
        return np.where(self.seen, chosen, 1.0).astype(np.float32)

    @property
    def spans(self) -> list[ScoredSpan]:
        return scored_spans(self.words, self.tags, self.confidences)

    def uncertainty(self) -> tuple[float, float]:
        """``(least confidence, smallest margin)`` over the words the model saw (the weakest word
        decides); lower is more uncertain, and a document with no words is fully confident."""
        probs = self.probs[self.seen]
        if probs.size == 0:
            return 1.0, 1.0
        if probs.shape[1] == 1:
            return float(probs.min()), float(probs.min())
        top2 = np.sort(probs, axis=1)[:, -2:]
        return float(top2[:, 1].min()), float((top2[:, 1] - top2[:, 0]).min())

    def gold_probability(self, gold_tags: Sequence[str]) -> np.ndarray:
        """Probability the model gives each word's gold tag (0 for a tag it does not know)."""
        index = {t: i for i, t in enumerate(self.tag_names)}
        out = np.ones(len(gold_tags), dtype=np.float32)  # unseen words: no evidence either way
        for k, tag in enumerate(gold_tags):
            if self.seen[k]:
                i = index.get(tag)
                out[k] = self.probs[k, i] if i is not None else 0.0
        return out


def scored_spans(words: Sequence[Token], tags: Sequence[str], confidences: Sequence[float]) -> list[ScoredSpan]:
    """BIO tags (possibly broken: ``I-X`` without ``B-X``) repaired into spans, each with the
    mean confidence of the words it covers."""
    out = []
    starts = [w.start for w in words]
    for sp in bio_to_spans(words, tags):
        i = starts.index(sp.start)
        j = i
        while j < len(words) and words[j].end <= sp.end:
            j += 1
        conf = float(np.mean(confidences[i:j])) if j > i else 0.0
        out.append(ScoredSpan(sp.start, sp.end, sp.label, conf))
    return out


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
