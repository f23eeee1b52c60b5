"""The per-label metrics table and the run-history table of the Train screen.  UI thread only."""
from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QHeaderView, QMenu, QMessageBox, QTableWidget, QTableWidgetItem, QWidget,
)

from ui.task_views import views_for
from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.learning.policy import is_learner_run
from workbench.store import Store
from workbench.training import run_folders
from workbench.training import runs as run_store
from workbench.training.runs import RunRow


def _item(text: str, align_right: bool = False, bold: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        f = QFont()
        f.setBold(True)
        it.setFont(f)
    return it


class LabelTable(QTableWidget):
    """Precision, recall, F1 and support per label, then the averages (and accuracy)."""

    COLUMNS = ("label", "precision", "recall", "F1", "support")
    TIPS = ("", "Of what the model marked with this label, the share that was right",
            "Of your labels, the share the model found", "The balance of precision and recall (their harmonic mean)",
            "How many of these labels the scored documents have")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        for c, tip in enumerate(self.TIPS):
            self.horizontalHeaderItem(c).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        # a narrow pane scrolls rather than cutting "precision" to "recisior"
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance("precision") + 20)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.caption = ""

    def show_report(self, report: dict[str, Any] | None, caption: str = "") -> None:
        self.caption = caption
        self.setRowCount(0)
        if not report:
            return
        rows: list[tuple[str, dict[str, Any], bool]] = [(k, v, False) for k, v in report["per_label"].items()]
        if "micro" in report:     # an entity report (workbench/tasks/metrics.py)
            rows += [("micro avg", report["micro"], True), ("macro avg", report["macro"], True)]
        else:
            rows.append(("macro avg", report["macro"], True))
        self.setRowCount(len(rows) + 1)
        for r, (name, vals, bold) in enumerate(rows):
            self.setItem(r, 0, _item(name, bold=bold))
            for c, key in enumerate(("precision", "recall", "f1"), start=1):
                it = _item(f"{vals[key]:.3f}", True, bold)
                if not bold:
                    it.setBackground(_heat(vals[key]))
                self.setItem(r, c, it)
            self.setItem(r, 4, _item(str(vals["support"]), True, bold))
        last = len(rows)
        acc = _item("accuracy", bold=True)
        if task_registry.is_task(report.get("task")):
            acc.setToolTip(views_for(report["task"]).accuracy_tip)
        self.setItem(last, 0, acc)
        self.setItem(last, 3, _item(f"{report['accuracy']:.3f}", True, True))

    def cell_text(self, row: int, col: int) -> str:
        it = self.item(row, col)
        return it.text() if it else ""


def _heat(value: float) -> QColor:
    """Red (0) to green (1), pale so the numbers stay readable."""
    v = max(0.0, min(1.0, value))
    return QColor.fromHsvF(0.33 * v, 0.28, 1.0)


