"""Where the automatic copies of a project are, and what they are called (paths only: no SQLite).

The copying itself is :mod:`workbench.store.backups`; this module is below it so
that error messages and the opening checks can name the newest copy without
importing the copying code.  Any thread.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
import pathlib
import re

from workbench import paths

_STAMP = "%Y-%m-%d-%H%M%S"
_NAME = re.compile(r"^(?P<stem>.*)-(?P<stamp>\d{4}-\d\d-\d\d-\d{6})\.db$")


def backups_root() -> pathlib.Path:
    path = paths.data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_folder(project: str | pathlib.Path) -> pathlib.Path:
    """Where the copies of ``project`` go (not created here)."""
    real = pathlib.Path(project).resolve()
    digest = hashlib.sha1(os.fsencode(str(real))).hexdigest()[:10]
    return paths.data_dir() / "backups" / f"{real.stem}-{digest}"


def list_backups(project: str | pathlib.Path) -> list[pathlib.Path]:
    """The copies of ``project`` that this module made, newest first."""
    try:
        folder = backup_folder(project)
    except OSError:   # no user data folder (cannot be made): no backups either
        return []
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and _NAME.match(p.name)]
    return sorted(found, key=lambda p: _NAME.match(p.name)["stamp"], reverse=True)


def newest_backup(project: str | pathlib.Path) -> pathlib.Path | None:
    found = list_backups(project)
    return found[0] if found else None


def made_at(backup: pathlib.Path) -> str:
    """When a copy was made, as the user reads it (local time)."""
    m = _NAME.match(backup.name)
    if not m:
        return "at an unknown time"
    return _dt.datetime.strptime(m["stamp"], _STAMP).strftime("%Y-%m-%d %H:%M")
