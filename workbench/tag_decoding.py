"""From a token classifier's per-word tag probabilities to a valid IOB2 tag sequence.

Taking each word's most likely tag on its own can give sequences no annotator
would write (``O I-PER``, ``B-ORG I-LOC``).  :func:`decode_bio` instead picks the
most probable sequence among the valid ones (Viterbi over the word
distributions, with the transitions IOB2 forbids ruled out), so a broken entity
is mended by what the model thinks most likely rather than by a fixed rule.
Training's dev scores and every prediction the app shows use this one decoder.

numpy only: safe on any thread.
"""
from __future__ import annotations

import functools
from typing import Sequence

import numpy as np


def allowed_transitions(tag_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(start, trans)``: which tags may open a sentence, and which may follow which
    (``trans[a, b]``: tag b after tag a).  ``I-X`` only continues ``B-X`` or ``I-X``.
    Built once per tag set: decoding runs once per document."""
    return _transitions(tuple(tag_names))


@functools.lru_cache(maxsize=32)
def _transitions(tag_names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    n = len(tag_names)
    kinds = [(t.partition("-")[0], t.partition("-")[2]) for t in tag_names]
    start = np.array([k != "I" for k, _ in kinds], dtype=bool)
    trans = np.ones((n, n), dtype=bool)
    for b, (kind_b, label_b) in enumerate(kinds):
        if kind_b == "I":
            for a, (kind_a, label_a) in enumerate(kinds):
                trans[a, b] = kind_a in ("B", "I") and label_a == label_b
    return start, trans


def decode_bio(probs: np.ndarray, tag_names: Sequence[str]) -> np.ndarray:
    """The most probable valid IOB2 tag ids for ``probs`` (words x tags, rows summing to 1).

    When the tag set is not IOB2 (no ``I-`` tags), this is the plain per-word argmax.
    """
    n_words = probs.shape[0]
    if n_words == 0:
        return np.zeros(0, dtype=np.int64)
    start, trans = allowed_transitions(tag_names)
    if trans.all() and start.all():
        return probs.argmax(axis=1)
    logp = np.log(np.clip(probs.astype(np.float64), 1e-12, 1.0))
    forbid = np.where(trans, 0.0, -np.inf)
    score = np.where(start, logp[0], -np.inf)
    back = np.zeros((n_words, len(tag_names)), dtype=np.int64)
    for i in range(1, n_words):
        total = score[:, None] + forbid          # previous tag x next tag
        back[i] = total.argmax(axis=0)
        score = total.max(axis=0) + logp[i]
    path = np.empty(n_words, dtype=np.int64)
    path[-1] = int(score.argmax())
    for i in range(n_words - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path
