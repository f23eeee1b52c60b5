"""Taking the project's write lock: wait for other writers rather than fail.

Several writers share one file: the app's UI thread (a label, on every key), a
training run (its progress points), an import (one publish transaction), another
copy of the app or the CLI.  SQLite lets one hold the write lock at a time; the
others wait here.  Any thread; the connection must belong to the calling thread.
"""
from __future__ import annotations

import pathlib
import sqlite3
import time

from workbench.store.errors import StoreError, is_busy

# SQLite's own busy handler: one BEGIN IMMEDIATE sleeps and retries inside SQLite
# for up to this long before it reports SQLITE_BUSY.
BUSY_TIMEOUT_S = 30.0
# How long a writer waits in all before it gives up with a message.  The longest
# lock this app takes is an import's publish transaction: 1-2 s per 100,000
# documents on the development machine, so some 10-20 s for a million, and a slow
# disk may take several times that.  Five minutes covers it with a wide margin, while a
# lock that is never released (another program left in a transaction, a hung
# process) still ends in a message instead of a window that waits forever.
WRITE_WAIT_S = 300.0
# Between two attempts: SQLite's handler has already slept; this only keeps a
# lock that reports busy without waiting (below) from spinning the CPU.
_PAUSE_S = 0.05


def connect(uri_or_path: str, *, uri: bool = False) -> sqlite3.Connection:
    """A connection with the project's busy timeout.  isolation_level=None: the store
    issues BEGIN/COMMIT itself, one short transaction per user action."""
    return sqlite3.connect(uri_or_path, uri=uri, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                           check_same_thread=True)


def begin_immediate(conn: sqlite3.Connection, path: pathlib.Path | str | None = None,
                    wait_s: float = WRITE_WAIT_S) -> None:
    """BEGIN IMMEDIATE (the write lock, taken up front so a transaction never fails half
    way for a lock), retried until ``wait_s`` has passed.

    The retry loop is not redundant with the busy timeout: SQLite reports SQLITE_BUSY
    without calling its busy handler in a few cases (another connection running WAL
    recovery after a crash, a lock it judges a deadlock), and those must wait too.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                waited = f"{wait_s / 60:g} minutes" if wait_s >= 60 else f"{wait_s:g} seconds"
                raise StoreError(
                    f"{path}: another program has been writing to this project for over {waited} and still "
                    f"holds it ({exc}); close other copies of the app or tools that have it open, then try again"
                ) from exc
            time.sleep(_PAUSE_S)
