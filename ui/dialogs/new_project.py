"""File → New project: name, where, which tasks (one row per registered task), and each one's labels."""
from __future__ import annotations

import pathlib
import re

from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.learning import mark_new_project
from workbench.paths import projects_dir
from workbench.store import Store, StoreError


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
        # one check box and one label list per registered task, checked when it is a starter task
        self.task_boxes: dict[str, QCheckBox] = {}
        self.label_edits: dict[str, QLineEdit] = {}
        for spec in task_registry.specs():
            box = QCheckBox(f"{spec.title} ({spec.description})" if spec.description else spec.title)
            box.setChecked(spec.starter)
            edit = QLineEdit(", ".join(spec.example_labels))
            edit.setEnabled(spec.starter)
            box.toggled.connect(edit.setEnabled)
            self.task_boxes[spec.name], self.label_edits[spec.name] = box, edit
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("File", where)
        for i, box in enumerate(self.task_boxes.values()):
            form.addRow("Tasks" if i == 0 else "", box)
        for task, edit in self.label_edits.items():
            form.addRow(task_registry.get(task).nouns.capitalize(), edit)
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
        tasks = [t for t, box in self.task_boxes.items() if box.isChecked()]
        if not tasks:
            return self.error.setText("Choose at least one task.")
        labels = {t: split_names(self.label_edits[t].text()) for t in tasks}
        for spec in task_registry.specs(tasks):
            try:
                spec.check_label_set(labels[spec.name])
            except UserError:
                need = "at least two" if spec.min_labels > 1 else "at least one"
                return self.error.setText(f"{spec.title} needs {need} {spec.nouns if spec.min_labels > 1 else spec.noun}.")
        path = pathlib.Path(self.location.text().strip()).expanduser()
        try:
            store = Store.create(path, tasks, labels=labels, name=self.name.text().strip() or path.stem)
        except (StoreError, UserError, OSError) as exc:
            return self.error.setText(str(exc))
        try:
            mark_new_project(store)   # "Learn as I label" turns on by itself at 20 accepted documents
        except StoreError:
            pass                      # the project is made; the learner then waits to be switched on
        finally:
            store.close()
        self.created = path
        self.accept()


def new_project(parent: QWidget | None = None) -> pathlib.Path | None:
    """Ask for a new project and create it; its path, or None if cancelled."""
    dialog = NewProjectDialog(parent)
    dialog.exec()
    return dialog.created
