"""Bring a run folder trained elsewhere (``train-bundle`` on a server) into a project's run history.

No Qt; may run on any thread that owns its Store.
"""
from __future__ import annotations

import json
import pathlib
import shutil

from workbench.errors import UserError
from workbench.paths import runs_dir
from workbench.store import Store
from workbench.training import runs


def import_run(store: Store, run_dir: str | pathlib.Path) -> int:
    """Copy a finished run folder (``model/`` + ``run_card.json``) into the user data dir and
    record it in the project's run history.  Returns the new run id."""
    run_dir = pathlib.Path(run_dir)
    card_path = run_dir / "run_card.json"
    if not card_path.is_file() or not (run_dir / "model" / "config.json").is_file():
        raise UserError(f"{run_dir}: not a run folder (it needs run_card.json and model/config.json)")
    card = json.loads(card_path.read_text(encoding="utf-8"))
    task = card.get("task")
    if task not in store.tasks:
        raise UserError(f"{run_dir}: a {task} run, but this project has no {task} task")
    project_labels = store.label_names(task)
    missing = [lab for lab in card.get("labels", []) if lab not in project_labels]
    if missing:
        raise UserError(f"{run_dir}: the run predicts labels this project does not have: {', '.join(missing)}")
    counts = dict(card.get("data") or {})
    run_id = runs.start_run(store, task, str(card.get("base_model", "")), str(card.get("device", "")),
                            dict(card.get("config") or {}), {**counts, "imported_from": str(run_dir)})
    target = runs_dir() / f"{store.path.stem}-run{run_id}-{task}-imported"
    try:
        shutil.copytree(run_dir, target)
        points = [(p[0], int(p[1]), float(p[2]), float(p[3])) for p in card.get("points", [])]
        if not points:  # cards without curve points still carry one dev figure per epoch
            for h in card.get("history", []):
                points += [("dev_loss", h["step"], h["epoch"], h["loss"]), ("dev_f1", h["step"], h["epoch"], h["f1"]),
                           ("dev_accuracy", h["step"], h["epoch"], h["accuracy"])]
        runs.add_points(store, run_id, points)
        metrics = dict(card.get("metrics") or {})
        metrics.update(best_epoch=card.get("best_epoch"), history=card.get("history", []),
                       summary=card.get("summary", {}))
        runs.finish_run(store, run_id, "done", metrics=metrics, model_dir=str(target / "model"),
                        seconds=card.get("duration_s"))
    except BaseException as exc:
        shutil.rmtree(target, ignore_errors=True)
        runs.finish_run(store, run_id, "failed", error=f"import failed: {exc}")
        raise
    return run_id