class HistoryTable(QTableWidget):
    """Every past run of the project, newest first.  Select one to see it, two to compare.

    A run whose model can no longer be loaded shows "broken" and why; one whose process was
    killed, "interrupted".  Delete (the key, or the context menu) removes the selected runs
    after a confirmation: their rows, curves and cached predictions, and their folders when
    the app wrote them inside its runs folder (``workbench.training.runs.remove_run``).
    """

    COLUMNS = ("run", "task", "status", "dev score", "epochs", "time", "base model", "started")
    MODEL_COLUMN = 6
    selectionChangedRuns = Signal(list)     # the selected RunRows (at most two)
    runsDeleted = Signal(list)              # ids of runs just deleted

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.runs: list[RunRow] = []
        self.problems: dict[int, str] = {}      # run id -> why its model cannot be loaded
        self.full_problems: dict[int, str] = {}
        self.store: Store | None = None
        self.last_deleted: list[str] = []       # what the last deletion did, in words
        self.itemSelectionChanged.connect(self._on_selection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)

    def show_project(self, store: Store | None) -> None:
        """List ``store``'s runs (marking killed ones interrupted first) with broken ones flagged."""
        self.store = store
        if store is None:
            self.set_runs([])
            return
        from workbench.inference.run_model import run_choices

        rows = run_store.list_runs(store)
        broken = [c for c in run_choices(store) if c.model is None]
        self.set_runs(rows, {c.row.id: c.short_problem for c in broken}, {c.row.id: c.problem for c in broken})

    def set_runs(self, runs: Sequence[RunRow], problems: dict[int, str] | None = None,
                 full_problems: dict[int, str] | None = None) -> None:
        """``problems``: why a run is broken, short (the cell); ``full_problems``: with paths (the tooltip)."""
        keep = {r.id for r in self.selected_runs()}
        self.blockSignals(True)
        self.runs = list(runs)
        self.problems = dict(problems or {})
        self.full_problems = dict(full_problems or problems or {})
        self.setRowCount(len(self.runs))
        for i, run in enumerate(self.runs):
            score = run.dev_score
            summary = run.metrics.get("summary") or {}
            epochs = summary.get("epochs")
            status, why, color = self._status(run)
            values = (
                f"#{run.id}", run.task, status + (f": {why[:60]}" if why else ""),
                f"{score:.3f}" if isinstance(score, (int, float)) else "-",
                f"{epochs:g}" if isinstance(epochs, (int, float)) else "-",
                f"{run.seconds:.0f} s" if run.seconds else "-",
                (f"continued from #{run.parent_run}" if run.parent_run is not None else _short_model(run.base_model))
                + (" · learn as I label" if is_learner_run(run.counts) else ""),   # trained by the background learner
                run.started[:19].replace("T", " "),
            )
            for c, text in enumerate(values):
                it = _item(text, align_right=c in (0, 3, 4, 5))
                if color:
                    it.setForeground(QColor(color))
                full = self.full_problems.get(run.id) or why
                if c == self.MODEL_COLUMN and run.parent_run is not None and not full:
                    text = f"Trained from: {run_store.lineage(run, self.runs)}"   # the whole line, back to its base
                it.setToolTip(f"{status}: {full}" if full else text)
                self.setItem(i, c, it)
        for i, run in enumerate(self.runs):
            if run.id in keep:
                self.selectRow(i)
        self.blockSignals(False)

    def _status(self, run: RunRow) -> tuple[str, str, str]:
        """What the status column says, why, and its colour."""
        if run.id in self.problems:
            return "broken", self.problems[run.id], "#b00020"
        if run.status == "failed":
            return "failed", run.error, "#b00020"
        if run.status == "interrupted":
            return "interrupted", run.error, "#9a5b00"
        return run.status, "", ""

    def status_text(self, row: int) -> str:
        it = self.item(row, 2)
        return it.text() if it else ""

    def selected_runs(self) -> list[RunRow]:
        rows = sorted({ix.row() for ix in self.selectionModel().selectedRows()}) if self.selectionModel() else []
        return [self.runs[r] for r in rows if r < len(self.runs)]

    def select_ids(self, ids: Sequence[int]) -> None:
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for i, run in enumerate(self.runs):
            if run.id in ids:
                self.selectRow(i)
        self.setSelectionMode(mode)

    def _on_selection(self) -> None:
        self.selectionChangedRuns.emit(self.selected_runs()[:2])

    # ---- deleting ---------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected_runs():
            self.delete_selected()
            return
        super().keyPressEvent(event)

    def _context_menu(self, pos: QPoint) -> None:
        row = self.rowAt(pos.y())
        if row < 0:
            return
        if row not in {ix.row() for ix in self.selectionModel().selectedRows()}:
            self.selectRow(row)
        chosen = self.selected_runs()
        menu = QMenu(self)
        what = f"run #{chosen[0].id}" if len(chosen) == 1 else f"{len(chosen)} runs"
        action = menu.addAction(f"Delete {what}…")
        action.setEnabled(bool(chosen) and self.store is not None)
        action.triggered.connect(self.delete_selected)
        self.context_menu = menu     # (kept so a test can find it)
        menu.popup(self.viewport().mapToGlobal(pos))

    def delete_selected(self) -> None:
        """Ask, then delete the selected runs.  A run still training is not offered."""
        chosen = [r for r in self.selected_runs() if r.status != "running"]
        if self.store is None or not chosen:
            if self.selected_runs():
                QMessageBox.information(self, "Delete runs", "A run that is still training cannot be deleted; "
                                        "stop it first.")
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete runs", _confirm_text(chosen),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        said: list[str] = []
        for run in chosen:
            try:
                said += run_store.remove_run(self.store, run.id)
            except UserError as exc:
                said.append(str(exc))
        self.last_deleted = said
        self.show_project(self.store)
        self.runsDeleted.emit([r.id for r in chosen])


def _confirm_text(chosen: Sequence[RunRow]) -> str:
    """What deleting these runs will do, folder by folder, before the user says yes."""
    one = len(chosen) == 1
    lines = [f"Delete {f'run #{chosen[0].id}' if one else f'{len(chosen)} runs'} from this project? "
             f"{'Its' if one else 'Their'} curves, scores and cached predictions go with "
             f"{'it' if one else 'them'}. This cannot be undone.", ""]
    for run in chosen:
        folder = run_folders.run_folder_of(run.model_dir)
        if folder is None:
            lines.append(f"#{run.id}: no model folder")
            continue
        why = run_folders.why_kept(folder, run.id, run.task)
        lines.append(f"#{run.id}: its folder {folder} " + ("is deleted" if not why else f"stays on disk ({why})"))
    return "\n".join(lines)


def _short_model(name: str) -> str:
    if name in ("", "default"):
        return "default (MiniLM)"
    return name if len(name) <= 40 else "…" + name[-39:]
