"""Few-shot benchmark: SST-2 with 8, 16, 32 and 64 labels per class, the project's default Train
against the peer HF Trainer's full fine-tuning on the same labels, in one run.

For each size and seed (13, 7, 21) the labels are drawn from the shared SST-2 train file (that
many of each class, seeded), put into a project with the whole dev file (872 sentences) as its
dev split, and trained by ``workbench-cli train`` with its defaults (``--method auto``: few-shot
where the measured threshold says so; ``--method`` picks one for the threshold's measurement),
then by ``../shared/bench/peer_hf_trainer.py`` with its own defaults (1 epoch, batch 16, lr 5e-5)
on the same sentences.  Both are scored on the whole dev file.  Each side runs in its own process.

Printed per size: the project's dev accuracy (mean and each seed) with the method it took, the
peer's, wall seconds of each, and the load average.  Goals (issue #18): >= 0.80 at 16 per class,
>= 10 points above the peer at 8 and 16 per class, never below the peer at 64.  The CPU here is
an AMD EPYC with 2 cores and AVX-512 BF16 (the project trains in bf16 autocast on it).

Usage:  flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_fewshot.py
        [--sizes 8,16,32,64] [--seeds 13,7,21] [--method auto|fewshot|finetune] [--no-peer]
        [--train-args "--max-eval-docs 200"] [--workdir DIR] [--json OUT.json]
This is a script that prints figures, not a timed test.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from shared_data import SHARED_DATA  # noqa: E402

PEER = SHARED_DATA.parent / "bench" / "peer_hf_trainer.py"
TRAIN, DEV = SHARED_DATA / "sst2" / "train.tsv", SHARED_DATA / "sst2" / "dev.tsv"
CLASSES = {"0": "negative", "1": "positive"}
GOALS = "goals: >= 0.80 at 16/class; >= peer + 0.10 at 8 and 16/class; >= peer at 64/class"


def read_tsv(path: pathlib.Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if text:
            rows.append((label, text))
    return rows


def draw(rows: list[tuple[str, str]], per_class: int, seed: int) -> list[tuple[str, str]]:
    """``per_class`` sentences of each class, seeded; in a shuffled order."""
    rng = random.Random(seed)
    out = []
    for label in sorted(CLASSES):
        out += rng.sample([r for r in rows if r[0] == label], per_class)
    rng.shuffle(out)
    return out


def make_project(folder: pathlib.Path, train: list[tuple[str, str]], dev: list[tuple[str, str]]) -> pathlib.Path:
    sys.path.insert(0, str(ROOT))
    from workbench.store import NewDocument, Store

    path = folder / "project.db"
    with Store.create(path, ["sentiment"], [], list(CLASSES.values())) as store:
        for split, rows in (("train", train), ("dev", dev)):
            store.add_documents([NewDocument(text=t, split=split, classes={"sentiment": CLASSES[y]}) for y, t in rows])
    return path


def run_json(cmd: list[str], env: dict[str, str]) -> tuple[dict, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="8,16,32,64")
    ap.add_argument("--seeds", default="13,7,21")
    ap.add_argument("--method", default="auto", choices=("auto", "fewshot", "finetune"))
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--train-args", default="", help="more flags for workbench-cli train (\"--max-eval-docs 200\")")
    ap.add_argument("--workdir", type=pathlib.Path, default=None)
    ap.add_argument("--json", type=pathlib.Path, default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    train_rows, dev_rows = read_tsv(TRAIN), read_tsv(DEV)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "WORKBENCH_HOME": tempfile.mkdtemp(prefix="bench-fewshot-home-")}
    print(f"SST-2: {len(train_rows)} train, {len(dev_rows)} dev sentences; project --method {args.method}; "
          f"{os.cpu_count()} CPUs (AMD EPYC, AVX-512 BF16); load {os.getloadavg()[0]:.2f}", flush=True)
    print(GOALS, flush=True)
    results = []
    work = args.workdir or pathlib.Path(tempfile.mkdtemp(prefix="bench-fewshot-"))
    for size in sizes:
        for seed in seeds:
            folder = work / f"k{size}-s{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            labels = draw(train_rows, size, seed)
            project = make_project(folder, labels, dev_rows) if not (folder / "project.db").exists() \
                else folder / "project.db"
            load = os.getloadavg()[0]
            mine, mine_wall = run_json([sys.executable, "-m", "workbench.cli", "train", str(project), "--task",
                                        "sentiment", "--method", args.method, "--seed", str(seed), "--quiet",
                                        "--json", *args.train_args.split()], env)
            row = {"per_class": size, "seed": seed, "load": round(load, 2), "method": mine["method"],
                   "why": mine.get("method_why", ""), "project_acc": mine["dev_accuracy"],
                   "project_wall_s": round(mine_wall, 1), "project_train_s": mine["train_seconds"]}
            if not args.no_peer:
                tsv = folder / "train.tsv"
                tsv.write_text("".join(f"{y}\t{t}\n" for y, t in labels), encoding="utf-8")
                peer, peer_wall = run_json([sys.executable, str(PEER), "sentiment", "--train", str(tsv), "--dev",
                                            str(DEV), "--max-train", str(len(labels)), "--max-dev",
                                            str(len(dev_rows)), "--seed", str(seed)], env)
                row.update(peer_acc=peer["dev_accuracy"], peer_wall_s=round(peer_wall, 1), peer_epochs=peer["epochs"])
            row["load_after"] = round(os.getloadavg()[0], 2)
            results.append(row)
            print(json.dumps(row), flush=True)
    print("\nper class | project acc mean (seeds) [method] | peer acc mean (seeds) | wall s project / peer | load")
    for size in sizes:
        rows = [r for r in results if r["per_class"] == size]
        mine = [r["project_acc"] for r in rows]
        line = (f"{size:9d} | {statistics.mean(mine):.4f} ({', '.join(f'{a:.4f}' for a in mine)}) "
                f"[{'/'.join(sorted({r['method'] for r in rows}))}]")
        if not args.no_peer:
            peer = [r["peer_acc"] for r in rows]
            line += (f" | {statistics.mean(peer):.4f} ({', '.join(f'{a:.4f}' for a in peer)}) "
                     f"| {statistics.mean(r['project_wall_s'] for r in rows):.0f} / "
                     f"{statistics.mean(r['peer_wall_s'] for r in rows):.0f}")
        else:
            line += f" | - | {statistics.mean(r['project_wall_s'] for r in rows):.0f} / -"
        line += f" | {min(r['load'] for r in rows):.2f}-{max(r['load_after'] for r in rows):.2f}"
        print(line, flush=True)
    print(f"seeds {seeds}; dev: all {len(dev_rows)} sentences; peer: its defaults (1 epoch, batch 16, lr 5e-5)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
