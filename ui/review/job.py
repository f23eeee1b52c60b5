"""One background job of the Review screen, relayed to the UI thread.  UI thread only."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from ui.workers import Worker


class Job(QObject):
    """Relays one worker's signals to the panel on the UI thread (its slots are bound methods
    of an object living there, so Qt queues them), dropping those of a worker that was
    replaced meanwhile (cancelled, but its last signals were already on their way)."""

    def __init__(self, panel: Any, worker: Worker, on_done: Any) -> None:
        super().__init__(panel)
        self.panel, self.worker, self.on_done = panel, worker, on_done
        worker.progress.connect(self.progress)
        worker.done.connect(self.done)
        worker.failed.connect(self.failed)
        worker.finished.connect(self.finished)

    def _current(self) -> bool:
        return self.panel.worker is self.worker

    def progress(self, p: Any) -> None:
        if self._current():
            self.panel.progress.setRange(0, max(1, p.total))
            self.panel.progress.setValue(p.done)

    def done(self, result: Any) -> None:
        if self._current():
            self.on_done(result)

    def failed(self, exc: BaseException) -> None:
        if self._current():
            self.panel.summary.setText(f"Failed: {exc}")

    def finished(self) -> None:
        self.panel._ended(self.worker)
        self.deleteLater()
