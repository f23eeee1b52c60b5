"""The Train screen's base-model chooser: the bundled model, an earlier run's model, a model
folder picked with "…", or a hub id typed in.  UI thread only."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QToolButton, QWidget

from workbench.errors import UserError
from workbench.modeling.model_folder import check_model_folder
from workbench.store import Store
from workbench.training import runs as run_store

TIP = "The bundled model, a model folder, an earlier run's model, or a hub id (online)"


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
        self.box = QComboBox()
        self.box.setEditable(True)
        self.box.currentIndexChanged.connect(lambda _i: self._show_start())
        self.box.setToolTip(TIP)
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Pick a model folder")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box, 1)
        row.addWidget(browse)

    def fill(self, store: Store | None, task: str | None) -> None:
        """The bundled model and the loadable models of ``task``'s finished runs; keeps the choice."""
        text = self.box.currentText()
        self.box.blockSignals(True)
        self.box.clear()
        self.box.addItem("Default: MiniLM-L6 (bundled)", "default")
        for run in run_store.list_runs(store, task) if store is not None else []:
            if run.status == "done" and run.model_dir and _loadable(run.model_dir):
                score = f" (dev {run.dev_score:.3f})" if run.dev_score is not None else ""
                self.box.addItem(f"Run #{run.id} model{score}", run.model_dir)
        idx = self.box.findText(text)
        if idx >= 0:
            self.box.setCurrentIndex(idx)
        self.box.blockSignals(False)
        self._show_start()

    def _show_start(self) -> None:
        """A narrow box shows the start of the model's name (not "efault: MiniLM"); all of it in the tooltip."""
        self.box.lineEdit().setCursorPosition(0)
        self.box.setToolTip(f"{self.box.currentText()}\n\n{TIP}")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Base model folder (with config.json)")
        if folder:
            self.box.addItem(folder, folder)
            self.box.setCurrentIndex(self.box.count() - 1)

    def base_model(self) -> str:
        idx = self.box.currentIndex()
        text = self.box.currentText().strip()
        if idx >= 0 and self.box.itemText(idx) == text:
            return str(self.box.itemData(idx))
        return text or "default"
