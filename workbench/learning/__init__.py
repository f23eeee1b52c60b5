"""The background learner ("Learn as I label"): a model that keeps training while the user labels.

- :mod:`workbench.learning.policy`: when a round is due (opt-in per task, default-on in new
  projects at 20 accepted documents, every N accepts with N adaptive to the last round's time),
  the learner's state in the project's settings;
- :mod:`workbench.learning.round`: one round (train on a snapshot of the labels, compare with the
  current suggester on dev, pre-annotate and take over when better);
- :mod:`workbench.learning.status`: the chip's line.

No Qt; torch loads only inside a round.  The UI runs rounds through ``ui/workers.py``'s JobHost
(``ui/annotate/learner_chip.py``); scripts call :func:`run_round` directly.
"""
from __future__ import annotations

from workbench.learning.policy import (
    LearnerPolicy, mark_new_project, set_enabled, set_options, set_paused, task_state,
)
from workbench.learning.round import RoundResult, round_job, run_round
from workbench.learning.status import LearnerStatus, status

__all__ = ["LearnerPolicy", "LearnerStatus", "RoundResult", "mark_new_project", "round_job", "run_round",
           "set_enabled", "set_options", "set_paused", "status", "task_state"]
