"""What kind of mistake each prediction is, and the confusion matrix over a split (any thread).

The kinds are the task's (``TaskSpec.review``, ``TaskSpec.error_kinds``): spans compared
with spans for entities (correct, false positive, false negative, wrong type, wrong
boundary), the class for a classifier (correct, wrong class).  Every kind has a place
in the confusion matrix: for entities a false negative is predicted as "O" and a false
positive is gold "O".
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from workbench.tasks.base import (
    CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, KIND_NAMES, NONE, WRONG_BOUNDARY, WRONG_CLASS, WRONG_TYPE, DocReview,
    TaskSpec, Verdict,
)

__all__ = ["CORRECT", "FALSE_NEGATIVE", "FALSE_POSITIVE", "KIND_NAMES", "NONE", "WRONG_BOUNDARY", "WRONG_CLASS",
           "WRONG_TYPE", "DocReview", "Verdict", "confusion", "review"]


def review(spec: TaskSpec, pred: Any, gold: Any) -> DocReview:
    """One labeled document's verdicts (the task's kinds)."""
    return spec.review(pred, gold)


def confusion(reviews: Iterable[DocReview], labels: Sequence[str], spec: TaskSpec
              ) -> tuple[list[str], np.ndarray, dict]:
    """``(names, counts, cells)``: rows are gold, columns predicted; ``cells[(gold, pred)]``
    lists the documents in that cell."""
    names = spec.confusion_names(labels)
    pos = {n: i for i, n in enumerate(names)}
    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    cells: dict[tuple[str, str], list[int]] = {}
    for r in reviews:
        for g, p in spec.confusion_pairs(r):
            if g not in pos or p not in pos:
                continue
            counts[pos[g], pos[p]] += 1
            docs = cells.setdefault((g, p), [])
            if not docs or docs[-1] != r.doc_id:
                docs.append(r.doc_id)
    return names, counts, cells
