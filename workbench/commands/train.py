"""``workbench-cli train``: fine-tune on a project's accepted labels, headless.

Prints progress lines to stderr; the run's summary (and, with ``--json``, one
JSON object as the last line) to stdout.  torch loads only when the command runs.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

from workbench.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="fine-tune a model on the project's accepted labels")
    p.add_argument("project", help="the project file (.db)")
    p.add_argument("--task", required=True, choices=["ner", "sentiment"])
    p.add_argument("--base-model", default="default", help="a local model folder, a hub id (online), or 'default'")
    p.add_argument("--epochs", type=int, help="passes over the training set (default: chosen from its size)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--max-length", type=int, help="word pieces per document (longer ones are cut)")
    p.add_argument("--max-train-docs", type=int, help="train on the first N train documents in import order")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--time-budget", type=float, metavar="SECONDS",
                   help="plan the schedule so that training (with its dev scoring) ends within this time")
    p.add_argument("--warmup-ratio", type=float)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--grad-accum", type=int, default=1, help="gradient accumulation steps")
    p.add_argument("--patience", type=int, default=2, help="epochs without a better dev score before stopping (0: never)")
    p.add_argument("--embeddings", default="sparse", choices=["sparse", "full", "frozen"],
                   help="word embeddings: tune the rows the data uses (sparse), all, or none")
    p.add_argument("--dropout", type=float, help="dropout probability (default: by device; -1: the model's own)")
    p.add_argument("--freeze-layers", type=int,
                   help="leave the embeddings and this many lower transformer blocks untrained (default: by device)")
    p.add_argument("--head-lr-scale", type=float, help="the classification head's learning rate, in units of --lr")
    p.add_argument("--weight-average", type=float, metavar="DECAY",
                   help="score and keep a moving average of the weights with this decay per step "
                        "(0: off; default: by task and device)")
    p.add_argument("--length-group", type=int, metavar="N",
                   help="draw each batch from a pool of N batches sorted by length (1: random batches; "
                        "default: by task)")
    p.add_argument("--max-eval-docs", type=int, default=1000,
                   help="dev documents scored after each epoch (the final score uses all of dev; 0: all)")
    p.add_argument("--output-dir", type=pathlib.Path, help="where run folders go (default: the user data dir)")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"],
                   help="auto: bf16 on GPUs that have it, else fp16 with a scaler; fp32 everywhere else")
    p.add_argument("--no-word-case", dest="word_case", action="store_false",
                   help="NER on a lowercasing base model: do not feed each word's case to the model")
    p.add_argument("--pooling", default="auto", choices=["auto", "cls", "mean"],
                   help="sentiment: classify from [CLS] or the mean of the pieces (auto: as the base model was trained)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="end with one JSON line summarizing the run")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    project = pathlib.Path(args.project)
    if not project.is_file():
        raise UserError(f"{project}: no such project file")
    from workbench.training.config import TrainConfig
    from workbench.training.loop import train
    config = TrainConfig(
        store_path=project, task=args.task, base_model=args.base_model, epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, max_length=args.max_length, max_train_docs=args.max_train_docs,
        seed=args.seed, device=args.device, time_budget_s=args.time_budget, warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay, grad_accum=args.grad_accum, patience=args.patience,
        embeddings=args.embeddings, dropout=args.dropout, freeze_layers=args.freeze_layers,
        head_lr_scale=args.head_lr_scale, weight_average=args.weight_average, length_group=args.length_group,
        max_eval_docs=args.max_eval_docs or None, output_dir=args.output_dir, precision=args.precision,
        word_case=args.word_case, pooling=args.pooling,
    )
    result = train(config, on_progress=Printer(quiet=args.quiet))
    print_result(result, as_json=args.json)
    return 0 if result.status in ("done", "cancelled") else 1


def print_result(result, as_json: bool) -> None:  # noqa: ANN001 - a workbench.training.events.RunResult
    """The run's reports and summary on stdout; with ``as_json`` one JSON object as the last line."""
    from workbench.training.metrics import format_report

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

    def __call__(self, p) -> None:  # noqa: ANN001 - a workbench.training.events.Progress
        if self.quiet:
            return
        now = time.monotonic()
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
