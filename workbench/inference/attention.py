"""Attention rows and attention rollout, shown on words (numpy only; any thread).

Attention is what the model *looked at* while building a representation, not
what mattered for its decision; the review screen says so next to it.  Rollout
(Abnar & Zuidema 2020) follows attention through the layers, counting the
residual connection as half of each layer's mixing.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from workbench.spans import piece_words  # noqa: F401 - where the overlays' callers look for it


def attention_row(att: np.ndarray, query: int, layer: int | None = None, head: int | None = None) -> np.ndarray:
    """Where piece ``query`` attends, over all pieces.

    ``att`` has shape (layers, heads, pieces, pieces).  ``layer``/``head`` of None
    average over layers/heads.  Rows of attention are distributions, so the result
    sums to 1.
    """
    a = att if layer is None else att[layer: layer + 1]
    a = a if head is None else a[:, head: head + 1]
    return a[:, :, query, :].mean(axis=(0, 1))


def rollout(att: np.ndarray, residual: float = 0.5) -> np.ndarray:
    """Attention rollout: (pieces, pieces) matrix whose row i says how much of the last
    layer's piece i flows from each input piece.  Heads are averaged per layer and
    the identity (the residual stream) mixed in with weight ``residual``."""
    n = att.shape[-1]
    eye = np.eye(n, dtype=np.float64)
    out = eye
    for layer in att.astype(np.float64):
        a = residual * eye + (1.0 - residual) * layer.mean(axis=0)
        a = a / a.sum(axis=-1, keepdims=True)
        out = a @ out
    return out


def word_scores(piece_scores: np.ndarray, word_ids: Sequence[int | None], n_words: int) -> np.ndarray:
    """Merge word-piece scores into word scores by summing the pieces of each word
    (attention mass and attributions both add up).  Special tokens are dropped."""
    out = np.zeros(n_words, dtype=np.float64)
    for pos, w in enumerate(word_ids):
        if w is not None and w < n_words:
            out[w] += float(piece_scores[pos])
    return out


def special_mass(piece_scores: np.ndarray, word_ids: Sequence[int | None]) -> float:
    """How much of an attention row goes to special tokens ([CLS], [SEP]): often most
    of it, which is why the overlay shows this share separately instead of hiding it."""
    return float(sum(piece_scores[p] for p, w in enumerate(word_ids) if w is None))
