"""What a classifier says about one document: its class distribution.  numpy only; any thread."""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class ClassPrediction:
    """A classifier's class distribution for one document."""

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

    def uncertainty(self) -> tuple[float, float]:
        """``(top probability, top minus second)``: lower is more uncertain."""
        top2 = np.sort(self.probs)[-2:] if self.probs.size > 1 else np.array([0.0, float(self.probs.max(initial=1.0))])
        return float(top2[1]), float(top2[1] - top2[0])
