"""Training benchmark: the project's ``workbench-cli train`` against the peer HF Trainer, alternated in one run.

Same base model (the bundled MiniLM), same first 2,000 training sentences of
CoNLL-2003 and of SST-2, same batch size and epochs, both scored on the whole
shared dev file.  Each side runs in its own process; the two alternate
``--repeats`` times (default 3; the side that goes first swaps every pair) so
that a machine whose load changes meanwhile slows both alike.  Printed:

  1. per pair, at equal epochs (``--epochs``): throughput in real (non-padding)
     tokens per second of training and the dev score of each side; then the
     median ratio of the pairs and their spread (a single pair is not evidence
     on a shared machine);
  2. time budget (unless ``--skip-budget``): the project with its *default*
     settings and ``--time-budget`` equal to the peer's median training time for
     ``--budget-epochs`` epochs (default 3).

Targets (issue #19): median tokens/s ratio >= 1.8 for both tasks with the
project's defaults; project dev score at equal epochs >= the peer's; within the
budget, CoNLL dev entity F1 >= 0.87 and SST-2 dev accuracy >= 0.87.

Usage:  flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_training.py
        [--tasks ner,sentiment] [--epochs 1] [--repeats 3] [--max-train 2000] [--batch-size 16]
        [--project-args "--precision fp32"] [--workdir DIR] [--json OUT.json]
        [--budget-s SECONDS --seeds 13,7,21]

``--budget-s`` skips the peer and gives the project that budget (a peer's time measured before)
once per seed of ``--seeds``, then prints each seed's dev score and the mean: one seed at the
budget is one draw.
This is a script that prints figures, not a timed test.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
PEER = SHARED / "bench" / "peer_hf_trainer.py"
DATA = {
    "ner": (SHARED / "data" / "conll2003" / "train.txt", SHARED / "data" / "conll2003" / "dev.txt"),
    "sentiment": (SHARED / "data" / "sst2" / "train.tsv", SHARED / "data" / "sst2" / "dev.tsv"),
}
TARGETS = {"ratio": 1.8, "ner_budget_f1": 0.87, "sentiment_budget_acc": 0.87}
ORIGINAL_ENV = dict(os.environ)


def build_project(task: str, workdir: pathlib.Path, max_dev: int | None = None) -> pathlib.Path:
    """A project holding the whole shared train file (split train) and dev file (split dev, or its
    first ``max_dev`` sentences), imported with the product's own importers; cached between runs."""
    sys.path.insert(0, str(ROOT))
    from workbench.formats import import_file
    from workbench.store import Store

    path = workdir / (f"bench-{task}.db" if max_dev is None else f"bench-{task}-dev{max_dev}.db")
    if path.exists():
        return path
    train, dev = DATA[task]
    if max_dev is not None:
        dev = _first_sentences(dev, max_dev, workdir / f"dev-{max_dev}{dev.suffix}", task)
    tmp = path.with_suffix(".tmp.db")
    for f in workdir.glob(tmp.name + "*"):
        f.unlink()
    if task == "ner":
        store = Store.create(tmp, ["ner"], ["LOC", "MISC", "ORG", "PER"])
        fmt, opts = "conll", {"unit": "sentence"}
    else:
        store = Store.create(tmp, ["sentiment"], [], ["negative", "positive"])
        fmt, opts = "csv", {"header": False, "text_column": "1", "label_column": "0",
                "label_map": {"0": "negative", "1": "positive"}}
    with store:
        import_file(store, train, fmt, split="train", **opts)
        import_file(store, dev, fmt, split="dev", **opts)
    for suffix in ("-wal", "-shm"):
        pathlib.Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.rename(path)
    return path


def _first_sentences(src: pathlib.Path, n: int, dst: pathlib.Path, task: str) -> pathlib.Path:
    """The first ``n`` sentences of a CoNLL file (blank-line separated) or TSV file (one a line)."""
    text = src.read_text(encoding="utf-8")
    parts = text.split("\n\n")[:n] if task == "ner" else text.splitlines()[:n]
    dst.write_text(("\n\n" if task == "ner" else "\n").join(parts) + "\n", encoding="utf-8")
    return dst


