"""``workbench-cli predict | suspicious | export-onnx``: a finished run's model, headless.

- ``predict``: score a labeled split with the run (the metrics training reports), or
  pre-annotate the unlabeled documents (the labeling screen then shows them as suggestions).
- ``suspicious``: labeled documents ranked by how strongly out-of-sample predictions
  disagree with their gold labels (k-fold, or a run's dev split).
- ``export-onnx``: the run's model as ONNX, checked against torch.

Progress goes to stderr, results to stdout.  torch loads only when a command runs.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
from typing import Any

from workbench import tasks as task_registry
from workbench.commands import existing_project
from workbench.errors import UserError
from workbench.training import config_fields


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="score a split with a run, or pre-annotate unlabeled documents")
    p.add_argument("project", help="the project file (.db)")
    p.add_argument("--run", type=int, help="run id (default: the newest finished run of --task)")
    p.add_argument("--task", choices=task_registry.names(), help="with no --run: which task's newest run")
    p.add_argument("--split", default="dev", choices=["dev", "test", "train", "unlabeled"],
                   help="a labeled split to score, or 'unlabeled' to pre-annotate (default: dev)")
    p.add_argument("--refresh", action="store_true", help="predict again even where predictions are cached")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("suspicious", help="labeled documents whose gold labels the model doubts most")
    p.add_argument("project")
    p.add_argument("--task", required=True, choices=task_registry.names())
    p.add_argument("--top", type=int, default=20, help="how many to print (default 20)")
    p.add_argument("--method", default="auto", choices=["auto", "kfold", "dev"],
                   help="kfold: train k models now; dev: a run's dev predictions; auto (default): the stored "
                        "k-fold scores if any, else the newest run's dev split")
    p.add_argument("--run", type=int, help="--method dev: which run (default: the newest of --task)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    kfold = p.add_argument_group("k-fold training (--method kfold)",
                                 "k models, each trained on all but one fold; settings as for train")
    kfold.add_argument("--folds", type=int, default=3, help="k (default 3)")
    config_fields.add_arguments(kfold, "k-fold")
    p.set_defaults(func=cmd_suspicious)

    p = sub.add_parser("export-onnx", help="export a run's model to ONNX and check it against torch")
    p.add_argument("project")
    p.add_argument("--run", type=int, help="run id (default: the newest finished run of --task)")
    p.add_argument("--task", choices=task_registry.names())
    p.add_argument("--out", type=pathlib.Path, help="a new or empty output folder (default: <run folder>/onnx)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier ONNX export in --out (only the files it wrote)")
    p.add_argument("--tolerance", type=float, default=1e-3, help="largest allowed |logit| difference")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export_onnx)


def _project(path: str) -> pathlib.Path:
    return existing_project(path)


class _Progress:
    """One stderr line per second at most, and the finished line once (a job may report its
    end more than once while it writes out)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.last, self.finished = quiet, 0.0, False

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        complete = p.total > 0 and p.done >= p.total
        if self.quiet or (now - self.last < 1.0 and not complete) or (complete and self.finished):
            return
        self.last, self.finished = now, complete
        print(f"  {p.message or ''}" + (f" ({p.fraction:.0%})" if p.known else ""), file=sys.stderr)


def cmd_predict(args: argparse.Namespace) -> int:
    from workbench.inference.batch import predict_job
    from workbench.inference.cache import load
    from workbench.inference.review import build_review
    from workbench.inference.run_model import open_run
    from workbench.store import Store
    from workbench.tasks.metrics import format_report

    project = _project(args.project)
    note_broken(project, args.run, args.task)
    summary = predict_job(project, args.run, args.split, task=args.task, refresh=args.refresh, device=args.device,
                          progress=_Progress(args.quiet))
    if summary.skipped and not args.json:
        print(f"note: {summary.skipped_note()}", file=sys.stderr)
    with Store(project) as store:
        run = open_run(store, summary.run_id)
        speed = (f"{summary.predicted} predicted in {summary.seconds:.1f} s ({summary.per_second:.0f}/s)"
                 if summary.predicted else "all cached")
        head = f"run {run.run_id} ({run.task}) on {args.split}: {summary.documents} documents, {speed}"
        if args.split == "unlabeled":
            preds = load(store, run.run_id, run.task, run.label_names)
            docs = [run.spec.prediction_json(preds[d]) | {"doc_id": d} for d in sorted(preds)
                    if store.annotation(d, run.task).status == "unlabeled"]
            if args.json:
                print(json.dumps({**_summary(summary), "documents": docs}))
                return 0
            print(head)
            print(f"pre-annotated {len(docs)} unlabeled documents; the labeling screen shows them as suggestions")
            return 0
        rs = build_review(store, run, args.split)
    if args.json:
        print(json.dumps({**_summary(summary), "report": rs.report, "errors": sum(bool(r.errors) for r in rs.reviews)}))
        return 0
    print(head)
    if not rs.reviews:
        print(f"no labeled {run.task} documents in the {args.split} split")
        return 0
    print(format_report(rs.report))
    wrong = sum(bool(r.errors) for r in rs.reviews)
    print(f"{wrong} of {len(rs.reviews)} documents have errors")
    return 0


