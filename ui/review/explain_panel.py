"""The "why" controls of the Review screen: attention (layer, head), rollout, attribution.

Loading the run's model and every explanation are jobs (workbench/jobs.py) run by one
``ui.workers.JobHost``, one at a time (a predictor serves one thread at a time): a
request that comes while one runs replaces any request already waiting, so clicking
through words never queues up work.
The result is handed to the text view as a heat overlay, with a plain line for the legend
(:func:`legend_text`; the technical account is its tooltip).  Attribution may double its steps
until the words' scores add up: the steps box then shows the steps used, the same number the
legend names (one source: ``Explanation.steps``).  UI thread only.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from ui.review.styles import plain_tag
from ui.workers import JobHost
from workbench.inference.explain import ATTENTION, ATTRIBUTION, ROLLOUT, Explanation, Request, explain_job, load_predictor
from workbench.store import Document

MODES = [("errors", "Mistakes (your labels vs the model)"), (ATTENTION, "Where the model looked"),
         (ROLLOUT, "Where it looked, all layers"), (ATTRIBUTION, "Which words decided")]
MODE_TIPS = ("Errors: gold spans against predicted spans\n"
             "Where the model looked: attention weights of one layer and head, or their average\n"
             "Where it looked, all layers: attention rollout across the layers\n"
             "Which words decided: attribution by integrated gradients (how much each word moved the prediction)")


def legend_text(exp: Explanation) -> tuple[str, str]:
    """The legend's line in plain words, and the technical account for its tooltip."""
    if exp.kind == ATTRIBUTION:
        text = (f"How much each word pushed the model towards \u201c{plain_tag(exp.label)}\u201d "
                f"({exp.probability:.0%} sure): red towards it, blue away from it · {exp.steps} steps")
        if exp.approximate:
            text += " (approximate: try more steps)"
        return text, exp.note
    plain = exp.note.replace("[CLS]/[SEP]", "the text's start and end markers").replace("[CLS]", "the whole text")
    return plain, exp.note


class ExplainPanel(QWidget):
    explained = Signal(object)      # Explanation
    cleared = Signal()              # back to the error view
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_box = QComboBox()
        for key, text in MODES:
            self.mode_box.addItem(text, key)
        self.mode_box.setToolTip("Where the model looked is not what mattered; which words decided is.\n\n" + MODE_TIPS)
        self.layer_box = QComboBox()
        self.head_box = QComboBox()
        self.steps_box = QSpinBox()
        self.steps_box.setRange(8, 1024)
        self.steps_box.setValue(24)
        self.steps_box.setSingleStep(8)
        self.steps_box.setToolTip("Integrated-gradients steps: more is slower and more exact.  When the words' scores "
                                  "do not add up (a large completeness gap) the steps double, up to 384, and this "
                                  "box shows the steps used.")
        self.status = QLabel("")
        self.status.setObjectName("muted")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Show"))
        row.addWidget(self.mode_box, 2)
        self.layer_label, self.head_label, self.steps_label = QLabel("layer"), QLabel("head"), QLabel("steps")
        for w in (self.layer_label, self.layer_box, self.head_label, self.head_box, self.steps_label, self.steps_box):
            row.addWidget(w)
        row.addWidget(self.status, 1)
        self._set_shape(0, 0)
        self.model_dir: str | None = None
        self.max_length = 512
        self.predictor: Any = None
        self.jobs = JobHost(self)
        self._pending: Request | None = None
        self.doc: Document | None = None
        self.word: int | None = None
        for box in (self.mode_box, self.layer_box, self.head_box):
            box.currentIndexChanged.connect(self.refresh)
        self.steps_box.editingFinished.connect(self.refresh)
        self._sync_controls()

    @property
    def mode(self) -> str:
        return self.mode_box.currentData()

    def _set_shape(self, layers: int, heads: int) -> None:
        for box, n, every in ((self.layer_box, layers, "all (average)"), (self.head_box, heads, "average")):
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(every, None)
            for i in range(n):
                box.addItem(str(i + 1), i)
            i = box.findData(keep)
            box.setCurrentIndex(max(0, i))
            box.blockSignals(False)

    def _sync_controls(self) -> None:
        att = self.mode == ATTENTION
        for w in (self.layer_label, self.layer_box, self.head_label, self.head_box):
            w.setVisible(att)
        self.steps_label.setVisible(self.mode == ATTRIBUTION)
        self.steps_box.setVisible(self.mode == ATTRIBUTION)

    # ---- inputs ------------------------------------------------------------------------------
    def set_run(self, model_dir: str | None, max_length: int = 512) -> None:
        if model_dir != self.model_dir:
            self.jobs.drop()    # the other model's explanation, or its loading, is of no use now
            self.model_dir, self.max_length, self.predictor = model_dir, max_length, None
            self._set_shape(0, 0)

    def set_document(self, doc: Document | None, word: int | None = None) -> None:
        self.doc, self.word = doc, word
        self.refresh()

    def set_word(self, word: int | None) -> None:
        self.word = word
        self.refresh()

    # ---- running -----------------------------------------------------------------------------
    def refresh(self) -> None:
        self._sync_controls()
        if self.mode == "errors" or self.doc is None or self.model_dir is None:
            self.status.setText("")
            self.cleared.emit()
            return
        request = Request(self.mode, self.doc, self.word, self.layer_box.currentData(), self.head_box.currentData(),
                          self.steps_box.value())
        self._pending = request
        self._pump()

    def _pump(self) -> None:
        if self.jobs.busy or self._pending is None:
            return
        if self.predictor is None:
            self.status.setText("Loading the model…")
            self.jobs.start(load_predictor, str(self.model_dir), self.max_length, on_done=self._loaded,
                            on_failed=self._failed)
            return
        request, self._pending = self._pending, None
        self.status.setText("Computing attributions…" if request.kind == ATTRIBUTION else "")
        self.jobs.start(explain_job, self.predictor, request, on_done=self._done, on_failed=self._failed)

    def _loaded(self, predictor: Any) -> None:
        self.predictor = predictor
        cfg = predictor.model.config
        self._set_shape(int(cfg.num_hidden_layers), int(cfg.num_attention_heads))
        self.status.setText("")
        self._pump()

    def _done(self, exp: Explanation) -> None:
        self.status.setText("")
        if exp.kind == ATTRIBUTION and exp.steps and exp.steps != self.steps_box.value():
            # the steps were raised to make the scores add up: the box shows what was used
            self.steps_box.blockSignals(True)
            self.steps_box.setValue(exp.steps)
            self.steps_box.blockSignals(False)
            self.status.setText(f"raised to {exp.steps} steps so the words' scores add up")
        if self._pending is None and self.mode != "errors":
            self.explained.emit(exp)
        self._pump()

    def _failed(self, exc: BaseException) -> None:
        self._pending = None
        self.status.setText(f"could not explain: {exc}")
        self.failed.emit(str(exc))

    def wait(self, ms: int = 20000) -> None:
        """Block until the running job ends (tests, closing)."""
        self.jobs.wait(ms)

    def shutdown(self, ms: int = 20000) -> None:
        """Forget what runs or waits and wait for it to end (another project, closing)."""
        self._pending = None
        self.jobs.shutdown(ms)
