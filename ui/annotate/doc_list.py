"""The document list: a lazy table model over the store.

The model holds only the id list of the current filter, and reads even that in steps: the
first page at once (a keyset query through the filter's index, a few milliseconds at a million
documents: workbench/store/listing.py), the rest from one query on a read-only connection of
the model's own, a step at a time from a zero-delay timer, each step kept to about a frame so
the window stays responsive, with rows appended as they come.  (Its own connection: the open
query holds a snapshot, which must not be the one the app writes labels through.)
The columns of a row are fetched a page at a time when the view first asks for one, so
scrolling a million rows reads only the pages that come on screen.  UI thread only.
"""
from __future__ import annotations

import array
import bisect
import collections
import sqlite3
import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from workbench.store import DocFilter, DocRow, Store, StoreError
from workbench.store.opening import read_connection
from workbench.store.listing import IdStream, ids_after
from workbench.store.queries import doc_rows

PAGE = 100
MAX_PAGES = 64
FIRST_IDS = 300             # ids read when the filter changes, before anything is shown (ten screens)
STEP_SECONDS = 0.012        # each later step of reading ids stays about this long
FIRST_STEP_MS = 50          # the first step waits this long: the first page is painted before it
SHOW_EVERY = 0.25           # rows read are added to the table at most this often (each addition repaints it)
STATUS_COLORS = {"unlabeled": "#b0b0b0", "draft": "#f4a261", "accepted": "#2a9d8f", "skipped": "#6c757d"}
Index = QModelIndex | QPersistentModelIndex


def status_icon(status: str | None) -> QIcon:
    """A small dot per status: hollow for unlabeled, filled otherwise, a bar for skipped."""
    cache = status_icon.__dict__.setdefault("cache", {})
    if status not in cache:
        pm = QPixmap(12, 12)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        color = QColor(STATUS_COLORS.get(status or "", "#dddddd"))
        if status == "unlabeled" or status is None:
            p.setPen(color)
            p.drawEllipse(2, 2, 8, 8)
        elif status == "skipped":
            p.fillRect(1, 5, 10, 3, color)
        else:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawEllipse(1, 1, 10, 10)
        p.end()
        cache[status] = QIcon(pm)
    return cache[status]


