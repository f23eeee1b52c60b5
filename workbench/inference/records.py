"""What the inference code needs of a prediction, whatever its task.

The records themselves belong to their tasks (workbench/tasks/): an entity model's
per-word tag distributions (``tasks.entity_predictions.NerPrediction``), a
classifier's class distribution (``tasks.classification.ClassPrediction``).  The
cache, the queue and the review handle them through this protocol and the task's
spec only.  numpy only; any thread.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np


class Prediction(Protocol):
    doc_id: int
    probs: np.ndarray

    def uncertainty(self) -> tuple[float, float]:
        """``(least confidence, smallest margin)``: lower is more uncertain."""

    def gold_probability(self, gold: Any) -> Any:
        """The probability the model gives the gold label(s)."""


def uncertainty(pred: Prediction) -> tuple[float, float]:
    """``(least confidence, smallest margin)`` of a document (the weakest word decides for a
    token task); lower is more uncertain, a document with no words counts as fully confident."""
    return pred.uncertainty()
