"""The Train screen's base-model chooser: the bundled model, "Continue from run #N" (an earlier
run's weights: workbench/training/continuation.py), a model folder picked with "…", or a hub id
typed in; under it, a warning when the chosen model does not know the project's text
(workbench/training/vocab_check.py, on a worker thread).  UI thread only."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ui.workers import JobHost

from workbench.errors import UserError
from workbench.modeling.model_folder import check_model_folder
from workbench.training.vocab_check import vocab_fit_job
from workbench.store import Store
from workbench.training import runs as run_store

TIP = "The bundled model, an earlier run to continue, a model folder, or a hub id (online)"
RUN_ROLE = Qt.ItemDataRole.UserRole + 1      # the run id of a "Continue from run #N" item
CONTINUE_TIP = ("Start from run #{id}'s model instead of the base model: what it learned stays, labels added "
                "since get new outputs, and training takes half the epochs by default.  A label it knew "
                "that the project no longer has stops the run with a message.")


def _loadable(model_dir: str) -> bool:
    """A run's saved model can start a new run (a broken one is not offered; the history says why)."""
    try:
        check_model_folder(model_dir)
    except (UserError, OSError):
        return False
    return True


class BaseModelBox(QWidget):
    """An editable list of base models with a folder picker; :meth:`base_model` is the choice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fit_jobs = JobHost(self)
        self._checked: tuple | None = None    # (project, task, documents, model) the warning is for
        self._project: tuple = (None, None, 0)
        self.box = QComboBox()
        self.box.setEditable(True)
        self.box.currentIndexChanged.connect(lambda _i: self._show_start())
        self.box.lineEdit().editingFinished.connect(self.check_vocabulary)
        self.box.setToolTip(TIP)
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Pick a model folder")
        browse.clicked.connect(self._browse)
        self.warning = QLabel()
        self.warning.setObjectName("vocabWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #8a4b00;")
        self.warning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box, 1)
        row.addWidget(browse)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.warning)

    def fill(self, store: Store | None, task: str | None) -> None:
        """The bundled model and the loadable models of ``task``'s finished runs; keeps the choice."""
        text = self.box.currentText()
        # folders picked with "…" stay offered (the runs are listed afresh below)
        picked = [(self.box.itemText(i), self.box.itemData(i)) for i in range(self.box.count())
                  if self.box.itemData(i) != "default" and self.box.itemData(i, RUN_ROLE) is None]
        self.box.blockSignals(True)
        self.box.clear()
        self.box.addItem("Default: MiniLM-L6 (bundled)", "default")
        for run in run_store.list_runs(store, task) if store is not None else []:
            if run.status == "done" and run.model_dir and _loadable(run.model_dir):
                score = f" (dev {run.dev_score:.3f})" if run.dev_score is not None else ""
                self.box.addItem(f"Continue from run #{run.id}{score}", run.model_dir)
                self.box.setItemData(self.box.count() - 1, run.id, RUN_ROLE)
                self.box.setItemData(self.box.count() - 1, CONTINUE_TIP.format(id=run.id), Qt.ItemDataRole.ToolTipRole)
        for label, folder in picked:
            self.box.addItem(label, folder)
        idx = self.box.findText(text)
        if idx >= 0:
            self.box.setCurrentIndex(idx)
        elif text.strip() and not text.startswith("Continue from run #"):   # (a run deleted since: the default)
            # a typed folder or hub id is kept: refilling after a run must not switch the model back
            self.box.setEditText(text)
        self.box.blockSignals(False)
        self._project = (str(store.path), task, store.document_count()) if store is not None else (None, None, 0)
        self._show_start()

    def check_vocabulary(self) -> None:
        """Measure, on a worker, how much of the project's text the chosen model does not know;
        only when the project, the task, its documents or the model changed."""
        key = (*self._project, self.model_source())
        if key[0] is None or key == self._checked:
            return
        self._checked = key
        self.fit_jobs.start(vocab_fit_job, key[0], key[1], key[3], on_done=self._show_fit,
                            on_failed=lambda _exc: self.warning.hide())   # a model that cannot load: Start says why

    def _show_fit(self, fit) -> None:  # noqa: ANN001 - a VocabFit or None (a hub id, not checked)
        text = fit.warning() if fit is not None else ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    def _show_start(self) -> None:
        """A narrow box shows the start of the model's name (not "efault: MiniLM"); all of it in the tooltip."""
        self.box.lineEdit().setCursorPosition(0)
        self.box.setToolTip(f"{self.box.currentText()}\n\n{TIP}")
        self.check_vocabulary()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Base model folder (with config.json)")
        if folder:
            self.box.addItem(folder, folder)
            self.box.setCurrentIndex(self.box.count() - 1)

    def _chosen(self) -> int:
        """The index of the list item shown, or -1 when the user typed something else."""
        idx = self.box.currentIndex()
        return idx if idx >= 0 and self.box.itemText(idx) == self.box.currentText().strip() else -1

    def from_run(self) -> int | None:
        """The run to continue ("Continue from run #N"), or None to start from a base model."""
        idx = self._chosen()
        run_id = self.box.itemData(idx, RUN_ROLE) if idx >= 0 else None
        return int(run_id) if run_id is not None else None

    def model_source(self) -> str:
        """Where the starting weights come from: "default", a folder (a run's too), or a hub id."""
        idx = self._chosen()
        return str(self.box.itemData(idx)) if idx >= 0 else (self.box.currentText().strip() or "default")

    def base_model(self) -> str:
        """The base model setting: "default" when continuing a run (the run names its own)."""
        return "default" if self.from_run() is not None else self.model_source()
