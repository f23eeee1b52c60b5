"""``workbench-cli learning-curve``: will more labels help?  (workbench/training/learning_curve.py)

Progress lines on stderr; the curve (labels, dev score) and its conclusion on stdout, or with
``--json`` one JSON object.  torch loads only when the command runs."""
from __future__ import annotations

import argparse
import json
import sys

from workbench.commands import existing_project
from workbench.training import config_fields
from workbench.training.config import TrainConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("learning-curve", help="train on 25/50/75/100%% of the labels: will more labels help?",
                       description="Train on 25%%, 50%%, 75%% and 100%% of the labeled train split (a quick "
                                   "schedule: half the default epochs unless --epochs is given; the same seed) and "
                                   "report the dev score against the number of labels.  Nothing is kept.")
    p.add_argument("project", help="the project file (.db)")
    config_fields.add_arguments(p, "train")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.training.learning_curve import learning_curve_job

    config = TrainConfig(store_path=existing_project(args.project), **config_fields.values(args, "train"))
    last = [""]

    def say(p) -> None:  # noqa: ANN001 - a workbench.jobs.Progress
        if not args.quiet and p.message and p.message != last[0] and (p.detail is not None or "epoch" in p.message
                                                                       or p.done == 0):
            last[0] = p.message
            print(p.message, file=sys.stderr, flush=True)

    curve = learning_curve_job(config, progress=say)
    if args.json:
        print(json.dumps(curve.to_json()))
        return 0
    print(f"{curve.task}: dev {curve.score_name} on {curve.dev_documents:,} documents ({curve.dev_source})")
    print(f"{'part':>5} {'documents':>10} {'labels':>8} {'score':>7} {'seconds':>8}")
    for pt in curve.points:
        print(f"{pt.fraction:>5.0%} {pt.documents:>10,} {pt.labels:>8,} {pt.score:>7.3f} {pt.seconds:>8.1f}")
    print(curve.conclusion()[0].upper() + curve.conclusion()[1:] + ".")
    return 0
