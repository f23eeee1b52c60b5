"""The one bridge between background threads and the UI (DESIGN rule 2).

Long work is a plain core function that takes ``on_progress`` and ``cancelled``
keyword arguments.  :class:`Worker` runs it in a QThread and turns the callback
into a signal; Qt queues that signal to the UI thread.  A worker never touches a
widget, and a function that needs the project opens its own ``Store`` (a SQLite
connection belongs to the thread that made it).

    worker = Worker(import_job, project_path, file_path, fmt)
    worker.progress.connect(bar.setValue)
    worker.done.connect(self.on_report)      # a bound method of a UI-thread QObject: runs on
    worker.failed.connect(self.on_error)     # the UI thread (a bare lambda would run on the worker's)
    start(worker)                            # kept alive until it ends; no parent needed
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot


class Worker(QObject):
    progress = Signal(object)   # whatever the function passes to on_progress (one argument, or a tuple)
    done = Signal(object)       # the function's return value
    failed = Signal(object)     # the exception it raised (cancellation included)
    finished = Signal()         # always last, after done or failed

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the function to stop; it notices at its next ``cancelled()`` check."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _report(self, *values: Any) -> None:
        self.progress.emit(values[0] if len(values) == 1 else values)

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(*self._args, on_progress=self._report, cancelled=self._cancel.is_set, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread, which decides what to show
            self.failed.emit(exc)
        else:
            self.done.emit(result)
        finally:
            self.finished.emit()


# Threads still running, so Python never collects one (and Qt never destroys it) mid-run.
_RUNNING: set[QThread] = set()


def start(worker: Worker, parent: QObject | None = None) -> QThread:
    """Run ``worker`` on a new QThread that cleans itself (and the worker) up when done.

    Prefer no ``parent``: a parent widget that is deleted while the thread still
    runs (a dialog closed mid-import) would destroy a running QThread, which
    aborts the process.  Parentless threads are kept here until they end.
    """
    # Forget threads that have ended (not from their own finished signal, which is
    # emitted on the ending thread: dropping the last reference there would destroy
    # a QThread that is still running).
    _RUNNING.difference_update({t for t in _RUNNING if t.isFinished()})
    thread = QThread(parent)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: QThread.quit is thread-safe, and a queued call would need the UI's event
    # loop, so a thread waited on from the UI thread (wait_all at exit) would never end.
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.finished.connect(worker.deleteLater)
    thread._worker = worker  # type: ignore[attr-defined]  # the worker lives as long as its thread
    _RUNNING.add(thread)
    thread.start()
    return thread


def wait_all(timeout_ms: int = 5000) -> bool:
    """Wait for every running worker thread (at exit, and in tests)."""
    return all(t.wait(timeout_ms) for t in list(_RUNNING))
