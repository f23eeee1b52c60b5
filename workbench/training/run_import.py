"""Bring a run folder trained elsewhere (``train-bundle`` on a server) into a project's run history.

The folder is hostile until proven otherwise: everything is read and checked
before anything is written (the run card's shape and types, the model's
config, labels and weights, the tokenizer), links and other non-regular files
are refused (a link could point at any file on the machine), and the copy goes
into a new folder of its own inside the app's runs folder.  A refused import
writes nothing: no run row, no folder.  No Qt; may run on any thread that owns
its Store.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import pathlib
import shutil
import stat
from typing import Any

from workbench.errors import UserError
from workbench.output_paths import write_error
from workbench.paths import runs_dir
from workbench import tasks as task_registry
from workbench.store import Store
from workbench.store.values import now
from workbench.training import run_folders
from workbench.modeling.model_folder import check_model_folder, read_json
from workbench.training.processes import host_name

MAX_FILES = 10_000         # a run folder holds a dozen files; more is not a run folder
MAX_DEPTH = 8
_SKIP = {run_folders.MARKER}   # the source's own marker: the copy gets a new one


def import_run(store: Store, run_dir: str | pathlib.Path) -> int:
    """Copy a finished run folder (``model/`` + ``run_card.json``) into the user data dir and
    record it in the project's run history.  Returns the new run id; UserError (and nothing
    written) when the folder is not a run this project can use."""
    run_dir = pathlib.Path(run_dir)
    files = _plain_files(run_dir)
    card = read_card(run_dir)
    info = check_model_folder(run_dir / "model", f"{run_dir}/model", thorough=True)
    _check_labels(store, run_dir, card, info.task, info.label_names)
    points = _points(card)
    metrics = {**card.get("metrics", {}), "best_epoch": card.get("best_epoch"),
               "history": card.get("history", []), "summary": card.get("summary", {})}
    task = card["task"]
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = run_folders.create_folder(runs_dir(), f"{store.path.stem}-{task}-imported-{stamp}",
                                       project=str(store.path), imported_from=str(run_dir))
    try:
        _copy(run_dir, target, files)
        with store.transaction():     # the row, its points and figures: all at once or not at all
            cur = store.conn.execute(
                "INSERT INTO runs (task, status, base_model, device, config, counts, metrics, model_dir, started,"
                " finished, seconds, pid, host) VALUES (?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                (task, card.get("base_model", ""), card.get("device", ""), _dumps(card.get("config", {})),
                 _dumps({**card.get("data", {}), "imported_from": str(run_dir)}), _dumps(metrics),
                 str(target / "model"), card.get("created") or now(), now(), card.get("duration_s"), host_name()))
            run_id = int(cur.lastrowid)
            store.conn.executemany("INSERT INTO run_points (run_id, series, step, epoch, value) VALUES (?, ?, ?, ?, ?)",
                                   [(run_id, *p) for p in points])
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)    # ours, just made
        raise
    return run_id


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, allow_nan=False)


# ---- the folder ------------------------------------------------------------------------------------

def _plain_files(run_dir: pathlib.Path) -> list[str]:
    """Every file under ``run_dir`` (relative paths), after checking that each entry is a plain file
    or folder: a symbolic link (pointing anywhere, in a loop or nowhere), a device or a pipe is
    refused, so nothing outside the folder is ever read or copied."""
    if run_dir.is_symlink():
        raise UserError(f"{run_dir}: a symbolic link; give the run folder itself")
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: not a run folder (no such folder)")
    if not (run_dir / "run_card.json").exists() and not (run_dir / "model").exists():
        raise UserError(f"{run_dir}: not a run folder (it needs run_card.json and model/config.json)")
    found: list[str] = []

    def walk(folder: pathlib.Path, rel: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise UserError(f"{folder}: folders nested too deeply for a run folder")
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = f"{rel}{entry.name}"
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    raise UserError(f"{run_dir}/{path}: a symbolic link (to {os.readlink(entry.path)}); a run folder "
                                    "holds plain files only, so nothing was imported")
                if stat.S_ISDIR(mode):
                    walk(pathlib.Path(entry.path), f"{path}/", depth + 1)
                elif stat.S_ISREG(mode):
                    if entry.name not in _SKIP:
                        found.append(path)
                    if len(found) > MAX_FILES:
                        raise UserError(f"{run_dir}: more than {MAX_FILES:,} files; not a run folder")
                else:
                    raise UserError(f"{run_dir}/{path}: not a regular file (a device, pipe or socket); "
                                    "nothing was imported")

    try:
        walk(run_dir, "", 0)
    except OSError as exc:
        raise UserError(f"{exc.filename or run_dir}: cannot be read ({exc.strerror or exc})") from exc
    return found


def _copy(src: pathlib.Path, dst: pathlib.Path, files: list[str]) -> None:
    """Copy the listed plain files; each is opened without following links, so a file swapped for
    a link after the check is refused, not followed."""
    # no following a final link; no waiting on a pipe swapped in (O_NONBLOCK: no effect on plain files)
    nofollow = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    for rel in files:
        target = dst / rel
        try:
            fd = os.open(src / rel, os.O_RDONLY | nofollow | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise UserError(f"{src / rel}: cannot be read ({exc.strerror or exc}); nothing was imported") from exc
        with os.fdopen(fd, "rb") as fin:
            if not stat.S_ISREG(os.fstat(fin.fileno()).st_mode):
                raise UserError(f"{src / rel}: not a regular file; nothing was imported")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "xb") as fout:
                    shutil.copyfileobj(fin, fout, 1 << 20)
            except OSError as exc:      # a full disk, no permission: said in words
                raise UserError(f"{write_error(target, exc)}; nothing was imported") from None


# ---- the run card ----------------------------------------------------------------------------------

def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_text(v: Any) -> bool:
    """A string that can be stored: JSON's "\\ud800" (a lone surrogate) is a str that is not text."""
    if not isinstance(v, str):
        return False
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_card(run_dir: pathlib.Path) -> dict[str, Any]:
    """run_card.json, checked field by field (each bad one is named); fields the app does not
    use are ignored, missing optional ones read as empty."""
    name = f"{run_dir}/run_card.json"
    card = read_json(run_dir / "run_card.json", name)
    if not isinstance(card, dict):
        raise UserError(f"{name}: not a run card (a JSON object), it holds a {type(card).__name__}")

    def bad(field: str, want: str) -> UserError:
        return UserError(f"{name}: '{field}' should be {want}")

    if not task_registry.is_task(card.get("task")):
        raise bad("task", " or ".join(f'"{t}"' for t in task_registry.names()))
    for field in ("labels", "label_names"):
        value = card.get(field)
        if field in card or field == "labels":
            if not isinstance(value, list) or not value or not all(_is_text(x) and x for x in value):
                raise bad(field, "a list of label names")
    for field in ("base_model", "device", "created"):
        if field in card and not _is_text(card[field]):
            raise bad(field, "text")
    for field in ("config", "data", "metrics", "summary"):
        if card.get(field) is None:
            card[field] = {}
        elif not isinstance(card[field], dict):
            raise bad(field, "a JSON object")
    for split in ("dev", "test"):
        report = card["metrics"].get(split)
        if report is not None:
            _check_report(report, f"metrics.{split}", bad)
    if card["summary"].get("epochs") is not None and not _is_num(card["summary"]["epochs"]):
        raise bad("summary.epochs", "a number")
    max_length = card["config"].get("max_length")
    if max_length is not None and not (_is_int(max_length) and max_length > 0):
        raise bad("config.max_length", "a whole number of word pieces")
    if card.get("duration_s") is not None and not (_is_num(card["duration_s"]) and card["duration_s"] >= 0):
        raise bad("duration_s", "a number of seconds")
    if card.get("best_epoch") is not None and not _is_int(card["best_epoch"]):
        raise bad("best_epoch", "a whole number")
    history = card.get("history") or []
    if not isinstance(history, list):
        raise bad("history", "a list")
    for i, h in enumerate(history):
        if not isinstance(h, dict) or not _is_int(h.get("step")) or not _is_num(h.get("epoch")) or not all(
                h.get(k) is None or _is_num(h[k]) for k in ("loss", "f1", "accuracy", "score")):
            raise bad(f"history[{i}]", "an object with a whole-number step, an epoch and numeric scores")
    card["history"] = history
    points = card.get("points") or []
    if not isinstance(points, list):
        raise bad("points", "a list")
    for i, p in enumerate(points):
        if not (isinstance(p, list) and len(p) == 4 and _is_text(p[0]) and _is_int(p[1])
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in p[2:])):
            raise bad(f"points[{i}]", "[series name, step, epoch, value]")
    card["points"] = points
    return card


