"""CLI commands, one module per area; each has ``register(subparsers)``."""
from __future__ import annotations

import pathlib

from workbench.errors import UserError


def existing_project(path: str | pathlib.Path) -> pathlib.Path:
    """The project a command names, which must be there (opening it checks it is a project:
    workbench.store.opening); UserError saying how to make one when it is not."""
    project = pathlib.Path(path)
    if not project.exists():
        raise UserError(f"{project}: no such project file (create it with `workbench-cli init`)")
    return project
