"""Training beyond the workstation: export-bundle, train-bundle (torchrun-ready), import-run."""
from __future__ import annotations

import argparse
import pathlib

from workbench.commands import existing_project
from workbench.training import config_fields


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-bundle", help="pack a task's labeled data to train elsewhere (no project needed)",
                       description="Pack a task's labeled data, its label maps and the training settings into a "
                                   "folder that trains anywhere with train-bundle.")
    p.add_argument("project")
    p.add_argument("out", help="a new or empty folder")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier bundle in OUT (only the files it wrote)")
    config_fields.add_arguments(p, "export-bundle")
    p.set_defaults(func=cmd_export_bundle)

    p = sub.add_parser("train-bundle", help="train from a bundle; runs unchanged under torchrun --nproc_per_node=K",
                       description="Train from a bundle with its settings; a setting given here replaces the "
                                   "bundle's ('auto': the measured default for the task and the device).")
    p.add_argument("bundle")
    config_fields.add_arguments(p, "train-bundle")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true", help="end with one JSON line (rank 0)")
    p.set_defaults(func=cmd_train_bundle)

    p = sub.add_parser("import-run", help="bring a run folder trained elsewhere into the project's history")
    p.add_argument("project")
    p.add_argument("run_dir")
    p.set_defaults(func=cmd_import_run)


def _project(path: str):
    from workbench.store import Store

    return Store.open(existing_project(path))


def cmd_export_bundle(args: argparse.Namespace) -> int:
    from workbench.training.bundle import export_bundle
    from workbench.training.config import TrainConfig

    config = TrainConfig(store_path=pathlib.Path(args.project), **config_fields.values(args, "export-bundle"))
    with _project(args.project) as store:
        meta = export_bundle(store, args.out, config, overwrite=args.overwrite)
    c = meta["counts"]
    print(f"bundle {args.out}: {meta['task']}, {c['train']} train / {c['dev']} dev ({meta['dev_source']}) / "
          f"{c['test']} test documents, labels {', '.join(meta['labels'])}")
    return 0


def cmd_train_bundle(args: argparse.Namespace) -> int:
    from workbench.commands.train import print_result, Printer
    from workbench.training import distributed
    from workbench.training.bundle import bundle_config, read_bundle
    from workbench.training.loop import train_splits
    from workbench.training.recorder import CardRecorder

    meta, splits = read_bundle(args.bundle)
    dist = distributed.from_env()
    try:
        given = {"output_dir": pathlib.Path(args.bundle) / "runs", **config_fields.values(args, "train-bundle")}
        config = bundle_config(args.bundle, meta, **given)
        main = dist is None or dist.is_main
        result = train_splits(config, splits, CardRecorder(), dist=dist,
                              progress=Printer(quiet=args.quiet or not main))
        if main:
            print_result(result, as_json=args.json)
    finally:
        distributed.close(dist)
    return 0 if result.status in ("done", "cancelled") else 1


def cmd_import_run(args: argparse.Namespace) -> int:
    from workbench.training.run_import import import_run

    from workbench.training.runs import get_run

    with _project(args.project) as store:
        run_id = import_run(store, args.run_dir)
        row = get_run(store, run_id)
    folder = pathlib.Path(row.model_dir).parent if row is not None else "?"
    print(f"imported {args.run_dir} as run {run_id} (copied to {folder})")
    return 0
