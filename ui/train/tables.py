"""The per-label metrics table and the run-history table of the Train screen.  UI thread only."""
from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

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
        if report.get("task") == "ner":
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
        acc.setToolTip("share of words tagged right (O included)" if report.get("task") == "ner" else
                       "share of documents classified right")
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
    """Every past run of the project, newest first.  Select one to see it, two to compare."""

    COLUMNS = ("run", "task", "status", "dev score", "epochs", "time", "base model", "started")
    selectionChangedRuns = Signal(list)     # the selected RunRows (at most two)

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
        self.itemSelectionChanged.connect(self._on_selection)

    def set_runs(self, runs: Sequence[RunRow]) -> None:
        keep = {r.id for r in self.selected_runs()}
        self.blockSignals(True)
        self.runs = list(runs)
        self.setRowCount(len(self.runs))
        for i, run in enumerate(self.runs):
            score = run.dev_score
            summary = run.metrics.get("summary") or {}
            epochs = summary.get("epochs")
            values = (
                f"#{run.id}", run.task, run.status + (f": {run.error[:60]}" if run.error and run.status == "failed" else ""),
                f"{score:.3f}" if score is not None else "-", f"{epochs:g}" if epochs is not None else "-",
                f"{run.seconds:.0f} s" if run.seconds else "-", _short_model(run.base_model),
                run.started[:19].replace("T", " "),
            )
            for c, text in enumerate(values):
                it = _item(text, align_right=c in (0, 3, 4, 5))
                if run.status == "failed":
                    it.setForeground(QColor("#b00020"))
                it.setToolTip(run.error or text)
                self.setItem(i, c, it)
        for i, run in enumerate(self.runs):
            if run.id in keep:
                self.selectRow(i)
        self.blockSignals(False)

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


def _short_model(name: str) -> str:
    if name in ("", "default"):
        return "default (MiniLM)"
    return name if len(name) <= 40 else "…" + name[-39:]
