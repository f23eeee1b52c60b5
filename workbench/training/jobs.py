"""The Train screen's long work as jobs (workbench/jobs.py): a training run, and getting the
device and the training stack ready.  Both run on a worker thread (``ui/workers.py``) and
may run anywhere else: nothing here knows about a window.
"""
from __future__ import annotations

import os
import sys
import threading

from workbench.jobs import CancelFn, Progress, ProgressFn, check_cancelled, no_progress
from workbench.training.config import TrainConfig
from workbench.training.events import RunResult


def train_job(config: TrainConfig, *, progress: ProgressFn = no_progress,
              cancelled: CancelFn | None = None) -> RunResult:
    """One run (training.loop.train) at a lower priority than the thread that started it.
    A cancel raises Cancelled carrying the run's RunResult (status "cancelled")."""
    from workbench.training.loop import train   # torch loads here, on this thread

    lower_thread_priority()
    return train(config, progress=progress, cancelled=cancelled)


def lower_thread_priority() -> None:
    """Give the calling (training) thread a lower priority than the others of the process.

    On Linux a thread's nice value is its own, and the OpenMP threads torch starts from
    here inherit it, so when training and the UI want the same core, the UI wins and a
    click is never kept waiting.  Training is not slowed when the UI is idle.  (Elsewhere
    the call would lower the whole process, so it is skipped.)
    """
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 5)
        except OSError:
            pass


def device_job(preference: str, *, progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> str:
    """The device a run would use, in words; and the training stack imported now.

    Loading torch, transformers and pyarrow holds the interpreter for a while: done ahead,
    off the UI thread, it is not felt as a stall when Start is clicked."""
    from workbench.modeling.device import pick_device

    progress(Progress(0, 0, "Finding the device"))
    description = pick_device(preference).description
    check_cancelled(cancelled, "device check cancelled")
    progress(Progress(0, 0, "Loading the training code"))
    import workbench.training.loop  # noqa: F401
    import seqeval.metrics  # noqa: F401
    import transformers

    for name in ("AutoModelForTokenClassification", "AutoModelForSequenceClassification", "AutoTokenizer"):
        getattr(transformers, name)   # resolves the lazy module now
    import transformers.models.bert.modeling_bert  # noqa: F401 - the default base model's code
    return description
