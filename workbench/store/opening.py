"""Opening a project file: make sure it is one before anything is written to it.

Only :meth:`Store.create` makes a project.  Opening reads the file first through a
read-only connection; a folder, an empty file, a text file or an unrelated SQLite
database (even one with a ``documents`` table) is refused and left byte for byte
as it was: no WAL switch, no tables, no ``user_version``.

A project is recognised by its application id (``PRAGMA application_id``, set by
create and by every upgrade) or, for files written before the id existed, by a
schema version above 0 together with the core tables.  It is then opened for
writing, or read-only when the file or its folder cannot be written.
Any thread; the connection returned belongs to the calling thread.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import sqlite3
import urllib.parse

from workbench.store import backup_files, schema
from workbench.store.errors import StoreError, _code, describe, restore_hint
from workbench.store.locking import connect

MAGIC = b"SQLite format 3\x00"
CORE_TABLES = frozenset({"settings", "labels", "documents", "annotations", "spans"})
_READONLY, _CANTOPEN = 8, 14


@dataclasses.dataclass
class Opened:
    conn: sqlite3.Connection
    version: int          # the schema version the file had when opened
    read_only: bool
    reason: str           # why it is read-only ("" when it is not)


def not_a_project(path: pathlib.Path, why: str) -> StoreError:
    text = f"{path}: not a workbench project ({why}); the file was left as it was"
    newest = backup_files.newest_backup(path)
    if newest is not None:
        text += (f". It used to be one, so it may be damaged: the newest automatic backup of it is {newest} "
                 f"(made {backup_files.made_at(newest)}). {restore_hint(path, newest)}")
    return StoreError(text)


def check_file(path: pathlib.Path) -> None:
    """Refuse what is not even an SQLite file, reading no more than its first 100 bytes."""
    if not path.exists():
        raise StoreError(f"{path}: no such project file")
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a project file")
    if not path.is_file():
        raise StoreError(f"{path}: not a regular file (a device or a pipe), not a project")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except PermissionError:
        raise StoreError(f"{path}: the project file cannot be read (permission denied)") from None
    except OSError as exc:
        raise describe(path, exc) from exc
    if not head:
        raise StoreError(f"{path}: the file is empty (0 bytes), not a workbench project; the file was left as it "
                         "was (create a project with `workbench-cli init` or File → New project)")
    if not head.startswith(MAGIC) or len(head) < 100:
        raise not_a_project(path, "it is not an SQLite database")


def _uri(path: pathlib.Path, query: str) -> str:
    return f"file:{urllib.parse.quote(os.fsencode(path.resolve()))}?{query}"


def _wal_flag(path: pathlib.Path) -> bool:
    """Whether the header says the file is in WAL mode (bytes 18 and 19 are 2)."""
    with open(path, "rb") as fh:
        head = fh.read(20)
    return head[18:20] == b"\x02\x02"


def read_connection(path: pathlib.Path, *, brief: bool = False) -> tuple[sqlite3.Connection, str]:
    """A connection that cannot write to ``path``, and why it had to be immutable ("" if not).

    ``brief``: for a look of a few milliseconds (is this a project?).  A WAL-mode file
    with no -wal beside it holds everything in itself; a read-only connection would
    still make -wal and -shm files it cannot remove, so a brief look opens it
    immutable and leaves the folder as it was.

    In a read-only folder SQLite cannot make the shared-memory file a WAL reader needs;
    then the file is opened immutable, which is safe only when no write-ahead log holds
    changes that are not in the file yet, so that case is refused.
    """
    wal = path.with_name(path.name + "-wal")
    if brief and not wal.exists() and _wal_flag(path):
        return connect(_uri(path, "mode=ro&immutable=1"), uri=True), ""
    conn = connect(_uri(path, "mode=ro"), uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, ""
    except sqlite3.OperationalError as exc:
        conn.close()
        if _code(exc) not in (_READONLY, _CANTOPEN):
            raise
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(f"{path}: the project is in a folder that cannot be written, and its last changes "
                             f"are still in {wal.name} beside it; open it once where it can be written "
                             "(or copy the folder somewhere writable) to fold them in") from exc
        conn = connect(_uri(path, "mode=ro&immutable=1"), uri=True)
        return conn, "its folder is read-only"


def identify(conn: sqlite3.Connection, path: pathlib.Path) -> int:
    """The schema version of a file that is a workbench project; StoreError for anything else.
    Only reads.  (SQLite errors, a damaged file's included, are the caller's to describe.)"""
    version = schema.user_version(conn)
    app_id = schema.application_id(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    ours = app_id == schema.APPLICATION_ID or (app_id == 0 and version > 0 and CORE_TABLES <= tables)
    if not ours:
        if app_id not in (0, schema.APPLICATION_ID):
            why = f"an SQLite database of another program (application id {app_id:#x})"
        elif not tables:
            why = "an empty SQLite database"
        else:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            why = f"an SQLite database whose tables are not a project's: {shown}"
        raise not_a_project(path, why)
    if version > len(schema.MIGRATIONS):
        raise schema.newer_version(path, version)
    if version == 0:
        raise not_a_project(path, "its creation was interrupted before it was finished")
    return version


def _why_read_only(path: pathlib.Path) -> str:
    file_ok = os.access(path, os.W_OK)
    # The folder must take the -wal and -shm files that SQLite keeps beside a WAL project.
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    if not file_ok and not folder_ok:
        return "the file and its folder are read-only"
    if not file_ok:
        return "the file is read-only"
    return "" if folder_ok else "its folder is read-only"


def _set_up(conn: sqlite3.Connection, *, writable: bool) -> None:
    if writable:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    else:
        conn.execute("PRAGMA query_only = 1")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big imports stay off the disk


def open_existing(path: pathlib.Path) -> Opened:
    """Check that ``path`` is a project (reading only), then open it for writing if it can be written."""
    check_file(path)
    try:
        probe, immutable_reason = read_connection(path, brief=True)
    except sqlite3.Error as exc:
        raise describe(path, exc) from exc
    try:
        version = identify(probe, path)
    except sqlite3.Error as exc:
        probe.close()
        raise describe(path, exc) from exc
    except BaseException:
        probe.close()
        raise
    probe.close()
    reason = _why_read_only(path) or immutable_reason
    if not reason:
        conn = connect(str(path))
        try:
            _set_up(conn, writable=True)
            return Opened(conn, version, False, "")
        except sqlite3.Error as exc:
            conn.close()
            if _code(exc) not in (_READONLY, _CANTOPEN):
                raise describe(path, exc) from exc
            reason = "the file or its folder cannot be written"
    try:
        conn, immutable_reason = read_connection(path)
        _set_up(conn, writable=False)
    except sqlite3.Error as exc:
        raise describe(path, exc) from exc
    return Opened(conn, version, True, reason or immutable_reason)


def create_new(path: pathlib.Path) -> sqlite3.Connection:
    """An empty file that did not exist a moment ago (O_EXCL: never one someone else just made),
    opened for writing.  The caller builds the schema in one transaction."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise StoreError(f"{path}: a file is already there") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the project file ({exc.strerror})") from exc
    os.close(fd)
    conn = connect(str(path))
    try:
        _set_up(conn, writable=True)
    except BaseException as exc:
        conn.close()
        path.unlink(missing_ok=True)   # made by this call a moment ago
        if isinstance(exc, sqlite3.Error):
            raise describe(path, exc) from exc
        raise
    return conn
