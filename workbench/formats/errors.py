"""The one error every importer raises for bad input."""
from __future__ import annotations

import os
import pathlib

from workbench.errors import UserError


def display_path(path: str | bytes | os.PathLike) -> str:
    """``path`` as text that can always be printed and stored: bytes that are not UTF-8 (a file
    name from another system) show as ``\\xe9``, control characters as escapes."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class FormatError(UserError):
    """Bad input in a file: says which file, which line, and what is wrong.

    ``path`` is the file as given (for programs); the message shows it through
    :func:`display_path`, so it prints even when the name is not valid UTF-8.
    """

    def __init__(self, path: str | pathlib.Path, line: int, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        shown = display_path(path)
        where = f"{shown}:{line}" if line else shown
        super().__init__(f"{where}: {problem}")
