"""The Review screen's left pane: the error list of a reviewed split, its filters (kind of
mistake, label, a confusion-matrix cell) and the confusion matrix.  A chosen row is sent
as :attr:`ErrorPane.documentChosen`.  UI thread only."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.review.styles import kind_text
from ui.review.tables import ConfusionTable, ErrorFilter, ErrorListModel, table_view
from workbench.inference.review import ReviewSet


def fill_box(box: QComboBox, items: list[tuple[Any, str]]) -> None:
    """Refill a drop-down with (data, text) items, keeping the chosen data when it is still there."""
    keep = box.currentData() if box.count() else items[0][0]
    box.blockSignals(True)
    box.clear()
    for data, text in items:
        box.addItem(text, data)
    i = next((k for k, (data, _) in enumerate(items) if data == keep), 0)
    box.setCurrentIndex(i)
    box.blockSignals(False)


class ErrorPane(QWidget):
    documentChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: ReviewSet | None = None
        self.kind_box, self.label_box = QComboBox(), QComboBox()
        for box in (self.kind_box, self.label_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.cell_label = QLabel("")
        self.cell_label.setObjectName("muted")
        self.clear_cell = QPushButton("Show all")
        self.clear_cell.setVisible(False)
        self.model = ErrorListModel(self)
        self.proxy = ErrorFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = table_view(self.proxy)
        self.table.setSortingEnabled(True)
        # widths from the font, so no header is cut (":onfidence"); long cells are elided, whole in tooltips
        fm = self.table.horizontalHeader().fontMetrics()
        for c, col in enumerate(ErrorListModel.COLUMNS[:-1]):
            sample = {"doc": "00000", "loss": "0.000", "kinds": "model only, wrong type", "labels": "PRODUCT"}.get(col, "")
            header = ErrorListModel.HEADERS.get(col, col)
            self.table.setColumnWidth(c, max(fm.horizontalAdvance(header), fm.horizontalAdvance(sample)) + 28)
        self.confusion = ConfusionTable()
        filters = QHBoxLayout()
        for w in (QLabel("Show"), self.kind_box, QLabel("label"), self.label_box, self.cell_label, self.clear_cell):
            filters.addWidget(w)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 3)
        caption = QLabel("Which label became which: rows are your labels, columns what the model said; "
                         "click a cell to list its documents")
        caption.setObjectName("muted")
        caption.setWordWrap(True)
        caption.setToolTip("The confusion matrix (rows gold, columns predicted)")
        layout.addWidget(caption)
        layout.addWidget(self.confusion, 2)

        self.kind_box.currentIndexChanged.connect(self.apply_filter)
        self.label_box.currentIndexChanged.connect(self.apply_filter)
        self.clear_cell.clicked.connect(lambda: self.apply_filter(cell=None))
        self.confusion.cellDocuments.connect(self._cell)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.choose_row(cur.row()))

    def show_review(self, rs: ReviewSet) -> None:
        """Fill the list, its filters and the matrix from a reviewed split (loss first)."""
        self.review = rs
        fill_box(self.kind_box, [("errors", "any error"), (None, "all documents")] +
                 [(k, kind_text(k)) for k in rs.run.spec.error_kinds])
        fill_box(self.label_box, [(None, "any")] + [(n, n) for n in rs.run.entity_labels])
        self.model.set_rows(rs.reviews, rs.texts)
        self.confusion.show_matrix(rs.matrix_names, rs.matrix, rs.cells)
        self.apply_filter(cell=self.proxy.doc_ids)
        self.table.sortByColumn(ErrorListModel.COLUMNS.index("loss"), Qt.SortOrder.DescendingOrder)

    def _cell(self, gold: str, pred: str, docs: set[int]) -> None:
        self.cell_label.setText(f"gold {gold} → predicted {pred}: {len(docs)} documents")
        self.apply_filter(cell=docs)

    def apply_filter(self, *_: Any, cell: Any = "keep") -> None:
        """Filter by kind and label, or (``cell``: its documents) by a confusion-matrix cell."""
        docs = self.proxy.doc_ids if cell == "keep" else cell
        self.clear_cell.setVisible(docs is not None)
        self.proxy.set_filter(None if docs is not None else self.kind_box.currentData(),
                              self.label_box.currentData(), docs)
        if docs is None:
            self.cell_label.setText("" if self.proxy.rowCount() or self.review is None else "no documents match")

    def rows(self) -> int:
        return self.proxy.rowCount()

    def choose_row(self, row: int) -> None:
        if 0 <= row < self.proxy.rowCount():
            self.documentChosen.emit(self.proxy.review_at(row).doc_id)