def _last_json(out: str) -> dict:
    for line in reversed(out.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in the output:\n" + out[-3000:])


def _run(cmd: list[str], env: dict[str, str]) -> dict:
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    out = _last_json(proc.stdout)
    out["process_seconds"] = round(time.perf_counter() - t0, 2)
    # the machine is shared: say how busy it was (1-minute load average, before and after)
    out["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return out


def run_peer(task: str, epochs: float, max_train: int, batch: int, env: dict[str, str], lr: float | None) -> dict:
    train, dev = DATA[task]
    cmd = [sys.executable, str(PEER), task, "--train", str(train), "--dev", str(dev), "--max-train", str(max_train),
           "--max-dev", "100000", "--epochs", str(epochs), "--batch-size", str(batch)]
    if lr:
        cmd += ["--lr", str(lr)]
    return _run(cmd, env)


def run_project(task: str, project: pathlib.Path, max_train: int, env: dict[str, str], extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "workbench.cli", "train", str(project), "--task", task,
           "--max-train-docs", str(max_train), "--json", "--quiet", *extra]
    return _run(cmd, env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default="ner,sentiment")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="peer / project pairs per task")
    ap.add_argument("--max-train", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--peer-lr", type=float, help="the peer's learning rate (default: its own, 5e-5)")
    ap.add_argument("--project-args", default="", help="more workbench-cli train flags for the project's runs")
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/workbench-bench"))
    ap.add_argument("--skip-budget", action="store_true")
    ap.add_argument("--budget-epochs", type=int, default=3)
    ap.add_argument("--budget-s", type=float, help="only the budget runs, with this budget (no peer)")
    ap.add_argument("--seeds", default="13", help="seeds of the --budget-s runs")
    ap.add_argument("--json", type=pathlib.Path, help="also write all figures here")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Both sides get the environment this script was started with: the peer runs as a
    # practitioner would run it.  (The project sets its own OpenMP wait policy inside workbench-cli.)
    env = {**ORIGINAL_ENV, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "WORKBENCH_HOME": str(args.workdir / "home"), "PYTHONPATH": str(ROOT)}
    figures: dict = {"machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()}, "tasks": {}}
    equal = ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--patience", "0",
             *args.project_args.split()]
    if args.budget_s:
        return budget_seeds(args, env)
    for task in [t.strip() for t in args.tasks.split(",") if t.strip()]:
        project = build_project(task, args.workdir)
        print(f"== {task}: {args.max_train} training sentences, batch {args.batch_size}, {args.epochs} epochs, "
              f"{args.repeats} pairs", flush=True)
        pairs = []
        for i in range(args.repeats):
            sides = {}
            for side in (("peer", "project") if i % 2 == 0 else ("project", "peer")):
                if side == "peer":
                    sides[side] = run_peer(task, args.epochs, args.max_train, args.batch_size, env, args.peer_lr)
                else:
                    sides[side] = run_project(task, project, args.max_train, env, equal)
                print(f"{side}: {json.dumps(sides[side])}", flush=True)
            sides["ratio"] = sides["project"]["tokens_per_s"] / sides["peer"]["tokens_per_s"]
            pairs.append(sides)
        row: dict = {"pairs": pairs, "ratios": [p["ratio"] for p in pairs]}
        row["median_ratio"] = statistics.median(row["ratios"])
        if not args.skip_budget:
            budget = statistics.median(p["peer"]["train_seconds"] for p in pairs) * args.budget_epochs / args.epochs
            timed = run_project(task, project, args.max_train, env, ["--time-budget", f"{budget:.2f}",
                                                                     *args.project_args.split()])
            print(f"budget:  {json.dumps(timed)}", flush=True)
            row["budget_s"], row["budget"] = budget, timed
        figures["tasks"][task] = row
    print()
    print(_table(figures, args))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


def budget_seeds(args: argparse.Namespace, env: dict[str, str]) -> int:
    """The project with its defaults and a fixed time budget, once per seed; each score and the mean."""
    lines, runs = [], {}
    for task in [t.strip() for t in args.tasks.split(",") if t.strip()]:
        project = build_project(task, args.workdir)
        key = "dev_f1" if task == "ner" else "dev_accuracy"
        for seed in args.seeds.split(","):
            timed = run_project(task, project, args.max_train, env, ["--time-budget", f"{args.budget_s:.2f}",
                                                                     "--seed", seed, *args.project_args.split()])
            print(f"budget, seed {seed}: {json.dumps(timed)}", flush=True)
            runs.setdefault(task, []).append(timed)
            lines.append(_line(task, f"seed {seed}", timed, f"   (limit {args.budget_s:.1f} s)"))
        scores = [r[key] for r in runs[task]]
        lines.append(f"{task}: dev {key} at the {args.budget_s:.1f} s budget, mean {statistics.mean(scores):.4f} "
                     f"over seeds {args.seeds} ({', '.join(f'{x:.4f}' for x in scores)})")
    print()
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    return 0


def _line(task: str, side: str, r: dict, note: str = "") -> str:
    return (f"{task:<10} {side:<8} {r['tokens_per_s']:9.1f} {r['train_seconds']:8.1f} {float(r['epochs']):6.2f} "
            f"{r['dev_f1']:7.4f} {r['dev_accuracy']:7.4f}  {r['load']}{note}")


def _table(figures: dict, args: argparse.Namespace) -> str:
    lines = [f"{'task':<10} {'side':<8} {'tokens/s':>9} {'train s':>8} {'epochs':>6} {'dev F1':>7} {'dev acc':>7}"
             f"  load (before, after)"]
    verdicts = []
    for task, row in figures["tasks"].items():
        for i, pair in enumerate(row["pairs"], 1):
            lines.append(_line(task, "peer", pair["peer"]))
            lines.append(_line(task, "project", pair["project"], f"   pair {i}: ratio {pair['ratio']:.2f}"))
        if "budget" in row:
            lines.append(_line(task, "budget", row["budget"], f"   (limit {row['budget_s']:.1f} s, whole training "
                                                              f"loop {row['budget'].get('loop_seconds', 0):.1f} s)"))
        ratio, ratios = row["median_ratio"], row["ratios"]
        key = "dev_f1" if task == "ner" else "dev_accuracy"
        ours = statistics.median(p["project"][key] for p in row["pairs"])
        peers = statistics.median(p["peer"][key] for p in row["pairs"])
        verdicts.append(f"{task}: tokens/s ratio median {ratio:.2f} over {len(ratios)} pairs (spread "
                        f"{min(ratios):.2f}-{max(ratios):.2f}; target >= {TARGETS['ratio']}) "
                        f"{'OK' if ratio >= TARGETS['ratio'] else 'MISSED'}; equal-epoch dev {key} median "
                        f"{ours:.4f} vs peer {peers:.4f} {'OK' if ours >= peers else 'MISSED'}")
        if "budget" in row:
            want = TARGETS["ner_budget_f1"] if task == "ner" else TARGETS["sentiment_budget_acc"]
            got = row["budget"][key]
            verdicts.append(f"{task}: within {row['budget_s']:.1f} s (peer's {args.budget_epochs} epochs) dev {key} "
                            f"{got:.4f} (target >= {want}) {'OK' if got >= want else 'MISSED'}")
    return "\n".join(lines + [""] + verdicts)


if __name__ == "__main__":
    sys.exit(main())
