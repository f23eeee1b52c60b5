"""The store's one error type, and what an SQLite failure means for the user.

SQLite's own words ("disk I/O error", "attempt to write a readonly database",
"database disk image is malformed") say what failed, not what to do; ``describe``
turns them into a sentence that does: the disk is full, the file is read-only,
the file is damaged (and where its newest backup is).
"""
from __future__ import annotations

import errno
import pathlib
import shutil
import sqlite3

from workbench.errors import UserError
from workbench.store import backup_files
from workbench.store.tempdir import temp_folder

# SQLite primary result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
# Below this much free space a disk I/O error is taken to mean a full disk: SQLite
# reports a full disk as SQLITE_IOERR when it fails to grow its shared-memory file.
_NEARLY_FULL_BYTES = 1 << 20


class StoreError(UserError):
    """Unknown label, bad status, a file that is not a project or is from a newer app, ..."""


def _code(exc: BaseException) -> int | None:
    """The primary SQLite result code (Python >= 3.11 carries it), else one guessed from the text."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    text = str(exc).lower()
    for needle, guessed in (("database is locked", _BUSY), ("table is locked", _LOCKED), ("readonly", _READONLY),
                            ("disk is full", _FULL), ("disk i/o error", _IOERR), ("malformed", _CORRUPT),
                            ("not a database", _NOTADB), ("unable to open", _CANTOPEN)):
        if needle in text:
            return guessed
    return None


def is_busy(exc: BaseException) -> bool:
    """Another connection holds the lock (worth waiting for)."""
    return isinstance(exc, sqlite3.OperationalError) and _code(exc) in (_BUSY, _LOCKED)


def is_environmental(exc: BaseException) -> bool:
    """A failure of the disk or the file (full, read-only, damaged), not of the request."""
    return isinstance(exc, sqlite3.Error) and _code(exc) in (_READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB)


def _free_bytes(path: pathlib.Path) -> int | None:
    for folder in (path.parent, path):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return None


def disk_full(path: str | pathlib.Path) -> StoreError:
    path = pathlib.Path(path)
    free = _free_bytes(path)
    shown = f" ({free // 1024} KiB free)" if free is not None else ""
    return StoreError(f"{path}: the disk is full{shown} on the drive that holds it ({path.parent}): "
                      "free some space there, then try again")


def read_only(path: str | pathlib.Path, reason: str) -> StoreError:
    return StoreError(f"{path}: the project is read-only ({reason}); it can be viewed and exported, "
                      "but changes cannot be saved. To work in it, copy it to a folder you can write to")


def restore_hint(path: pathlib.Path, backup: pathlib.Path) -> str:
    """How to put a backup in place of a broken project.  The -wal beside it must go too:
    SQLite would replay the old file's log onto the restored copy."""
    return (f"To restore it: close the app, move the damaged file (and {path.name}-wal, {path.name}-shm beside it, "
            f"if there) aside, then copy the backup in its place: cp '{backup}' '{path}'. What was labeled after "
            "that backup is not in it.")


def damaged(path: str | pathlib.Path, detail: str) -> StoreError:
    """The file is broken: say so, and say where the newest copy to restore is."""
    path = pathlib.Path(path)
    text = f"{path}: the project file is damaged ({detail})."
    newest = backup_files.newest_backup(path)
    if newest is not None:
        text += (f" The newest automatic backup is {newest} (made {backup_files.made_at(newest)}). "
                 f"{restore_hint(path, newest)}")
    else:
        text += (f" No automatic backup of it was found in {backup_files.backup_folder(path)} (the app makes one a day "
                 "after it opens a project, and `workbench-cli backup` makes one on demand); "
                 "restore a copy of your own if you have one.")
    upgrades = sorted(path.parent.glob(f"{path.name}.bak-v*"))
    if upgrades:
        text += f" A copy made before the last upgrade is there too: {upgrades[-1]}."
    return StoreError(text)


def describe(path: str | pathlib.Path, exc: BaseException) -> StoreError:
    """What an SQLite (or OS) error on the project file means, in the user's terms."""
    path = pathlib.Path(path)
    code = _code(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return disk_full(path)
    if code == _FULL:
        free = _free_bytes(path)
        if free is not None and free >= _NEARLY_FULL_BYTES:
            return StoreError(f"{path}: a disk is full, though not the one that holds the project "
                              f"({free // (1 << 20)} MiB free there); most likely the temporary folder "
                              f"{temp_folder()}: free some space there (or set TMPDIR to a folder with more room)")
        return disk_full(path)
    if code == _IOERR:
        free = _free_bytes(path)
        if free is not None and free < _NEARLY_FULL_BYTES:
            return disk_full(path)
        return StoreError(f"{path}: the disk reported an error while reading or writing the project ({exc}); "
                          "check the drive (is it still connected?) and try again")
    if code == _READONLY:
        return read_only(path, "the file or its folder cannot be written")
    if code in (_CORRUPT, _NOTADB):
        return damaged(path, str(exc))
    if code in (_BUSY, _LOCKED):
        return StoreError(f"{path}: another program is writing to the project ({exc}); try again in a moment")
    if code == _CANTOPEN:
        return StoreError(f"{path}: the project file cannot be opened ({exc}); check that it and its folder "
                          "still exist and that you may read them")
    return StoreError(f"{path}: database problem: {exc}")
