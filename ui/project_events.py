"""One "project changed" notification that every screen listens to, instead of each screen
re-reading the store when it is shown.

:class:`ProjectEvents` (owned by the main window, handed to the screens) emits
``changed(what)`` with one of :data:`KINDS` ("labels", "documents", "runs", "predictions").
Two sources feed it:

- writes made in the app call :meth:`ProjectEvents.notify` right after they are stored;
  a burst (one per key press) is emitted once, a moment later;
- writes made by worker threads or other processes (a training run, ``workbench-cli import``)
  are seen by a cheap watcher: a timer reads ``PRAGMA data_version`` on a connection of its
  own a few times a second (it changes when any *other* connection commits), and only when
  it changed compares a fingerprint of each kind made of index look-ups and tiny tables
  (no scans), so a run writing its curve points wakes nobody.

Qt object, UI thread only.
"""
from __future__ import annotations

import pathlib
import sqlite3
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

LABELS, DOCUMENTS, RUNS, PREDICTIONS = "labels", "documents", "runs", "predictions"
KINDS = (LABELS, DOCUMENTS, RUNS, PREDICTIONS)
POLL_MS = 250          # how often the watcher looks (a few times a second)
COALESCE_MS = 60       # notifications this close together are emitted once

# Each kind's fingerprint: what changes when that kind is written, read through indexes or
# from small tables.  (Predictions have none: nothing the screens show follows another
# connection's predictions; the job that writes them notifies when it is done.)
_PRINTS = {
    DOCUMENTS: "SELECT max(id) FROM documents",
    RUNS: "SELECT group_concat(id || status) FROM runs",
    # the newest span, the kept counts per label and per task and decided status (a tiny table:
    # workbench/store/tallies.py; "unlabeled" grows with every new document, which is not a label
    # change), and the label set
    LABELS: "SELECT (SELECT max(id) FROM spans),"
            " (SELECT group_concat(what || task || key || ':' || n) FROM tallies"
            "  WHERE what = 'label' OR (what = 'status' AND key <> 'unlabeled')),"
            " (SELECT group_concat(id || name || color || shortcut || position) FROM labels)",
}


class ProjectEvents(QObject):
    """``changed(what)`` after the open project's ``what`` changed, whoever wrote it."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None = None, poll_ms: int = POLL_MS, coalesce_ms: int = COALESCE_MS) -> None:
        super().__init__(parent)
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._prints: dict[str, Any] = {}
        self._pending: list[str] = []
        self._flush = QTimer(self, singleShot=True, interval=coalesce_ms)
        self._flush.timeout.connect(self._emit_pending)
        self._poll = QTimer(self, interval=poll_ms)
        self._poll.timeout.connect(self.check)

    # ---- the project ---------------------------------------------------------------------
    def watch(self, path: str | pathlib.Path | None) -> None:
        """Follow the project file at ``path`` (None: none).  Its own connection never writes."""
        self._close()
        if path is None:
            return
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA query_only = 1")
            self._conn = conn
            self._version = self._data_version()
            self._prints = self._fingerprints()
        except sqlite3.Error:
            self._close()     # a project that cannot be read is reported where it is opened
            return
        self._poll.start()

    def close(self) -> None:
        self._close()

    def _close(self) -> None:
        self._poll.stop()
        if self._conn is not None:
            self._conn.close()
        self._conn, self._version, self._prints = None, None, {}

    # ---- notifications -------------------------------------------------------------------
    def notify(self, what: str) -> None:
        """Say that the app just wrote ``what`` (one of :data:`KINDS`); emitted shortly, once per burst."""
        if what not in KINDS:
            raise ValueError(f"unknown change {what!r}; one of {', '.join(KINDS)}")
        if what not in self._pending:
            self._pending.append(what)
        self._flush.start()

    def _emit_pending(self) -> None:
        # Also look at the store now: the app's own writes are absorbed (not reported twice by
        # the watcher), and anything another connection changed meanwhile goes out too.
        self.check(force=True)

    def check(self, force: bool = False) -> None:
        """Compare the project with what was last seen and emit what changed (the watcher's tick)."""
        known, self._pending = self._pending, []
        found: list[str] = []
        if self._conn is not None:
            try:
                version = self._data_version()
                if force or version != self._version:
                    prints = self._fingerprints()
                    found = [k for k in prints if prints[k] != self._prints.get(k)]
                    self._version, self._prints = version, prints
            except sqlite3.Error:
                found = []      # busy or gone for a moment: the next tick looks again
        for what in KINDS:
            if what in known or what in found:
                self.changed.emit(what)

    def _data_version(self) -> int:
        assert self._conn is not None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _fingerprints(self) -> dict[str, Any]:
        assert self._conn is not None
        return {what: tuple(self._conn.execute(sql).fetchone()) for what, sql in _PRINTS.items()}
