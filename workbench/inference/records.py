"""What a prediction looks like once it leaves the model (numpy only; any thread).

NER predictions are kept per *word* (``spans.tokenize``): the first word piece of
each word carries the word's label distribution, as in training.  Spans are the
BIO tags repaired into character spans by :func:`workbench.spans.bio_to_spans`
(the one place BIO becomes spans), each with a confidence.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import numpy as np

from workbench.spans import Span, Token, bio_to_spans
from workbench.tag_decoding import decode_bio


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

    def gold_probability(self, gold_tags: Sequence[str]) -> np.ndarray:
        """Probability the model gives each word's gold tag (0 for a tag it does not know)."""
        index = {t: i for i, t in enumerate(self.tag_names)}
        out = np.ones(len(gold_tags), dtype=np.float32)  # unseen words: no evidence either way
        for k, tag in enumerate(gold_tags):
            if self.seen[k]:
                i = index.get(tag)
                out[k] = self.probs[k, i] if i is not None else 0.0
        return out


@dataclasses.dataclass
class SentimentPrediction:
    doc_id: int
    class_names: list[str]
    probs: np.ndarray           # (n_classes,) float32

    @property
    def label(self) -> str:
        return self.class_names[int(self.probs.argmax())]

    @property
    def confidence(self) -> float:
        return float(self.probs.max())

    def gold_probability(self, gold: str) -> float:
        return float(self.probs[self.class_names.index(gold)]) if gold in self.class_names else 0.0


Prediction = NerPrediction | SentimentPrediction


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


def uncertainty(pred: Prediction) -> tuple[float, float]:
    """``(least confidence, smallest margin)`` of a document: for NER over its words (the
    weakest word decides), for sentiment of its one distribution.  Lower is more uncertain;
    a document with no words counts as fully confident."""
    probs = pred.probs if isinstance(pred, NerPrediction) else pred.probs[None, :]
    if isinstance(pred, NerPrediction):
        probs = probs[pred.seen]
    if probs.size == 0:
        return 1.0, 1.0
    top2 = np.sort(probs, axis=1)[:, -2:] if probs.shape[1] > 1 else np.concatenate([np.zeros_like(probs), probs], 1)
    return float(top2[:, 1].min()), float((top2[:, 1] - top2[:, 0]).min())
