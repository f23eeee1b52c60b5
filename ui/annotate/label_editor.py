"""Label set editor: add, rename, recolor, reorder, re-key and delete labels.

Every change is written to the store the moment it is made (no OK button to
forget), and a rename reaches every existing annotation at once because spans
point at the label's row, not at its name.  Problems (a name taken, a key in
use, a label still used) are shown inline rather than in a modal box, so the
user can fix them without losing their place.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QColorDialog, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
    QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from workbench import tasks as task_registry
from workbench.store import Store, StoreError



def swatch(color: str) -> QIcon:
    pm = QPixmap(36, 16)
    pm.fill(QColor(color))
    return QIcon(pm)


class LabelEditorDialog(QDialog):
    labelsChanged = Signal()

    def __init__(self, store: Store, task: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit labels")
        self.resize(460, 380)
        self.store = store
        self.tabs = QTabWidget()
        self.tables: dict[str, QTableWidget] = {}
        for t in store.tasks:
            self.tabs.addTab(self._make_tab(t), task_registry.get(t).nouns.capitalize())
        if task in store.tasks:
            self.tabs.setCurrentIndex(store.tasks.index(task))
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        help_text = QLabel("Double-click a name or key to change it; click a colour to pick another. "
                           "Changes are saved at once; renaming updates every existing annotation.")
        help_text.setWordWrap(True)
        help_text.setObjectName("muted")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(close)
        for t in self.tables:
            self._fill(t)

    # ---- building -------------------------------------------------------------------
    def _make_tab(self, task: str) -> QWidget:
        table = QTableWidget(0, 3)
        table.setHorizontalHeaderLabels(["Colour", "Name", "Key"])
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.setColumnWidth(0, 70)
        table.setIconSize(QSize(36, 16))
        table.setColumnWidth(2, 60)
        table.itemChanged.connect(lambda item, t=task: self._item_changed(t, item))
        table.cellClicked.connect(lambda row, col, t=task: self._pick_color(t, row) if col == 0 else None)
        self.tables[task] = table
        buttons = QHBoxLayout()
        for text, slot in (("Add…", lambda: self._ask_add(task)), ("Delete", lambda: self._delete_current(task)),
                           ("Move up", lambda: self._move_current(task, -1)),
                           ("Move down", lambda: self._move_current(task, 1))):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addWidget(table, 1)
        layout.addLayout(buttons)
        return box

    def _fill(self, task: str, select: str | None = None) -> None:
        table = self.tables[task]
        table.blockSignals(True)
        table.setRowCount(0)
        for row, lab in enumerate(self.store.labels(task)):
            table.insertRow(row)
            color = QTableWidgetItem(swatch(lab.color), "")
            color.setData(Qt.ItemDataRole.UserRole, lab.color)
            color.setToolTip(f"{lab.color}: click to change")
            color.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            name = QTableWidgetItem(lab.name)
            name.setData(Qt.ItemDataRole.UserRole, lab.name)
            key = QTableWidgetItem(lab.shortcut)
            table.setItem(row, 0, color)
            table.setItem(row, 1, name)
            table.setItem(row, 2, key)
            if lab.name == select:
                table.selectRow(row)
        table.blockSignals(False)

    def _name_at(self, task: str, row: int) -> str:
        return self.tables[task].item(row, 1).data(Qt.ItemDataRole.UserRole)

    def _done(self, task: str, select: str | None = None, error: str = "") -> bool:
        self.error.setText(error)
        # Refill once the current event is over: this often runs inside the table's own
        # commit of an edited cell, whose item must not vanish under it.
        QTimer.singleShot(0, self, lambda: self._fill(task, select))
        if not error:
            self.labelsChanged.emit()
        return not error

    # ---- the operations (each one store write; also what tests call) -------------------
    def add(self, task: str, name: str) -> bool:
        try:
            lab = self.store.add_label(task, name)
        except StoreError as exc:
            return self._done(task, error=str(exc))
        return self._done(task, lab.name)

    def rename(self, task: str, old: str, new: str) -> bool:
        new = new.strip()
        if new == old:
            return self._done(task, old)
        try:
            self.store.update_label(task, old, new_name=new)
        except StoreError as exc:
            return self._done(task, old, str(exc))
        return self._done(task, new)

    def set_key(self, task: str, name: str, key: str) -> bool:
        key = key.strip().lower()
        # Letters and digits only: the screen's own actions use Enter, Ctrl+K, PgUp, Delete.
        if len(key) > 1 or (key and not key.isalnum()):
            return self._done(task, name, f"a key must be one letter or digit, not {key!r}")
        for t in self.store.tasks:
            for lab in self.store.labels(t):
                if key and lab.shortcut == key and not (t == task and lab.name == name):
                    return self._done(task, name, f"key {key!r} is already used by {lab.name}")
        self.store.update_label(task, name, shortcut=key)
        return self._done(task, name)

    def set_color(self, task: str, name: str, color: str) -> bool:
        if not QColor(color).isValid():
            return self._done(task, name, f"{color!r} is not a colour")
        self.store.update_label(task, name, color=QColor(color).name())
        return self._done(task, name)

    def move(self, task: str, name: str, delta: int) -> bool:
        names = self.store.label_names(task)
        i = names.index(name)
        j = max(0, min(len(names) - 1, i + delta))
        if i == j:
            return self._done(task, name)
        names[i], names[j] = names[j], names[i]
        self.store.reorder_labels(task, names)
        return self._done(task, name)

    def delete(self, task: str, name: str) -> bool:
        try:
            self.store.delete_label(task, name)
        except StoreError as exc:
            return self._done(task, name, str(exc))
        return self._done(task)

    # ---- widget glue ------------------------------------------------------------------
    def _item_changed(self, task: str, item: QTableWidgetItem) -> None:
        name = self._name_at(task, item.row())
        if item.column() == 1:
            self.rename(task, name, item.text())
        elif item.column() == 2:
            self.set_key(task, name, item.text())

    def _pick_color(self, task: str, row: int) -> None:
        name = self._name_at(task, row)
        current = QColor(self.tables[task].item(row, 0).data(Qt.ItemDataRole.UserRole))
        color = QColorDialog.getColor(current, self, f"Colour of {name}")
        if color.isValid():
            self.set_color(task, name, color.name())

    def _current(self, task: str) -> str | None:
        row = self.tables[task].currentRow()
        return self._name_at(task, row) if row >= 0 else None

    def _ask_add(self, task: str) -> None:
        name, ok = QInputDialog.getText(self, "Add label", "Name (no spaces):")
        if ok and name.strip():
            self.add(task, name)

    def _delete_current(self, task: str) -> None:
        name = self._current(task)
        if name is not None:
            self.delete(task, name)

    def _move_current(self, task: str, delta: int) -> None:
        name = self._current(task)
        if name is not None:
            self.move(task, name, delta)
