"""``workbench-cli runs PROJECT`` (list every run) and ``runs PROJECT delete N``.

The list says, for each run, whether its model can be used: a run whose model
folder was deleted or damaged is "broken" with the reason, a run whose process
was killed is "interrupted".  ``delete`` asks nothing (it is a command line) but
says what it removed: the run's row, curve points and cached predictions, and
its folder only when the app wrote it inside its own runs folder.  No torch.
"""
from __future__ import annotations

import argparse
import json
import pathlib

from workbench.commands import existing_project
from workbench.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list a project's training runs, or delete one (runs PROJECT delete N)")
    p.add_argument("project", help="the project file (.db)")
    p.add_argument("action", nargs="?", default="list", choices=["list", "delete"])
    p.add_argument("run_id", nargs="?", type=int, metavar="N", help="delete: the run id")
    p.add_argument("--json", action="store_true", help="list: one JSON object")
    p.set_defaults(func=cmd_runs)


def cmd_runs(args: argparse.Namespace) -> int:
    from workbench.store import Store

    project = existing_project(args.project)
    if args.action == "delete" and args.run_id is None:
        raise UserError("which run? give its id: runs PROJECT delete N")
    if args.action == "list" and args.run_id is not None:
        raise UserError(f"unexpected {args.run_id}; to delete a run: runs PROJECT delete {args.run_id}")
    with Store(project) as store:
        if args.action == "delete":
            from workbench.training.runs import remove_run

            for line in remove_run(store, args.run_id):
                print(line)
            return 0
        return _list(store, args.json)


def run_rows(store) -> list[dict]:  # noqa: ANN001 - a workbench.store.Store
    """One dict per run, newest first: id, task, status (with "broken" for an unusable model),
    dev score, folder and the reason it is broken or interrupted."""
    from workbench.inference.run_model import run_choices
    from workbench.training.runs import lineage, list_runs

    problems = {c.row.id: c.problem for c in run_choices(store) if c.model is None}
    rows = []
    every = list_runs(store)
    for run in every:
        problem = problems.get(run.id, "")
        reason = problem or (run.error if run.status in ("interrupted", "failed") else "")
        rows.append({"id": run.id, "task": run.task, "status": "broken" if problem else run.status,
                     "dev_score": run.dev_score, "folder": str(pathlib.Path(run.model_dir).parent) if run.model_dir
                     else "", "reason": reason, "started": run.started, "parent_run": run.parent_run,
                     "lineage": lineage(run, every)})
    return rows


def _list(store, as_json: bool) -> int:  # noqa: ANN001
    rows = run_rows(store)
    if as_json:
        print(json.dumps({"runs": rows}))
        return 0
    if not rows:
        print("no runs yet")
        return 0
    print(f"{'run':>5}  {'task':<9} {'status':<11} {'dev':>6}  folder")
    for r in rows:
        score = f"{r['dev_score']:.3f}" if isinstance(r["dev_score"], (int, float)) else "-"
        print(f"{r['id']:>5}  {r['task']:<9} {r['status']:<11} {score:>6}  {r['folder'] or '-'}")
        if r["parent_run"] is not None:
            print(f"{'':>7}continued: {r['lineage']}")
        if r["reason"]:
            label = "broken" if r["status"] == "broken" else r["status"]
            print(f"{'':>7}{label}: {r['reason']}")
    return 0