def _check_report(report: Any, field: str, bad: Any) -> None:
    """A score report as training writes it (what the Train screen's table and the CLI print)."""
    if not isinstance(report, dict):
        raise bad(field, "a score report (a JSON object)")
    rows = report.get("per_label")
    if not isinstance(rows, dict):
        raise bad(f"{field}.per_label", "an object of per-label scores")
    avgs = {k: report.get(k) for k in ("micro", "macro") if k in report}
    for key, row in [*rows.items(), *avgs.items()]:
        if not isinstance(row, dict) or not all(_is_num(row.get(k)) for k in ("precision", "recall", "f1")) \
                or not _is_int(row.get("support")):
            raise bad(f"{field}.{key}", "precision, recall, f1 (numbers) and support (a whole number)")
    for key in ("accuracy", "f1", "score", "loss"):
        if key in report and report[key] is not None and not _is_num(report[key]):
            raise bad(f"{field}.{key}", "a number")


def _points(card: dict[str, Any]) -> list[tuple[str, int, float, float]]:
    """Curve points (non-finite values dropped, as runs.add_points does); cards without points
    still carry one dev figure per epoch."""
    points = [(p[0], int(p[1]), float(p[2]), float(p[3])) for p in card["points"]]
    if not points:
        for h in card["history"]:
            points += [(series, h["step"], float(h["epoch"]), float(h[key])) for series, key in
                       (("dev_loss", "loss"), ("dev_f1", "f1"), ("dev_accuracy", "accuracy")) if h.get(key) is not None]
    return [p for p in points if math.isfinite(p[2]) and math.isfinite(p[3])]


def _check_labels(store: Store, run_dir: pathlib.Path, card: dict[str, Any], model_task: str,
                  model_names: list[str]) -> None:
    """The card, the model and the project agree on the task and the labels."""
    task = card["task"]
    if model_task != task:
        raise UserError(f"{run_dir}: the run card says {task}, but model/config.json is a {model_task} model")
    if task not in store.tasks:
        raise UserError(f"{run_dir}: a {task} run, but this project has no {task} task")
    labels = card["labels"]
    expected = task_registry.get(task).model_labels(labels)
    if card.get("label_names", expected) != expected:
        raise UserError(f"{run_dir}/run_card.json: 'label_names' does not match its 'labels'")
    if model_names != expected:
        raise UserError(f"{run_dir}/model/config.json: its labels ({', '.join(model_names)}) are not the run card's "
                        f"({', '.join(expected)})")
    project_labels = store.label_names(task)
    missing = [lab for lab in labels if lab not in project_labels]
    if missing:
        raise UserError(f"{run_dir}: the run predicts labels this project does not have: {', '.join(missing)}")
