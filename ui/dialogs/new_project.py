"""File → New project: name, where, which tasks, the label set and the classes."""
from __future__ import annotations

import pathlib
import re

from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from workbench.paths import projects_dir
from workbench.store import Store, StoreError

DEFAULT_LABELS = "PER, ORG, LOC, MISC"
DEFAULT_CLASSES = "negative, neutral, positive"


def split_names(text: str) -> list[str]:
    """'PER, ORG  LOC' -> ['PER', 'ORG', 'LOC'] (commas or spaces; duplicates dropped)."""
    out: list[str] = []
    for name in re.split(r"[,\s]+", text):
        if name and name not in out:
            out.append(name)
    return out


class NewProjectDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.resize(520, 0)
        self.created: pathlib.Path | None = None
        self.name = QLineEdit("My project")
        self.location = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(browse)
        self.ner = QCheckBox("Named entities (spans)")
        self.ner.setChecked(True)
        self.sentiment = QCheckBox("Sentiment (one class per document)")
        self.sentiment.setChecked(True)
        self.labels = QLineEdit(DEFAULT_LABELS)
        self.classes = QLineEdit(DEFAULT_CLASSES)
        self.ner.toggled.connect(self.labels.setEnabled)
        self.sentiment.toggled.connect(self.classes.setEnabled)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("File", where)
        form.addRow("Tasks", self.ner)
        form.addRow("", self.sentiment)
        form.addRow("Entity labels", self.labels)
        form.addRow("Sentiment classes", self.classes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name.textChanged.connect(self._suggest_path)
        self._suggest_path(self.name.text())
        self._path_edited = False
        self.location.textEdited.connect(lambda _t: setattr(self, "_path_edited", True))

    def _suggest_path(self, name: str) -> None:
        if getattr(self, "_path_edited", False):
            return
        stem = re.sub(r"[^\w\-]+", "_", name.strip()).strip("_") or "project"
        path = projects_dir() / f"{stem}.db"
        n = 2
        while path.exists():
            path = projects_dir() / f"{stem}_{n}.db"
            n += 1
        self.location.setText(str(path))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Project file", self.location.text(), "Projects (*.db)")
        if path:
            self.location.setText(path if path.endswith(".db") else path + ".db")
            self._path_edited = True

    def create(self) -> None:
        tasks = [t for t, box in (("ner", self.ner), ("sentiment", self.sentiment)) if box.isChecked()]
        labels = split_names(self.labels.text()) if "ner" in tasks else []
        classes = split_names(self.classes.text()) if "sentiment" in tasks else []
        if not tasks:
            return self.error.setText("Choose at least one task.")
        if "sentiment" in tasks and len(classes) < 2:
            return self.error.setText("Sentiment needs at least two classes.")
        if "ner" in tasks and not labels:
            return self.error.setText("Give at least one entity label.")
        path = pathlib.Path(self.location.text().strip()).expanduser()
        try:
            store = Store.create(path, tasks, labels, classes, name=self.name.text().strip() or path.stem)
        except (StoreError, OSError) as exc:
            return self.error.setText(str(exc))
        store.close()
        self.created = path
        self.accept()


def new_project(parent: QWidget | None = None) -> pathlib.Path | None:
    """Ask for a new project and create it; its path, or None if cancelled."""
    dialog = NewProjectDialog(parent)
    dialog.exec()
    return dialog.created
