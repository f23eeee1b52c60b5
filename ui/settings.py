"""What belongs to the user, not to a project: window geometry, recent files,
annotator name.  Kept with QSettings (the platform's usual place), or in
``$WORKBENCH_HOME/settings.ini`` when that is set, so tests and portable
installs never touch the real user's settings."""
from __future__ import annotations

import getpass
import os
import pathlib

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

MAX_RECENT = 10


class UserSettings:
    def __init__(self, qsettings: QSettings | None = None) -> None:
        if qsettings is None:
            home = os.environ.get("WORKBENCH_HOME")
            if home:
                qsettings = QSettings(str(pathlib.Path(home) / "settings.ini"), QSettings.Format.IniFormat)
            else:
                qsettings = QSettings("TextWorkbench", "TextWorkbench")
        self.q = qsettings

    # ---- recent projects --------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.q.value("recent_files", [])
        if isinstance(value, str):  # QSettings gives back a lone string for a one-item list
            value = [value]
        return [str(v) for v in value or []]

    def add_recent(self, path: str | os.PathLike[str]) -> None:
        path = str(pathlib.Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self.q.setValue("recent_files", files[:MAX_RECENT])
        self.q.sync()

    def remove_recent(self, path: str) -> None:
        self.q.setValue("recent_files", [f for f in self.recent_files() if f != path])
        self.q.sync()

    def last_project(self) -> pathlib.Path | None:
        """The most recently opened project that still exists."""
        for f in self.recent_files():
            if pathlib.Path(f).is_file():
                return pathlib.Path(f)
        return None

    # ---- annotator ----------------------------------------------------------------------
    def annotator(self) -> str:
        name = self.q.value("annotator", "")
        if not name:
            try:
                name = getpass.getuser()
            except Exception:  # noqa: BLE001 - no login name on some systems
                name = ""
        return str(name)

    def set_annotator(self, name: str) -> None:
        self.q.setValue("annotator", name.strip())
        self.q.sync()

    # ---- window -----------------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        self.q.setValue("window/geometry", window.saveGeometry())
        self.q.setValue("window/state", window.saveState())
        self.q.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        geometry = self.q.value("window/geometry")
        state = self.q.value("window/state")
        if isinstance(state, QByteArray):
            window.restoreState(state)
        return isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)

    def value(self, key: str, default: object = None) -> object:
        return self.q.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self.q.setValue(key, value)
