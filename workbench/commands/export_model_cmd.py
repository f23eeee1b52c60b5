"""``workbench-cli export-model PROJECT --run N OUT/``: a run's model as a standard Hugging Face
folder with a model card, for ``from_pretrained`` and ``pipeline`` elsewhere
(``workbench/serving/export_model.py``).  Progress on stderr, the result on stdout."""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

from workbench import tasks as task_registry
from workbench.commands import existing_project


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-model", help="write a run's model as a Hugging Face model folder with a model card")
    p.add_argument("project", help="the project file (.db)")
    p.add_argument("out", type=pathlib.Path, help="a new or empty folder")
    p.add_argument("--run", type=int, help="run id (default: the newest finished run of --task)")
    p.add_argument("--task", choices=task_registry.names(), help="with no --run: which task's newest run")
    p.add_argument("--onnx", action="store_true",
                   help="also onnx/model.onnx and onnx/model_quantized.onnx (int8), checked against torch")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier export in OUT (only its files)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    p.set_defaults(func=cmd_export_model)


def cmd_export_model(args: argparse.Namespace) -> int:
    from workbench.commands.predict import _Progress, note_broken
    from workbench.serving.export_model import export_model

    project = existing_project(args.project)
    note_broken(project, args.run, args.task)
    done = export_model(project, args.run, args.out, task=args.task, onnx=args.onnx, overwrite=args.overwrite,
                        progress=_Progress(args.quiet))
    agreed = done.agreement
    if args.json:
        print(json.dumps({"run_id": done.run_id, "task": done.task, "path": str(done.path), "files": done.files,
                          "pipeline_agreement": None if agreed is None else {
                              "share": round(agreed.share, 4), "agreed": agreed.agreed, "compared": agreed.compared,
                              "unit": agreed.unit, "documents": agreed.documents},
                          "notes": done.notes}))
        return 0
    print(f"exported run {done.run_id} ({done.task}) to {done.path}: {', '.join(done.files)}")
    if agreed is not None:
        print(f"transformers.pipeline on the exported folder vs the app, dev split: {agreed.sentence()}")
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
