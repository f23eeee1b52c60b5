"""The one bridge between background threads and the UI: :class:`JobHost`.

Long work is a job of the core (workbench/jobs.py): a plain function taking
``progress`` and ``cancelled`` keywords that raises ``Cancelled`` when stopped.  A screen
owns one :class:`JobHost` per kind of work and says only what to run and what to do with
the outcome (Orange's ConcurrentWidgetMixin)::

    self.jobs = JobHost(self)
    self.jobs.start(review_job, project, run_id, "dev",
                    on_done=self._reviewed, on_progress=self._progress,
                    on_failed=self._show_error, on_cancelled=self._stopped)
    self.jobs.cancel()            # Stop / Cancel buttons
    self.jobs.shutdown()          # closing, another project: cancel and wait

The host runs one job at a time.  Starting a job while another runs cancels the old one,
drops whatever it still sends (its signals may already be queued), and starts the new
one when the old one has ended, so two jobs of a screen never share a model or a file.
Every callback runs on the UI thread (the host calls it there, so a lambda is fine);
``Cancelled`` goes to ``on_cancelled``, never to ``on_failed``.  Progress is throttled on the job's thread (workbench.jobs.throttle), so a
chatty job cannot flood the event loop.

Underneath, :class:`Worker` runs one call on a parentless QThread (:func:`start`), kept
alive until it ends (:func:`wait_all` waits for every one: at exit, in tests).  A worker
never touches a widget, and a job that needs the project opens its own ``Store`` (a SQLite
connection belongs to the thread that made it).  UI thread only, except where noted.
"""
from __future__ import annotations

import sys
import threading
import traceback
from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from workbench.jobs import Cancelled, Progress, throttle

Callback = Optional[Callable[[Any], None]]


class Worker(QObject):
    """One call of a job, run by :func:`start` on its own thread."""

    progress = Signal(object)   # a workbench.jobs.Progress
    done = Signal(object)       # the job's return value
    failed = Signal(object)     # the exception it raised (Cancelled included)
    finished = Signal()         # always last, after done or failed

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop; it notices at its next ``cancelled()`` check.  Any thread."""
        self.cancel_event.set()

    def is_cancelled(self) -> bool:
        return self.cancel_event.is_set()

    @Slot()
    def run(self) -> None:
        """The worker's thread."""
        report = throttle(self.progress.emit)
        try:
            result = self._fn(*self._args, progress=report, cancelled=self.cancel_event.is_set, **self._kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread, which decides what to show
            self.failed.emit(exc)
        else:
            self.done.emit(result)
        finally:
            # Home to the UI thread before the end, so that the deleteLater below destroys the worker
            # there: destroyed on its own thread, ~QObject held Qt's connection lock while waiting
            # for the GIL, which the UI thread held while waiting for that lock (a hang, seen once
            # in the Review screen's test).
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            self.finished.emit()


# Threads still running, so Python never collects one (and Qt never destroys it) mid-run.
_RUNNING: set[QThread] = set()


def start(worker: Worker) -> QThread:
    """Run ``worker`` on a new QThread that cleans itself (and the worker) up when done.

    The thread has no parent: a parent widget that is deleted while the thread still runs
    (a dialog closed mid-import) would destroy a running QThread, which aborts the process.
    Parentless threads are kept here until they end.
    """
    # Forget threads that have ended: wait(0), not isFinished(), which is already true while
    # the thread still emits its finished signal and deletes its worker; dropping the last
    # reference then destroys a QThread that is still running (a crash).  Not from that
    # finished signal either: it is emitted on the ending thread.
    _RUNNING.difference_update({t for t in _RUNNING if t.wait(0)})
    thread = QThread()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: QThread.quit is thread-safe, and a queued call would need the UI's event
    # loop, so a thread waited on from the UI thread (wait_all at exit) would never end.
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.finished.connect(worker.deleteLater)
    thread._worker = worker  # type: ignore[attr-defined]  # the worker lives as long as its thread
    thread._cancel = worker.cancel_event  # type: ignore[attr-defined]  # for cancel_all, after Qt deleted the worker
    _RUNNING.add(thread)
    thread.start()
    return thread


def stopped_text(stop: Cancelled) -> str:
    """A cancel's message as a sentence for a status line ("Import cancelled; nothing was written.")."""
    text = str(stop) or "cancelled"
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def wait_all(timeout_ms: int = 5000) -> bool:
    """Wait for every running worker thread (at exit, and in tests)."""
    return all(t.wait(timeout_ms) for t in list(_RUNNING))


def cancel_all() -> None:
    """Ask every running job to stop (the app is quitting: a run is recorded as cancelled, an
    import or a backup keeps nothing, instead of being cut off when the process ends)."""
    for thread in list(_RUNNING):
        thread._cancel.set()  # type: ignore[attr-defined]


class _Run(QObject):
    """One job started by a host: its callbacks, and the relay of its worker's signals to the
    UI thread (bound slots of an object living there, so Qt queues them)."""

    def __init__(self, host: "JobHost", fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any],
                 callbacks: dict[str, Callback]) -> None:
        super().__init__(host)
        self.host, self.callbacks = host, callbacks
        self.worker = Worker(fn, *args, **kwargs)
        # kept here: Qt deletes the worker when its thread ends, and a late cancel must still work
        self.cancel = self.worker.cancel_event
        self.thread: QThread | None = None
        self.worker.progress.connect(self._progress)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._finished)

    @Slot(object)
    def _progress(self, p: Progress) -> None:
        callback = self.callbacks["on_progress"]
        if self.host._current is self and callback is not None:   # a replaced job's late reports are dropped
            callback(p)

    @Slot(object)
    def _done(self, result: Any) -> None:
        self.host._outcome(self, "on_done", result)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.host._outcome(self, "on_cancelled", exc)
            return
        if self.host._current is self and self.callbacks["on_failed"] is None:
            # nobody would see it: at least the log does
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        self.host._outcome(self, "on_failed", exc)

    @Slot()
    def _finished(self) -> None:
        self.host._ended(self)


