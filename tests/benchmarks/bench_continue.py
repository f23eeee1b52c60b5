"""Continuing from a run against starting again: dev F1 and wall time.  Prints figures, asserts nothing.

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_continue.py [--first 1000] [--more 1000]

On CoNLL-2003 (the whole train file in one project, the whole dev file scored), with the
app's default settings and the same seed for every run:

  1. train from the bundled base model on the first ``--first`` sentences (``--max-train-docs``);
  2. "add" ``--more`` sentences (``--max-train-docs first+more``) and continue from run 1
     (``--from-run``: its weights, half the default epochs);
  3. the peer, in the same run: all ``first+more`` sentences from the base model.

Goal (issue #17): step 2 reaches step 3's dev F1 in at most half its wall time.  Each run is
its own ``workbench-cli train`` process; the wall time is the run's own (model loading,
tokenizing, training, scoring, saving), as the CLI's ``--json`` reports it.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))

from bench_training import build_project, run_project  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--first", type=int, default=1000)
    ap.add_argument("--more", type=int, default=1000)
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/workbench-bench"))
    ap.add_argument("--extra", default="", help="more train flags for every run (e.g. '--epochs 3')")
    ap.add_argument("--continue-args", default="", help="more train flags for the continued run only")
    ap.add_argument("--parent", type=int, help="reuse this finished run of the cached project as step 1")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "WORKBENCH_HOME": str(args.workdir / "home"), "PYTHONPATH": str(ROOT)}
    project = build_project("ner", args.workdir)
    extra = args.extra.split()
    total = args.first + args.more
    print(f"CoNLL-2003, {os.cpu_count()} CPU cores (AMD EPYC with AVX-512 BF16); project {project}")
    first = _earlier(project, args.parent) if args.parent else run_project("ner", project, args.first, env, extra)
    print(_line(f"1. base -> {args.first:,} sentences", first))
    cont = run_project("ner", project, total, env, ["--from-run", str(first["run_id"]), *extra,
                                                    *args.continue_args.split()])
    print(_line(f"2. run {first['run_id']} -> {total:,} (continued)", cont))
    fresh = run_project("ner", project, total, env, extra)
    print(_line(f"3. base -> {total:,} sentences (peer)", fresh))
    print(f"continued vs from the base model: dev F1 {cont['dev_f1']:.4f} vs {fresh['dev_f1']:.4f} "
          f"({cont['dev_f1'] - fresh['dev_f1']:+.4f}); wall time {cont['wall_seconds']:.0f} s vs "
          f"{fresh['wall_seconds']:.0f} s (ratio {cont['wall_seconds'] / fresh['wall_seconds']:.2f}; goal <= 0.50); "
          f"with run 1's time too: {(first['wall_seconds'] + cont['wall_seconds']) / fresh['wall_seconds']:.2f}")
    return 0


def _earlier(project: pathlib.Path, run_id: int) -> dict:
    """Step 1's figures from a run already in the project (its row; the load was not recorded)."""
    sys.path.insert(0, str(ROOT))
    from workbench.store import Store
    from workbench.training.runs import get_run

    with Store(project) as store:
        row = get_run(store, run_id)
    s = row.metrics["summary"]
    return {"run_id": run_id, "dev_f1": row.metrics["dev"]["f1"], "epochs": s["epochs"], "steps": s["steps"],
            "wall_seconds": row.seconds, "train_seconds": s["train_seconds"], "load": "(earlier run)"}


def _line(name: str, r: dict) -> str:
    return (f"{name:<34} dev F1 {r['dev_f1']:.4f}  {r['epochs']:.2f} epochs, {r['steps']} steps, "
            f"wall {r['wall_seconds']:.0f} s (training {r['train_seconds']:.0f} s)  load {r['load']}")


if __name__ == "__main__":
    sys.exit(main())
