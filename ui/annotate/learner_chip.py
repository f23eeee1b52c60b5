"""The "Learn as I label" switch and its status chip on the Annotate screen.

The switch turns the background learner (workbench/learning/) on or off for the project's
tasks; the chip says what suggests now ("model from 5 min ago, 120 labels, dev F1 0.78; next
update after 12 more") and has Pause / Resume.  After the user's writes settle (a short timer
after each change, never inside the key's handler) the chip asks the policy whether a round is
due and starts it through a JobHost: the round trains on a worker thread at a lower priority,
so typing never waits for it.  When a round makes a new model the suggester,
:attr:`LearnerChip.suggesterChanged` lets the screen show the new suggestions on the open
document; the uncertain-first order reads the new run by itself.  UI thread only.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from ui.annotate.session import AnnotationSession
from ui.workers import JobHost, stopped_text
from workbench import tasks as task_registry
from workbench.jobs import Progress
from workbench.learning import LearnerPolicy, round_job, set_enabled, set_paused, status
from workbench.training.jobs import device_job
from workbench.store import Store

CHECK_AFTER_MS = 400        # after a write: the accept has been saved and the next document shown
WARM_AFTER_IDLE_MS = 2000   # no write for this long: the user reads, the training code may load
TICK_MS = 30_000            # "5 min ago" moves on by itself
STYLE = """
QFrame#learnerChip { background: #eef3fc; border: 1px solid #d3def5; border-radius: 13px; }
QFrame#learnerChip QLabel { color: #34405a; }
QFrame#learnerChip QPushButton { padding: 2px 10px; border-radius: 10px; }
"""


def activity_words(p: Progress) -> str:
    """A round's report, short: "updating: training 40%", "updating: pre-annotating 30%"."""
    message = p.message or ""
    if message.startswith("Training"):
        phase = "training"
    elif message.startswith("Comparing"):
        phase = "comparing with the current model"
    elif p.known:
        phase = "pre-annotating"
    else:
        phase = message[:1].lower() + message[1:40] if message else ""
    percent = f" {round(p.fraction * 100)}%" if p.known else ""
    return f"updating: {phase}{percent}" if phase else "updating the model…"


class OneLine(QLabel):
    """A label that keeps to one line: a long text ends in "…" and shows whole in its tooltip."""

    def __init__(self) -> None:
        super().__init__("")
        self.full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full = text
        self.setToolTip(text)
        self._fit()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, max(40, self.width())))


