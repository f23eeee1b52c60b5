"""The one error every importer raises for bad input."""
from __future__ import annotations

import pathlib

from workbench.errors import UserError


class FormatError(UserError):
    """Bad input in a file: says which file, which line, and what is wrong."""

    def __init__(self, path: str | pathlib.Path, line: int, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")
