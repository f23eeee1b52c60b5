"""What the Train screen runs on worker threads (``ui.workers``): the training run, and
finding the device.  These run off the UI thread and never touch a widget."""
from __future__ import annotations

import os
import sys
import threading

from workbench.training.config import TrainConfig


def train_job(config: TrainConfig, *, on_progress, cancelled):  # noqa: ANN001, ANN202 - worker signature
    from workbench.training.loop import train

    yield_to_the_ui()
    return train(config, on_progress=on_progress, cancelled=cancelled)


def yield_to_the_ui() -> None:
    """Give this (training) thread a lower priority than the UI thread.

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


def device_job(preference: str, *, on_progress, cancelled) -> str:  # noqa: ANN001 - worker signature
    """Find the device, and import the training stack now, off the UI thread: loading
    torch, transformers and pyarrow holds the interpreter for a while, which would be felt
    as a stall if it happened when Start is clicked."""
    from workbench.training.device import pick_device

    description = pick_device(preference).description
    import workbench.training.loop  # noqa: F401
    import seqeval.metrics  # noqa: F401
    import transformers

    for name in ("AutoModelForTokenClassification", "AutoModelForSequenceClassification", "AutoTokenizer"):
        getattr(transformers, name)   # resolves the lazy module now
    import transformers.models.bert.modeling_bert  # noqa: F401 - the default base model's code
    return description
