"""Automatic copies of projects in the user data folder (``backups/``).

A copy is made with SQLite's online backup API from one read snapshot, so a
project in use is copied whole and consistent while the app, a training run or
an import go on writing to it (readers never block writers in WAL mode).  Each
project has its own folder (its file name plus a hash of its full path); the app
makes at most one automatic copy a day, and the newest ``KEEP`` are kept.  A
copy that fails ``PRAGMA quick_check`` is thrown away, so a project that has been
damaged never pushes its good backups out.

Any thread (the app calls :func:`auto_backup` on a worker thread after it opens a
project: opening never waits for a copy); every function opens its own connections.
"""
from __future__ import annotations

import datetime as _dt
import os
import pathlib
import sqlite3
import time

from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn
from workbench.store.backup_files import _NAME, _STAMP, backup_folder, list_backups, made_at, newest_backup
from workbench.store.errors import StoreError, damaged
from workbench.store.locking import connect
from workbench.store.opening import check_file, identify, read_connection

KEEP = 5
# Pages copied per step (4 MiB at the default page size): between steps the copy
# can be cancelled and its progress shown.
_STEP_PAGES = 1024

_clock = _dt.datetime.now     # local time: "one a day" is the user's day (tests set the clock)


def copy_database(source: pathlib.Path, target: pathlib.Path, *, check: bool = False,
                  progress: ProgressFn | None = None, cancelled: CancelFn | None = None) -> None:
    """A consistent copy of the SQLite file ``source`` at ``target``.

    The copy holds one read snapshot from start to end, so writers elsewhere neither
    wait for it nor make it start over.  It is written under a temporary name and
    renamed into place: ``target`` is the whole copy or untouched.  With ``check``,
    a copy that fails ``PRAGMA quick_check`` is deleted and StoreError raised.  A cancel
    (workbench/jobs.py) raises Cancelled between steps and keeps nothing.
    """
    if os.access(source, os.W_OK) and os.access(source.parent, os.W_OK | os.X_OK):
        # A plain connection, used only to read: unlike a read-only one it removes the
        # -wal and -shm files it may create when it closes.
        src = connect(str(source))
    else:
        src, _ = read_connection(source)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    tmp.unlink(missing_ok=True)
    try:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()   # the snapshot starts here

        def step(_status: int, remaining: int, total: int) -> None:
            if cancelled is not None and cancelled():   # (``check`` here is the quick_check flag)
                raise Cancelled("backup stopped; nothing was kept")
            if progress is not None:
                progress(Progress(total - remaining, total, f"Copying {source.name}"))

        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            src.backup(dst, pages=_STEP_PAGES, progress=step)
            # One self-contained file (the source's WAL flag came with its first page).
            dst.execute("PRAGMA journal_mode = DELETE")
            if check:
                verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise damaged(source, f"its check failed: {verdict}")
        finally:
            dst.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()


def backup_project(project: str | pathlib.Path, *, daily: bool = False, progress: ProgressFn | None = None,
                   cancelled: CancelFn | None = None) -> pathlib.Path | None:
    """Copy ``project`` into its backup folder now and keep the newest ``KEEP`` copies.

    With ``daily``, do nothing (and return None) when a copy was already made today.
    Raises StoreError when ``project`` is not a workbench project or is damaged.
    """
    project = pathlib.Path(project)
    check_file(project)
    probe, _ = read_connection(project, brief=True)
    try:
        identify(probe, project)
    except sqlite3.DatabaseError as exc:
        raise damaged(project, str(exc)) from exc
    finally:
        probe.close()
    now = _clock()
    newest = newest_backup(project)
    if daily and newest is not None and _NAME.match(newest.name)["stamp"][:10] == now.strftime("%Y-%m-%d"):
        return None
    folder = backup_folder(project)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.partial"):   # left by a copy that was killed (ours by their name)
        if time.time() - stale.stat().st_mtime > 3600:
            stale.unlink(missing_ok=True)
    note = folder / "project.txt"
    if not note.exists():
        note.write_text(f"Automatic backups of {project.resolve()}\n", encoding="utf-8")
    target = folder / f"{project.resolve().stem}-{now.strftime(_STAMP)}.db"
    try:
        copy_database(project, target, check=True, progress=progress, cancelled=cancelled)
    except sqlite3.DatabaseError as exc:
        raise damaged(project, str(exc)) from exc
    for old in list_backups(project)[KEEP:]:
        old.unlink(missing_ok=True)
    return target


def auto_backup(project: str | pathlib.Path, *, progress: ProgressFn | None = None,
                cancelled: CancelFn | None = None) -> pathlib.Path | None:
    """The app's daily copy (see :func:`backup_project`); a worker thread runs it after a project opens.
    None when a copy was already made today; Cancelled (nothing kept) when stopped."""
    return backup_project(project, daily=True, progress=progress, cancelled=cancelled)


__all__ = ["KEEP", "Cancelled", "StoreError", "auto_backup", "backup_folder", "backup_project",
           "copy_database", "list_backups", "made_at", "newest_backup"]