class LearnerChip(QFrame):
    """The switch, the status line and Pause / Resume, for every task of the open project."""

    suggesterChanged = Signal()     # a round made a new model the suggester: reload the suggestions
    roundFinished = Signal(object)  # a round's RoundResult (done, failed or not better)
    message = Signal(str)           # for the status bar

    def __init__(self, session: AnnotationSession, parent: QWidget | None = None,
                 policy: LearnerPolicy | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learnerChip")
        self.setStyleSheet(STYLE)
        self.session = session
        self.policy = policy or LearnerPolicy()
        self.store: Store | None = None
        self.jobs = JobHost(self)
        self.training_task: str | None = None   # the task a round is updating, or None
        self.activity = ""                     # what the running round is doing, in words
        self.last_result: Any = None
        self.warm = False                      # the training code was loaded ahead (once per app)
        self.switch = QCheckBox("Learn as I label")
        self.switch.setToolTip("Train a model in the background while you label, and let it suggest when it "
                               "does better on dev than the current one")
        self.text = OneLine()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Stop updating the model for now (a running update stops; labels are kept)")
        for control in (self.switch, self.pause_button):
            control.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # a click leaves the keys with the text
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 3, 4, 3)
        row.setSpacing(10)
        row.addWidget(self.switch)
        row.addWidget(self.text, 1)
        row.addWidget(self.pause_button)
        self.switch.toggled.connect(self._switched)
        self.pause_button.clicked.connect(self._pause_clicked)
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_AFTER_MS)
        self._check_timer.timeout.connect(self.check)
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self.refresh)
        self._warm_timer = QTimer(self, singleShot=True, interval=WARM_AFTER_IDLE_MS)
        self._warm_timer.timeout.connect(self._warm_up)
        session.statusChanged.connect(lambda _doc: self._check_soon())
        self.setVisible(False)

    # ---- project ---------------------------------------------------------------------
    @property
    def tasks(self) -> list[str]:
        return list(self.store.tasks) if self.store is not None else []

    def set_store(self, store: Store | None) -> None:
        """Another project (or none): a round of the old one stops, the chip shows the new one."""
        self.jobs.drop()
        self.training_task, self.activity = None, ""
        self.store = store
        self.setVisible(store is not None and bool(self.tasks))
        if store is None:
            self._tick.stop()
            return
        self._tick.start()
        self.refresh()
        self._check_timer.start()

    def shutdown(self) -> None:
        self.jobs.shutdown()

    # ---- what is shown ---------------------------------------------------------------
    def refresh(self) -> None:
        store = self.store
        if store is None:
            return
        states = [(task, status(store, task, policy=self.policy)) for task in self.tasks]
        on = any(s.enabled for _, s in states)
        paused = on and all(s.paused for _, s in states if s.enabled)
        self.switch.blockSignals(True)
        self.switch.setChecked(on)
        self.switch.blockSignals(False)
        self.switch.setEnabled(not store.read_only)
        self.pause_button.setVisible(on)
        self.pause_button.setText("Resume" if paused else "Pause")
        said = {}
        for task, s in states:
            # while a round updates this task, what it does takes the place of "next update after N"
            said[task] = f"{s.model_text}; {self.activity}" if task == self.training_task and self.activity else s.text
        if len(set(said.values())) == 1:      # one task, or every task in the same state: said once
            self.text.set_full_text(next(iter(said.values())))
        else:
            self.text.set_full_text(" · ".join(f"{task_registry.get(t).title}: {v}" for t, v in said.items()))

    # ---- rounds ----------------------------------------------------------------------
    def _check_soon(self) -> None:
        """Check shortly after this write (not restarted by the next one: a steady typist gets
        rounds too)."""
        if not self._check_timer.isActive():
            self._check_timer.start()
        if self._warm_timer.isActive():
            self._warm_timer.start()     # the user is still at work: load the training code later

    def check(self) -> None:
        """Start a round for the first task that is due (nothing when one runs); with the learner
        on and nothing due, load the training code ahead, once, off the UI thread."""
        if self.store is None:
            return
        if self.jobs.busy or self.store.read_only:
            self.refresh()
            return
        for task in self.tasks:
            if self.policy.due(self.store, task):
                self._start(task)
                return
        if not self.warm and not self._warm_timer.isActive():
            self._warm_timer.start()
        self.refresh()

    def _warm_up(self) -> None:
        """Load the training code ahead, on a worker, once the user has paused for a moment.

        Importing torch's training stack holds the interpreter in C for a while (up to 0.3 s
        at a time in a fresh app): done while the user reads rather than labels, it is not
        felt in the middle of their typing, nor when the first round starts."""
        if self.warm or self.store is None or self.jobs.busy:
            return
        if not any(self.policy.enabled(self.store, t) for t in self.tasks):
            return
        self.warm = True
        self.jobs.start(device_job, "auto", on_done=lambda _device: self._check_timer.start(),
                        on_failed=lambda _exc: None)   # a round that fails to load says why itself

    def _start(self, task: str) -> None:
        self.training_task = task
        self.jobs.start(round_job, str(self.store.path), task, policy=self.policy,
                        on_done=self._done, on_failed=self._failed, on_cancelled=self._cancelled,
                        on_progress=self._progress)
        self.activity = "updating the model…"
        self.refresh()

    def _progress(self, p: Progress) -> None:
        self.activity = activity_words(p)
        self.refresh()

    def _ended(self) -> None:
        self.training_task, self.activity = None, ""

    def _done(self, result: Any) -> None:
        self._ended()
        self.last_result = result
        if result.error:
            self.message.emit(f"The model was not updated: {result.error}")
        elif result.replaced:
            self.message.emit(f"New suggestions: {result.message}.")
            self.suggesterChanged.emit()
        self.refresh()
        self.roundFinished.emit(result)
        self._check_timer.start()     # accepts made meanwhile may have made the next round due

    def _failed(self, exc: BaseException) -> None:
        # run_round reports its failures in its result; this is a bug in the chip's own path
        self._ended()
        self.message.emit(f"The background learner stopped: {type(exc).__name__}: {exc}")
        self.refresh()

    def _cancelled(self, stop: Any) -> None:
        self._ended()
        self.message.emit(stopped_text(stop))
        self.refresh()

    # ---- the user's choices ----------------------------------------------------------
    def _switched(self, on: bool) -> None:
        if self.store is None:
            return
        for task in self.tasks:
            set_enabled(self.store, task, on)
        if not on:
            self.jobs.cancel()
        self.refresh()
        self._check_timer.start()

    def _pause_clicked(self) -> None:
        if self.store is None:
            return
        pause = self.pause_button.text() == "Pause"
        for task in self.tasks:
            set_paused(self.store, task, pause)
        if pause:
            self.jobs.cancel()
        self.refresh()
        self._check_timer.start()