class JobHost(QObject):
    """Runs one screen's jobs, one at a time (see the module's docstring).  UI thread only."""

    ended = Signal()     # the wanted job's outcome was handled and no other job is wanted: the screen is idle

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: _Run | None = None    # the job whose outcome is wanted (running or waiting)
        self._running: _Run | None = None    # the job whose thread runs (the current one, or one replaced)
        self._runs: set[_Run] = set()         # every job not yet ended, so Python keeps their relays

    @property
    def busy(self) -> bool:
        """A job is running or waiting whose outcome the screen has not heard yet (inside its
        ``on_done`` / ``on_failed`` / ``on_cancelled`` the host is no longer busy)."""
        return self._current is not None

    def start(self, fn: Callable[..., Any], *args: Any, on_done: Callback = None, on_failed: Callback = None,
              on_progress: Callback = None, on_cancelled: Callback = None, **kwargs: Any) -> None:
        """Run ``fn(*args, progress=..., cancelled=..., **kwargs)``; a job already running is
        cancelled and forgotten, and this one runs as soon as it has ended."""
        self.drop()
        callbacks = {"on_done": on_done, "on_failed": on_failed, "on_progress": on_progress,
                     "on_cancelled": on_cancelled}
        self._current = _Run(self, fn, args, kwargs, callbacks)
        self._runs.add(self._current)
        if self._running is None:
            self._launch(self._current)

    def cancel(self) -> None:
        """Ask the wanted job to stop; its ``on_cancelled`` (or ``on_done``, had it finished) follows."""
        if self._current is not None:
            self._current.cancel.set()

    def wait(self, timeout_ms: int = 60000) -> bool:
        """Block until the running thread ends (tests; closing).  Signals still queued are
        delivered later by the event loop."""
        run = self._running
        if run is None or run.thread is None:
            return True
        try:
            return run.thread.wait(timeout_ms)
        except RuntimeError:   # deleted: it had finished
            return True

    def shutdown(self, timeout_ms: int = 60000) -> bool:
        """Cancel, forget and wait: nothing this host started calls back afterwards.  True when
        no thread of it still runs."""
        self.drop()
        return self.wait(timeout_ms)

    def drop(self) -> None:
        """Cancel the wanted job and never hear from it again (its thread ends on its own;
        a job started later still waits for it)."""
        run, self._current = self._current, None
        if run is None:
            return
        run.cancel.set()
        if run is not self._running:    # it never started: it never will
            self._runs.discard(run)
            run.worker.deleteLater()
            run.deleteLater()

    # ---- internals ---------------------------------------------------------------------
    def _launch(self, run: _Run) -> None:
        self._running = run
        run.thread = start(run.worker)

    def _outcome(self, run: _Run, name: str, value: Any) -> None:
        """The job's result or exception: handed to the screen when it still wants it."""
        if run is not self._current:
            return
        self._current = None
        callback = run.callbacks[name]
        if callback is not None:
            callback(value)
        if self._current is None:    # the callback may have started another job
            self.ended.emit()

    def _ended(self, run: _Run) -> None:
        """A job's thread has finished its work (its outcome came before this)."""
        if run is self._running:
            self._running = None
        self._runs.discard(run)
        run.deleteLater()
        if self._current is not None and self._running is None:
            self._launch(self._current)    # the job that replaced it
