"""The Review screen's tables: the error list, the token table, the confusion matrix.  UI thread only."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget, QTableWidgetItem, QWidget

from ui.review.styles import KIND_TIPS, kind_fill, kind_text, plain_pair, plain_tag, tag_tip
from workbench.inference.errors import DocReview
from workbench.inference.records import Prediction
from workbench.spans import spans_to_bio

ERROR_ROW = QColor("#fdecea")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class ErrorListModel(QAbstractTableModel):
    """One row per reviewed document; errors first when sorted by loss."""

    COLUMNS = ("doc", "errors", "kinds", "labels", "loss", "confidence", "text")
    HEADERS = {"kinds": "what went wrong"}
    TIPS = {
        "doc": "Document number", "errors": "Mistakes the model made in this document",
        "kinds": "model only = false positive · missed = false negative · wrong extent = wrong boundary",
        "labels": "The labels involved in the mistakes",
        "loss": "How far the model's probabilities are from your labels (cross-entropy loss); the worst first",
        "confidence": "How sure the model is: of its least sure word (entities) or of its class (sentiment)",
    }

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[DocReview] = []
        self.texts: dict[int, str] = {}

    def set_rows(self, rows: Sequence[DocReview], texts: dict[int, str]) -> None:
        self.beginResetModel()
        self.rows, self.texts = list(rows), texts
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        col = self.COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS.get(col, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS.get(col)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        if role == SORT_ROLE:
            return {"doc": r.doc_id, "errors": len(r.errors), "loss": r.loss, "confidence": r.confidence}.get(
                col, self.data(index))
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "doc":
                return r.doc_id
            if col == "errors":
                return len(r.errors)
            if col == "kinds":
                return ", ".join(sorted(kind_text(k) for k in r.kinds))
            if col == "labels":
                return ", ".join(sorted(r.labels))
            if col == "loss":
                return f"{r.loss:.3f}"
            if col == "confidence":
                return f"{r.confidence:.2f}"
            return " ".join(self.texts.get(r.doc_id, "").split())[:160]
        if role == Qt.ItemDataRole.ToolTipRole and col == "kinds" and r.kinds:
            return "\n".join(KIND_TIPS.get(k, k) for k in sorted(r.kinds))
        if role == Qt.ItemDataRole.ToolTipRole and col == "text":
            return self.texts.get(r.doc_id, "")
        if role == Qt.ItemDataRole.BackgroundRole and r.errors and col in ("doc", "errors"):
            return ERROR_ROW
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("doc", "errors", "loss", "confidence"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ErrorFilter(QSortFilterProxyModel):
    """Filters the error list by error kind, label and confusion cell; sorts numerically."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.kind: str | None = "errors"        # None: all documents; "errors": any error; else a kind
        self.label: str | None = None
        self.doc_ids: set[int] | None = None     # a confusion cell's documents
        self.setSortRole(SORT_ROLE)

    def set_filter(self, kind: str | None = None, label: str | None = None, doc_ids: set[int] | None = None) -> None:
        if hasattr(self, "beginFilterChange"):      # Qt >= 6.10; invalidateFilter is deprecated there
            self.beginFilterChange()
            self.kind, self.label, self.doc_ids = kind, label, doc_ids
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.kind, self.label, self.doc_ids = kind, label, doc_ids
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802
        r: DocReview = self.sourceModel().rows[row]
        if self.doc_ids is not None and r.doc_id not in self.doc_ids:
            return False
        if self.kind == "errors" and not r.errors:
            return False
        if self.kind not in (None, "errors") and self.kind not in r.kinds:
            return False
        if self.label and self.label not in r.labels and self.label not in (r.gold, r.pred):
            return False
        return True

    def review_at(self, row: int) -> DocReview:
        return self.sourceModel().rows[self.mapToSource(self.index(row, 0)).row()]


