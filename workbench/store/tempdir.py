"""Where SQLite writes its temporary files (an import's staging tables go there). Any thread."""
from __future__ import annotations

import os
import tempfile


def temp_folder() -> str:
    """Where SQLite puts the staging file (its own search order on Unix)."""
    if os.name != "posix":
        return tempfile.gettempdir()
    for folder in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), "/var/tmp", "/usr/tmp", "/tmp"):
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return os.getcwd()
