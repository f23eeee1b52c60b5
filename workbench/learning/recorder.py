"""A learner round's run is an ordinary run of the runs list, marked as the learner's
(``counts["learner"]``: the chip and the runs list tell it by that).  On the round's thread."""
from __future__ import annotations

from typing import Any

from workbench.learning.policy import LEARNER_MARK
from workbench.training.recorder import StoreRecorder


class LearnerRecorder(StoreRecorder):
    """The run history in the project file, the run marked as the learner's."""

    def start(self, task: str, base_model: str, device: str, config: dict[str, Any], counts: dict[str, Any]) -> int:
        counts[LEARNER_MARK] = True     # the same dict the run keeps: its card says so too
        return super().start(task, base_model, device, config, counts)
