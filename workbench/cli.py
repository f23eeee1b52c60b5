"""``workbench-cli``: headless commands over the same core the app uses.

Each command lives in a module of ``workbench.commands`` with
``register(subparsers)``; the module is imported only when listed here, and
heavy libraries (torch, transformers) only when its command runs.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import sys
from typing import Sequence

from workbench.errors import UserError
from workbench.jobs import Cancelled
from workbench.store import StoreError
from workbench.store.errors import describe

COMMAND_MODULES = [
    "workbench.commands.store_cmds",
    "workbench.commands.train",
    "workbench.commands.predict",
    "workbench.commands.bundle",
    "workbench.commands.runs_cmd",
    "workbench.commands.apply_cmd",
    "workbench.commands.export_model_cmd",
    "workbench.commands.serve_cmd",
    "workbench.commands.dictionary_cmd",
    "workbench.commands.learning_curve_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench-cli", description="Text workbench, headless.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args) or 0)
    except (UserError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        project = getattr(args, "project", "")
        print(f"error: {describe(project, exc) if project else f'database problem: {exc}'}", file=sys.stderr)
        return 1
    except Cancelled as exc:
        # not an error (workbench/jobs.py): the user stopped it; the exit code of Ctrl+C
        print(f"cancelled: {exc}" if str(exc) != "cancelled" else "cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    try:
        code = _run(args)
        sys.stdout.flush()   # a reader that has gone shows here, inside the handler below
        return code
    except BrokenPipeError:
        # `workbench-cli stats p.db | head -1`: the reader stopped early, which is not an error
        # of ours.  The Python docs' recipe: point stdout at devnull, so the interpreter's own
        # flush at exit does not fail a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
