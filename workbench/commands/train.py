"""``workbench-cli train``: fine-tune on a project's accepted labels, headless.

Prints progress lines to stderr; the run's summary (and, with ``--json``, one
JSON object as the last line) to stdout.  torch loads only when the command runs.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from workbench.commands import existing_project
from workbench.training import config_fields
from workbench.training.config import TrainConfig


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="fine-tune a model on the project's accepted labels",
                       description="Fine-tune a model on the project's accepted labels.  A setting left out, or "
                                   "given as 'auto', takes the measured default for the task and the device.")
    p.add_argument("project", help="the project file (.db)")
    config_fields.add_arguments(p, "train")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="end with one JSON line summarizing the run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = existing_project(args.project)
    from workbench.training.loop import train

    config = TrainConfig(store_path=project, **config_fields.values(args, "train"))
    warn_unknown_text(config)
    result = train(config, progress=Printer(quiet=args.quiet))
    print_result(result, as_json=args.json)
    return 0 if result.status in ("done", "cancelled") else 1


def warn_unknown_text(config: TrainConfig) -> None:
    """Say on stderr, before the run, when the base model does not know the project's text
    (Chinese text on the English default model); the run goes on, as the user asked."""
    from workbench.training.vocab_check import project_vocab_fit

    try:
        fit = project_vocab_fit(config.store_path, config.task, config.base_model)
    except Exception:  # noqa: BLE001 - a tokenizer that cannot be read: the run itself says why
        return
    if fit is not None and not fit.fits:
        print(f"warning: {fit.warning()}", file=sys.stderr, flush=True)


def print_result(result, as_json: bool) -> None:  # noqa: ANN001 - a workbench.training.events.RunResult
    """The run's reports and summary on stdout; with ``as_json`` one JSON object as the last line."""
    from workbench.tasks.metrics import format_report

    out = sys.stdout
    if result.dev:
        print(f"dev ({result.counts.get('dev_source', 'dev')}, best epoch {result.best_epoch}):", file=out)
        print(format_report(result.dev), file=out)
    if result.test:
        print("test:", file=out)
        print(format_report(result.test), file=out)
    print(f"run {result.run_id}: {result.status}{' (' + result.message + ')' if result.message else ''}; "
          f"{result.epochs_done:.2f} epochs, {result.train_seconds:.1f} s training, "
          f"{result.tokens_per_s:.0f} tokens/s on {result.device}", file=out)
    if result.model_dir:
        print(f"model: {result.model_dir}", file=out)
    if as_json:
        print(json.dumps(result.summary()), file=out)


class Printer:
    """Progress lines on stderr, at most one per second (and every epoch)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = 0.0

    def __call__(self, report) -> None:  # noqa: ANN001 - a workbench.jobs.Progress of a run
        if self.quiet:
            return
        now = time.monotonic()
        p = report.detail    # the run's own figures (workbench.training.events.RunEvent)
        if p.kind == "step":
            if now - self.last < 1.0 and p.step < p.total_steps:
                return
            eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
            line = (f"step {p.step}/{p.total_steps} epoch {p.epoch:.2f} loss {p.loss:.4f} lr {p.lr:.2e} "
                    f"{p.tokens_per_s:.0f} tok/s{eta}")
        elif p.kind == "epoch":
            line = p.message
        else:
            line = p.message
        self.last = now
        print(line, file=sys.stderr, flush=True)
