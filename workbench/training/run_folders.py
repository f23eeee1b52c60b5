"""Run folders on disk: made new (never written into an existing folder), marked as the app's,
and removed only when they are both the app's and inside its runs folder.

A run folder holds ``model/`` and ``run_card.json``.  The app writes a marker
file (:data:`MARKER`) into every folder it creates, before anything else, so
that a folder it left half-written (a killed run) or a run the user deletes can
be removed without ever touching a folder the user made or chose.  No Qt, no
store; safe on any thread.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import json
import pathlib
import re
import shutil
from typing import Any, Iterator

from workbench.errors import UserError
from workbench.output_paths import PathLike, check_output_root, is_write_failure, write_error
from workbench.paths import runs_dir

MARKER = ".textworkbench-run"
_APP = "TextWorkbench"
# folders of runs trained before the marker existed: "<project>-run<id>-<task>-<stamp or 'imported'>"
_LEGACY = re.compile(r"^.+-run(\d+)-(ner|sentiment)-(\d{8}-\d{6}|imported)$")


def new_run_folder(root: PathLike, name: str) -> pathlib.Path:
    """Make a new folder ``root/name`` (``name-2``, ... when taken); never an existing one."""
    check_output_root(root)
    root = pathlib.Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(root, exc) from None
    for i in range(1, 1000):
        folder = root / (name if i == 1 else f"{name}-{i}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_error(folder, exc) from None
    raise UserError(f"{root}: too many run folders named {name}")


@contextlib.contextmanager
def writing_run(folder: pathlib.Path) -> Iterator[None]:
    """Wrap writes into a run folder made by :func:`new_run_folder`: on failure it is removed whole."""
    try:
        yield
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if is_write_failure(exc) and not isinstance(exc, UserError):
            raise write_error(folder, exc) from None
        raise


def mark(folder: pathlib.Path, **about: Any) -> None:
    """Mark a folder the app has just made as its own; ``about`` (run id, project) goes into the marker."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = {"app": _APP, "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              **{k: v for k, v in about.items() if v is not None}}
    (folder / MARKER).write_text(json.dumps(marker, default=str), encoding="utf-8")


def create_folder(root: str | pathlib.Path, name: str, **about: Any) -> pathlib.Path:
    """A new folder ``root/name`` (or ``name-2``, ``name-3``, ... when taken), marked as written by
    the app.  Never an existing folder: two projects with one file name never share a run folder."""
    folder = new_run_folder(root, name)
    try:
        mark(folder, **about)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise write_error(folder, exc) from None
    return folder


def is_marked(folder: pathlib.Path) -> bool:
    """The folder carries the app's marker (a plain file, not a link planted there)."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file() or marker.stat().st_size > 65536:
        return False
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("app") == _APP
    except (ValueError, UnicodeDecodeError, AttributeError, OSError):
        return False


def _legacy_ours(folder: pathlib.Path, run_id: int | None, task: str | None) -> bool:
    """A run folder the app wrote before it marked them: its name carries this run's id and task
    and it holds the run card and model the app writes."""
    m = _LEGACY.match(folder.name)
    return bool(m and run_id is not None and int(m.group(1)) == run_id and m.group(2) == task
                and (folder / "run_card.json").is_file() and not (folder / "run_card.json").is_symlink()
                and (folder / "model").is_dir() and not (folder / "model").is_symlink())


def inside_runs_dir(folder: pathlib.Path) -> bool:
    """``folder`` is a real folder strictly inside the app's runs folder (links resolved)."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    root = runs_dir().resolve()
    real = folder.resolve()
    return real != root and root in real.parents


def why_kept(folder: pathlib.Path, run_id: int | None = None, task: str | None = None) -> str:
    """Why the app may not delete ``folder``: "" when it may (inside its runs folder, and marked as
    written by the app, or named and laid out as the app named its runs before the marker)."""
    if not folder.exists() and not folder.is_symlink():
        return "it is already gone"
    if not inside_runs_dir(folder):
        return f"it is not inside the app's runs folder ({runs_dir()})"
    if not (is_marked(folder) or _legacy_ours(folder, run_id, task)):
        return "the app did not write it (no marker)"
    return ""


def remove_folder(folder: pathlib.Path, run_id: int | None = None, task: str | None = None) -> str:
    """Delete a run folder the app wrote inside its runs folder; returns what was done, in words.
    Anything else is left where it is and the words say why."""
    reason = why_kept(folder, run_id, task)
    if reason == "it is already gone":
        return f"its folder {folder} was already gone"
    if reason:
        return f"left its folder {folder}: {reason}"
    try:
        # rmtree removes links found inside, never what they point to
        shutil.rmtree(folder.resolve())
    except OSError as exc:
        return f"could not remove its folder {folder}: {exc.strerror or exc}"
    return f"removed its folder {folder}"


def run_folder_of(model_dir: str) -> pathlib.Path | None:
    """The run folder that holds ``model_dir`` (its ``model/`` subfolder), or None."""
    if not model_dir:
        return None
    path = pathlib.Path(model_dir)
    return path.parent if path.name == "model" else path