class DocListModel(QAbstractTableModel):
    COLUMNS = ("#", "Spans", "Class status", "Class", "Ents", "Split", "Text")   # 1, 2: named by the tasks
    loaded = Signal()       # more ids were read; :attr:`complete` says whether that was all

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.span_task: str | None = None
        self.class_task: str | None = None
        self._titles: dict[str, str] = {}
        self._heads: dict[int, str] = {}
        self.filter = DocFilter()
        self._ids = array.array("q")
        self.complete = True
        self._step = 2000
        self._unshown = array.array("q")    # ids read but not yet added as rows
        self._shown_at = 0.0
        self._reader: sqlite3.Connection | None = None
        self._stream: IdStream | None = None
        self._more = QTimer(self, singleShot=True, interval=0)
        self._more.timeout.connect(self._read_more)
        self._pages: collections.OrderedDict[int, list[DocRow]] = collections.OrderedDict()

    # ---- contents -----------------------------------------------------------------
    def set_store(self, store: Store | None) -> None:
        """Column 1 is the span task's status, columns 2 and 3 the first classification task's
        status and class (the tooltip names every task)."""
        self.store = store
        self._stop_reading()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if store is not None:
            try:     # read-only, as the store opens a project it cannot write (a read-only folder too)
                self._reader, _why = read_connection(store.path)
            except (StoreError, sqlite3.Error):
                self._reader = None     # the store's own connection reads the list then
        span = store.span_task if store is not None else None
        classes = store.class_tasks if store is not None else []
        self.span_task = span.name if span is not None else None
        self.class_task = classes[0].name if classes else None
        self._titles = {t.name: t.title for t in ([span] if span else []) + classes}
        self._heads = {1: (span.short_title or span.title) if span else "", 2: (classes[0].short_title or
                       classes[0].title) if classes else ""}
        self.set_filter(DocFilter())

    def set_filter(self, flt: DocFilter) -> None:
        """Show the documents that pass ``flt``: the first ids now, the rest in steps."""
        self._stop_reading()
        self.beginResetModel()
        self.filter = flt
        first = ids_after(self.store, flt, 0, FIRST_IDS) if self.store is not None else []
        self._ids = array.array("q", first)
        self._unshown = array.array("q")
        self._shown_at = time.monotonic()
        self.complete = len(first) < FIRST_IDS
        self._pages.clear()
        self.endResetModel()
        if not self.complete and self.store is not None:
            self._more.start(FIRST_STEP_MS)     # the first step opens the query (a search's can take a while)
        self.loaded.emit()

    def _stop_reading(self) -> None:
        self._more.stop()
        if self._stream is not None:
            self._stream.close()      # ends the queries and their snapshot
            self._stream = None

    def _read_more(self) -> None:
        """One step of reading ids (the timer's), sized to take about STEP_SECONDS."""
        if self.complete or self.store is None:
            return
        t = time.perf_counter()
        try:
            if self._stream is None:
                self._stream = IdStream(self.store, self.filter, self._ids[-1], self._reader)
            more = array.array("q", self._stream.take(self._step))
        except sqlite3.Error:       # the file went away or is busy: show what was read
            more = array.array("q")
        took = time.perf_counter() - t
        self.complete = len(more) < self._step
        # toward STEP_SECONDS, at most doubling or halving (one slow read on a busy machine is noise)
        self._step = max(1000, min(200_000, int(self._step * min(2.0, max(0.5, STEP_SECONDS / max(took, 1e-4))))))
        self._unshown.extend(more)
        if self._unshown and (self.complete or time.monotonic() - self._shown_at >= SHOW_EVERY):
            n = len(self._ids)
            self.beginInsertRows(QModelIndex(), n, n + len(self._unshown) - 1)
            self._ids.extend(self._unshown)
            self.endInsertRows()
            self._unshown = array.array("q")
            self._shown_at = time.monotonic()
        if self.complete:
            self._stop_reading()
        else:
            self._more.start(0)
        self.loaded.emit()

    def ids(self) -> "array.array[int]":
        """The ids read so far, ascending (all of them once :attr:`complete`)."""
        return self._ids

    def id_at(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, doc_id: int) -> int | None:
        # Ids come in ascending order (document_ids sorts by id), so this is a bisect.
        i = bisect.bisect_left(self._ids, doc_id)
        return i if i < len(self._ids) and self._ids[i] == doc_id else None

    def refresh_doc(self, doc_id: int) -> None:
        """A document's labels changed: drop its cached page and repaint its row.
        (It stays in the list even if it no longer matches the filter, so rows
        do not jump under the user's hand; the next filter change drops it.)"""
        row = self.row_of(doc_id)
        if row is None:
            return
        self._pages.pop(row // PAGE, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def refresh_all(self) -> None:
        self._pages.clear()
        if len(self._ids):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.COLUMNS) - 1))

    def doc_row(self, row: int) -> DocRow | None:
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            if self.store is None:
                return None
            rows = doc_rows(self.store, self._ids[page * PAGE:(page + 1) * PAGE].tolist())
            self._pages[page] = rows
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        i = row - page * PAGE
        return rows[i] if i < len(rows) else None

    # ---- Qt model interface ---------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._heads.get(section) or self.COLUMNS[section]   # status columns: the tasks' short titles
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called a thousand times per paint of the table: roles are compared as plain ints and
        # the alignments are made once (Qt's enum objects cost microseconds per operation).
        if role not in _ROLES or not index.isValid():
            return None
        if role == _USER:
            return self._ids[index.row()]
        col = index.column()
        if role == _ALIGN:
            return _ALIGNMENTS.get(col)
        r = self.doc_row(index.row())
        if r is None:
            return None
        span_status = r.statuses.get(self.span_task or "")
        if role == _DECORATION:
            if col == 1:
                return status_icon(span_status)
            if col == 2:
                return status_icon(r.statuses.get(self.class_task or ""))
            return None
        if role == _TOOLTIP:
            if col == 1:
                return f"{self._titles.get(self.span_task or '', '')}: {span_status}"
            if col == 2:   # every classification task (the columns show the first)
                return "\n".join(f"{self._titles.get(t, t)}: {st}" for t, st in r.statuses.items()
                                 if t != self.span_task)
            return r.preview if col == 6 else None
        # Status columns are a dot only (colour and shape say it; the tooltip spells it out),
        # which leaves the width to the text.
        return (r.id, "", "", r.classes.get(self.class_task or "", ""),
                r.entity_count if r.entity_count or span_status not in (None, "unlabeled") else "",
                r.split, r.preview)[col]


_DISPLAY, _DECORATION, _TOOLTIP, _ALIGN, _USER = (int(r.value) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.UserRole))
_ROLES = frozenset((_DISPLAY, _DECORATION, _TOOLTIP, _ALIGN, _USER))
_CENTER = int(Qt.AlignmentFlag.AlignCenter.value)
_RIGHT = int(Qt.AlignmentFlag.AlignRight.value) | int(Qt.AlignmentFlag.AlignVCenter.value)
_ALIGNMENTS = {0: _RIGHT, 1: _CENTER, 2: _CENTER, 4: _RIGHT}