def table_view(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    return view


def table_item(text: str, right: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return it


class TokenTable(QTableWidget):
    """Token, gold tag, predicted tag, confidence for the current document; error rows marked."""

    wordSelected = Signal(int)

    NER_HEADERS = ["word", "your label", "model says", "confidence"]
    CLASS_HEADERS = ["class", "your label", "model says", "probability"]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(self.NER_HEADERS)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.errors: list[int] = []
        self.itemSelectionChanged.connect(self._selected)

    def show_prediction(self, pred: Prediction | None, gold: Any, word_level: bool) -> None:
        """A word-level task: one row per word.  A classification: one row per class (gold marked)."""
        self.blockSignals(True)
        self.setRowCount(0)
        self.errors = []
        if pred is not None and word_level:
            gold_tags = spans_to_bio(pred.words, gold or []) if gold is not None else [""] * len(pred.words)
            tags, conf = pred.tags, pred.confidences
            self.setHorizontalHeaderLabels(self.NER_HEADERS)
            self.setRowCount(len(pred.words))
            for k, w in enumerate(pred.words):
                wrong = bool(gold_tags[k]) and gold_tags[k] != tags[k]
                gold_text, said = plain_pair(gold_tags[k], tags[k]) if gold_tags[k] else ("", plain_tag(tags[k]))
                if not pred.seen[k]:
                    said = "(cut off: beyond the model's length)"
                cells = [table_item(w.text), table_item(gold_text), table_item(said), table_item(f"{conf[k]:.2f}", True)]
                cells[1].setToolTip(tag_tip(gold_tags[k]) if gold_tags[k] else "")
                cells[2].setToolTip(tag_tip(tags[k]) if pred.seen[k] else "")
                for c, it in enumerate(cells):
                    if wrong:
                        it.setBackground(ERROR_ROW)
                    self.setItem(k, c, it)
                if wrong:
                    self.errors.append(k)
        elif pred is not None:
            self.setHorizontalHeaderLabels(self.CLASS_HEADERS)
            self.setRowCount(len(pred.class_names))
            for k, name in enumerate(pred.class_names):
                cells = [table_item(name), table_item("✓" if gold == name else ""), table_item("✓" if pred.label == name else ""),
                         table_item(f"{pred.probs[k]:.3f}", True)]
                for c, it in enumerate(cells):
                    if gold == name and pred.label != name:
                        it.setBackground(ERROR_ROW)
                    self.setItem(k, c, it)
        self.blockSignals(False)

    def select_word(self, word: int | None) -> None:
        self.blockSignals(True)
        if word is None or word >= self.rowCount():
            self.clearSelection()
        else:
            self.selectRow(word)
            self.scrollToItem(self.item(word, 0))
        self.blockSignals(False)

    def _selected(self) -> None:
        rows = {i.row() for i in self.selectedIndexes()}
        if len(rows) == 1:
            self.wordSelected.emit(rows.pop())


class ConfusionTable(QTableWidget):
    """Rows gold, columns predicted; clicking a cell emits its documents."""

    cellDocuments = Signal(str, str, object)    # gold, predicted, set of doc ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Rows: your labels (gold); columns: what the model said (predicted); \"no entity\" is O.  "
                        "Click a cell to list its documents.")
        self.names: list[str] = []
        self.cells: dict[tuple[str, str], list[int]] = {}
        self.cellClicked.connect(self._clicked)

    def show_matrix(self, names: Sequence[str], counts: np.ndarray, cells: dict[tuple[str, str], list[int]]) -> None:
        self.names, self.cells = list(names), cells
        self.setRowCount(len(names))
        self.setColumnCount(len(names))
        heads = [f"→ {plain_tag(n)}" for n in names]
        self.setHorizontalHeaderLabels(heads)
        self.setVerticalHeaderLabels([plain_tag(n) for n in names])
        # columns no narrower than their names: a narrow pane scrolls instead of cutting "→ no entity"
        fm = self.horizontalHeader().fontMetrics()
        self.horizontalHeader().setMinimumSectionSize(max(fm.horizontalAdvance(h) for h in heads) + 16 if heads else 40)
        top = max(1, int(counts.max()) if counts.size else 1)
        for r in range(len(names)):
            for c in range(len(names)):
                n = int(counts[r, c])
                it = table_item(str(n) if n else "", True)
                it.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if n:
                    base = kind_fill("correct") if r == c else kind_fill("false_positive")
                    alpha = 0.25 + 0.75 * n / top
                    color = QColor(base)
                    color.setAlphaF(min(1.0, alpha))
                    it.setBackground(color)
                self.setItem(r, c, it)

    def _clicked(self, row: int, col: int) -> None:
        if 0 <= row < len(self.names) and 0 <= col < len(self.names):
            g, p = self.names[row], self.names[col]
            self.cellDocuments.emit(g, p, set(self.cells.get((g, p), [])))