def _summary(s: Any) -> dict[str, Any]:
    return {"run_id": s.run_id, "task": s.task, "split": s.which, "documents": s.documents,
            "predicted": s.predicted, "cached": s.cached, "seconds": round(s.seconds, 3),
            "per_second": round(s.per_second, 1), "skipped": s.skipped, "skipped_note": s.skipped_note()}


def note_broken(project: pathlib.Path, run_id: int | None, task: str | None) -> None:
    """With no --run, the newest loadable run is used: say on stderr which runs were passed over as
    broken (a deleted or damaged model folder).  A broken --run is refused by open_run itself."""
    if run_id is not None:
        return
    from workbench.inference.run_model import broken_note, run_choices
    from workbench.store import Store

    with Store(project) as store:
        for choice in run_choices(store, task):
            if choice.model is None:
                print(f"note: {broken_note(choice)} (passed over; `workbench-cli runs {project}` lists every run)",
                      file=sys.stderr)


def cmd_suspicious(args: argparse.Namespace) -> int:
    from workbench.inference import cache, suspicious
    from workbench.store import Store

    project = _project(args.project)
    with Store(project) as store:
        if args.task not in store.tasks:
            raise UserError(f"this project has no {args.task} task")
        stored = cache.load_suspicion(store, args.task)
    method = args.method
    if method == "auto":
        method = "stored" if stored else "dev"
    if method == "kfold":
        settings = suspicious.KFoldSettings(k=args.folds, **config_fields.values(args, "k-fold"))
        ranked = suspicious.kfold_job(project, args.task, settings, progress=_Progress(args.quiet))
    elif method == "dev":
        note_broken(project, args.run, args.task)
        ranked = suspicious.dev_job(project, args.run, args.task, progress=_Progress(args.quiet))
    else:
        ranked = stored
    shown = suspicious.flagged(ranked)     # disagreements and doubted labels; "O vs O, p=0.99" is not news
    top = shown[: args.top]
    with Store(project) as store:
        texts = {s.doc_id: store.document(s.doc_id).text for s in top}
    if args.json:
        print(json.dumps({"task": args.task, "method": method, "scored": len(ranked), "suspicious": len(shown),
                          "documents": [{"doc_id": s.doc_id, "score": round(s.score, 5), "source": s.source,
                                         **s.detail} for s in top]}))
        return 0
    source = top[0].source if top else method
    print(f"{len(shown)} of {len(ranked)} checked {args.task} documents look suspicious ({source})"
          + ("; most suspicious first:" if top else "."))
    for rank, s in enumerate(top, 1):
        d = s.detail
        what = (f"{d.get('word', '')!r}: gold {d.get('gold')} / model {d.get('pred')}" if "word" in d
                else f"gold {d.get('gold')} / model {d.get('pred')}")
        text = " ".join(texts[s.doc_id].split())
        print(f"{rank:4d}. doc {s.doc_id:<6d} p(gold)={s.score:.3f}  {what}  | {text[:70]}")
    return 0


def cmd_export_onnx(args: argparse.Namespace) -> int:
    from workbench.inference.onnx_export import export_onnx, run_onnx_dir
    from workbench.inference.run_model import open_run
    from workbench.store import Store

    project = _project(args.project)
    note_broken(project, args.run, args.task)
    with Store(project) as store:
        run = open_run(store, args.run, args.task)
    # the run's own onnx folder is this program's: an earlier export there is replaced without asking
    out = args.out or run_onnx_dir(run.model_dir)
    report = export_onnx(run.model_dir, out, tolerance=args.tolerance, overwrite=args.overwrite or args.out is None,
                         protect=[project])
    if args.json:
        print(json.dumps({"run_id": run.run_id, "path": str(report.path), "max_abs_diff": report.max_abs_diff,
                          "tolerance": report.tolerance, "samples": report.samples, "ok": report.ok}))
        return 0
    print(f"exported run {run.run_id} to {report.path}")
    print(f"ONNX Runtime vs torch on {report.samples} sample sentences: max |logit difference| "
          f"{report.max_abs_diff:.2e} (tolerance {report.tolerance:g}): ok")
    return 0
