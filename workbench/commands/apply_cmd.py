"""``workbench-cli apply | apply-merge``: a finished run's predictions for a file of texts.

- ``apply``: each row of a CSV/TSV (a text column), JSON Lines (a text key) or text file (one
  text per line) with the run's prediction, written as CSV/TSV or JSON Lines (by the output's
  extension); streamed, so the file may be larger than memory.  ``--shard i/K`` does every
  K-th row, for K machines or processes.
- ``apply-merge``: the shards' outputs merged back into the one file a single run writes.

Progress goes to stderr, the summary to stdout.  torch loads only when a command runs.
"""
from __future__ import annotations

import argparse
import json
import sys

from workbench import tasks as task_registry
from workbench.commands import existing_project
from workbench.commands.predict import _Progress, note_broken
from workbench.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("apply", help="predict every row of a CSV, JSON Lines or text file with a run",
                       description="Write OUTPUT: every row of INPUT with the run's prediction (sentiment: the "
                                   "class and its probability; NER: the spans as JSON and, in CSV, a readable "
                                   "'entities' column).  INPUT: .csv/.tsv with a header, .jsonl, or .txt with "
                                   "one text per line.  OUTPUT: .csv, .tsv or .jsonl.")
    p.add_argument("project", help="the project file (.db)")
    p.add_argument("input", help="the texts: .csv/.tsv (a text column), .jsonl (a text key) or .txt (one per line)")
    p.add_argument("-o", "--output", required=True,
                   help="the file to write (.csv, .tsv or .jsonl); with --shard, {shard} in the name becomes i")
    p.add_argument("--run", type=int, help="run id (default: the newest finished run of --task)")
    p.add_argument("--task", choices=task_registry.names(), help="with no --run: which task's newest run")
    p.add_argument("--text-column", help="the column (CSV) or key (JSON Lines) holding the text (default: text)")
    p.add_argument("--all-scores", action="store_true", help="also every class's probability (p_<class> columns)")
    p.add_argument("--skip-bad", action="store_true",
                   help="leave out bad rows (empty text, not UTF-8, broken JSON) and count them, instead of "
                        "stopping at the first")
    p.add_argument("--shard", metavar="i/K",
                   help="only rows i, i+K, i+2K, ... (i from 0); 'torchrun': RANK/WORLD_SIZE.  Each row is led "
                        "by its input line (_line); join the parts with apply-merge")
    p.add_argument("--prefix", default="", help="put this before the prediction's column names (such as pred_)")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument("--exact", action="store_true",
                   help="full precision (the fp32 ONNX export, checked against torch) instead of its int8 copy")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--json", action="store_true", help="the summary as one JSON object")
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("apply-merge", help="merge the outputs of apply --shard into one file",
                       description="Rows in input order, the _line column dropped: the file one unsharded "
                                   "apply writes.")
    p.add_argument("output", help="the merged file (.csv, .tsv or .jsonl, as the parts)")
    p.add_argument("parts", nargs="+", help="the shards' outputs, in any order")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.set_defaults(func=cmd_merge)


def cmd_apply(args: argparse.Namespace) -> int:
    from workbench.inference.apply_job import WHOLE, apply_job, parse_shard

    if args.batch_size < 1:
        raise UserError("--batch-size must be 1 or more")
    project = existing_project(args.project)
    shard = parse_shard(args.shard) if args.shard else WHOLE
    output = args.output.replace("{shard}", str(shard.index))
    note_broken(project, args.run, args.task)
    s = apply_job(project, args.run, args.input, output, task=args.task, text_column=args.text_column,
                  all_scores=args.all_scores, skip_bad=args.skip_bad, shard=shard, prefix=args.prefix,
                  overwrite=args.overwrite, device=args.device, exact=args.exact, batch_size=args.batch_size,
                  progress=_Progress(args.quiet))
    if args.json:
        print(json.dumps({"run_id": s.run_id, "task": s.task, "input": s.input, "output": s.output,
                          "engine": s.engine, "shard": s.shard, "rows": s.rows, "skipped": s.skipped,
                          "problems": s.problems, "seconds": round(s.seconds, 3),
                          "rows_per_s": round(s.per_second, 1)}))
        return 0
    for problem in s.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if s.skipped > len(s.problems):
        print(f"skipped: ... and {s.skipped - len(s.problems):,} more", file=sys.stderr)
    shard = "" if s.shard == str(WHOLE) else f" (shard {s.shard})"
    print(f"run {s.run_id} ({s.task}, {s.engine}) applied to {_rows(s.rows)} of {s.input}{shard} in "
          f"{s.seconds:.1f} s ({s.per_second:,.0f} rows/s); wrote {s.output}"
          + (f"; skipped {_rows(s.skipped, 'bad ')}" if s.skipped else ""))
    return 0


def _rows(n: int, kind: str = "") -> str:
    return f"{n:,} {kind}row{'' if n == 1 else 's'}"


def cmd_merge(args: argparse.Namespace) -> int:
    from workbench.inference.apply_shards import merge_shards

    rows = merge_shards(args.parts, args.output, overwrite=args.overwrite)
    print(f"merged {len(args.parts)} parts: {_rows(rows)} in input order; wrote {args.output}")
    return 0
