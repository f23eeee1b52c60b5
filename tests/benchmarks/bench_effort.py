"""Effort to a good model: a simulated annotator with gold labels, with the model in the loop
against labeling from scratch.  Prints figures, asserts nothing (issue #18, section 5).

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_effort.py
        [--task ner,sentiment] [--mode loop,baseline] [--pool 4000] [--dev-sample 1000] [--max-rounds 30]
        [--max-minutes 16] [--budget 30] [--pace 10] [--steps 250,500,1000,1500,2000] [--seed 13] [--quick]

For each data set (CoNLL-2003 NER, SST-2), in a real project (workbench/store) holding the
first ``--pool`` training documents imported unlabeled and a fixed seeded ``--dev-sample`` of
the dev file as the dev split:

- loop: from 0 labels, each round the annotator takes the next ``--round`` documents from the
  app's queue (``inference/queue.next_uncertain`` on the suggestion run's cached predictions
  once there is one, else import order), sees the suggestion run's predictions pre-filled
  (``inference/cache``; no dictionaries), corrects them to gold and accepts them
  (``Store.set_spans`` / ``set_class``, as the Annotate screen does); then the app's background
  learner (workbench/learning/) runs a round when its policy says one is due (effort_learner.py:
  ``--budget`` seconds of training a round, a person's ``--pace`` per document on its clock);
- baseline: the same annotator labels in import order with nothing pre-filled, and a fresh
  default training runs at each of ``--steps`` label counts; the first reaching a target counts.

Edits (effort_sim.span_edits): span added, removed, relabeled, boundary changed, one each (a
span both relabeled and moved: two); a class changed or missing: one.  Targets: CoNLL dev F1
0.80 and 0.85, SST-2 dev accuracy 0.85.  Goal: the loop reaches F1 0.85 with half the baseline's
edits.  Published anchor: Shen et al., ICLR 2018: deep active learning reaches 99% of full-data
F1 with about 25% of the labels.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE)]

from effort_learner import BackgroundLearner, fresh_training  # noqa: E402
from effort_sim import Annotator, Edits, build_project, open_project  # noqa: E402
from workbench.learning import task_state  # noqa: E402

# the targets (CoNLL F1 0.80 and 0.85, SST-2 accuracy 0.85) and a lower one each, reached
# inside a short run, so that a ratio is measured even where the run stops before the goal
TARGETS = {"ner": ("f1", (0.75, 0.80, 0.85)), "sentiment": ("accuracy", (0.80, 0.85))}
NAMES = {"ner": "CoNLL-2003", "sentiment": "SST-2"}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    flags = next((line for line in open("/proc/cpuinfo") if line.startswith("flags")), "")
    return f"{model}, {os.cpu_count()} cores, AVX-512 BF16 {'yes' if 'avx512_bf16' in flags else 'no'}"


def load() -> float:
    return round(os.getloadavg()[0], 2)


def run_loop(task: str, args: argparse.Namespace) -> dict:
    metric, targets = TARGETS[task]
    path = args.workdir / f"loop-{task}.db"
    saved = path.with_suffix(".json")     # the loop's figures after each round, for --resume
    state = json.loads(saved.read_text()) if args.resume and saved.exists() else None
    store, gold = (open_project(task, path, args.pool) if state else
                   build_project(task, path, args.pool, args.dev_sample, args.seed))
    annotator = Annotator(store, task, gold)
    learner = BackgroundLearner(path, task, metric, budget_s=args.budget, pace_s=args.pace, seed=args.seed)
    reached: dict[float, tuple[int, int]] = {}
    best, done, before_s = 0.0, 0, 0.0
    if state:   # go on where a run stopped: its counts, and the learner's clock where it was
        annotator.labeled, annotator.edits = state["labels"], Edits(**state["edits"])
        reached = {float(t): tuple(v) for t, v in state["reached"].items()}
        done, before_s = state["rounds"], state["wall_s"]
        learner.clock_s = float((task_state(store, task).get("last") or {}).get("finished_at") or 0.0)
        print(f"-- resumed after round {done}: {annotator.labeled} labels, {annotator.edits.total} edits", flush=True)
    t0, l0 = time.perf_counter() - before_s, load()
    print(f"-- {NAMES[task]} loop: pool {args.pool:,}, dev {args.dev_sample}, rounds of {args.round}, "
          f"learner budget {args.budget:.0f} s a round, pace {args.pace:.0f} s a document, seed {args.seed}",
          flush=True)
    for rnd in range(done + 1, args.max_rounds + 1):
        run_id, names = learner.current(store)
        batch = annotator.label(args.round, run_id, names)
        learner.labeled(args.round)
        up = learner.after_labeling(store)
        suggester, _ = learner.current(store)
        best = learner.score(store, suggester) or 0.0     # the model now suggesting
        for t in targets:
            if t not in reached and best >= t:
                reached[t] = (annotator.labeled, annotator.edits.total)
        e = annotator.edits
        said = (f"run {up.run_id} dev {metric} {'-' if up.score is None else f'{up.score:.4f}'}"
                f"{' now suggests' if up.replaced else ''} (round {up.seconds:.0f} s, training {up.train_s:.0f} s)"
                if up.due else "no round")
        print(f"round {rnd:>2}: {annotator.labeled:>5} labels, edits {batch.total:>4} / {e.total:>5} (add {e.added}, "
              f"remove {e.removed}, relabel {e.relabeled}, boundary {e.boundary}, class {e.class_changed}); {said}; "
              f"suggester {suggester} {best:.4f}; t {time.perf_counter() - t0:.0f} s, load {load()} {up.note}",
              flush=True)
        saved.write_text(json.dumps({"labels": annotator.labeled, "edits": dataclasses.asdict(e), "rounds": rnd,
                                     "reached": reached, "wall_s": time.perf_counter() - t0}))
        if len(reached) == len(targets) or time.perf_counter() - t0 > args.max_minutes * 60:
            break
    store.close()
    return {"reached": reached, "labels": annotator.labeled, "edits": annotator.edits.total, "best": best,
            "wall_s": time.perf_counter() - t0, "load": (l0, load())}


def run_baseline(task: str, args: argparse.Namespace) -> dict:
    metric, targets = TARGETS[task]
    path = args.workdir / f"baseline-{task}.db"
    store, gold = build_project(task, path, args.pool, args.dev_sample, args.seed)
    annotator = Annotator(store, task, gold)
    reached: dict[float, tuple[int, int]] = {}
    t0, l0 = time.perf_counter(), load()
    best = 0.0
    print(f"-- {NAMES[task]} baseline: labels in import order, fresh default training at {args.steps}", flush=True)
    for n in [int(s) for s in args.steps.split(",")]:
        annotator.label(n - annotator.labeled)
        r = fresh_training(path, task, metric, seed=args.seed, runs_dir=args.workdir / f"runs-base-{task}")
        best = max(best, r["score"])
        for t in targets:
            if t not in reached and r["score"] >= t:
                reached[t] = (annotator.labeled, annotator.edits.total)
        print(f"{annotator.labeled:>5} labels, edits {annotator.edits.total:>5}: run {r['run_id']} dev {metric} "
              f"{r['score']:.4f} ({r['epochs']:.1f} epochs, best {r['best_epoch']}, {r['wall_s']:.0f} s)  "
              f"t {time.perf_counter() - t0:.0f} s load {load()}", flush=True)
        if len(reached) == len(targets) or annotator.labeled >= args.pool:
            break
    store.close()
    result = {"reached": reached, "labels": annotator.labeled, "edits": annotator.edits.total, "best": best,
              "wall_s": time.perf_counter() - t0, "load": (l0, load())}
    path.with_suffix(".json").write_text(json.dumps(result))
    return result


def saved_baseline(task: str, args: argparse.Namespace) -> dict | None:
    """With --resume: the figures a finished baseline of the same settings left, or None."""
    path = args.workdir / f"baseline-{task}.json"
    if not args.resume or not path.exists():
        return None
    result = json.loads(path.read_text())
    result["reached"] = {float(t): tuple(v) for t, v in result["reached"].items()}
    print(f"-- {NAMES[task]} baseline: the figures of the earlier run ({path})", flush=True)
    return result


def table(results: dict) -> str:
    lines = [f"{'data set':<11} {'target':<14} {'loop labels':>11} {'loop edits':>10} {'base labels':>11} "
             f"{'base edits':>10} {'edit ratio':>10}"]
    for task, modes in results.items():
        metric, targets = TARGETS[task]
        for t in targets:
            cells = []
            for mode in ("loop", "baseline"):
                r = modes.get(mode)
                if r is None:
                    cells.append(("-", "-"))
                elif t in r["reached"]:
                    cells.append((f"{r['reached'][t][0]:,}", f"{r['reached'][t][1]:,}"))
                else:
                    cells.append((f">{r['labels']:,}", f">{r['edits']:,}"))
            ratio = "-"
            if all(m in modes and t in modes[m]["reached"] for m in ("loop", "baseline")):
                ratio = f"{modes['loop']['reached'][t][1] / modes['baseline']['reached'][t][1]:.2f}"
            lines.append(f"{NAMES[task]:<11} {metric + ' ' + format(t, '.2f'):<14} {cells[0][0]:>11} {cells[0][1]:>10} "
                         f"{cells[1][0]:>11} {cells[1][1]:>10} {ratio:>10}")
        for mode, r in modes.items():
            lines.append(f"  {mode}: best dev {metric} {r['best']:.4f} at {r['labels']:,} labels, wall "
                         f"{r['wall_s'] / 60:.1f} min, load {r['load'][0]} -> {r['load'][1]}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", default="ner,sentiment", help="ner, sentiment or both (comma-separated)")
    ap.add_argument("--mode", default="loop,baseline")
    ap.add_argument("--pool", type=int, default=4000, help="first N training documents, imported unlabeled")
    ap.add_argument("--dev-sample", type=int, default=1000, help="seeded sample of the dev file (0: all of it)")
    ap.add_argument("--round", type=int, default=50, help="documents labeled between two retrainings")
    ap.add_argument("--max-rounds", type=int, default=30)
    ap.add_argument("--max-minutes", type=float, default=16, help="stop a loop after this much wall time")
    ap.add_argument("--budget", type=float, default=30, help="the learner's time limit per round (seconds)")
    ap.add_argument("--pace", type=float, default=10, help="simulated seconds a person takes per document")
    ap.add_argument("--steps", default="250,500,1000,1500,2000", help="baseline label counts")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/workbench-effort"))
    ap.add_argument("--resume", action="store_true",
                    help="go on with the loop a stopped run left, and take a finished baseline's figures")
    ap.add_argument("--quick", action="store_true", help="a smoke check: small pool, 3 rounds, 2 baseline steps")
    args = ap.parse_args()
    if args.quick:
        args.pool, args.dev_sample, args.max_rounds, args.budget = 400, 200, 3, 15
        args.steps, args.max_minutes = "100,150", 5
        args.workdir = args.workdir / "quick"     # never over a real run's projects
    args.dev_sample = args.dev_sample or None
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("WORKBENCH_HOME", str(args.workdir / "home"))
    print(f"machine: {machine()}; the app trains in bf16 where the CPU has it; load at start {load()}", flush=True)
    t0 = time.perf_counter()
    results: dict = {}
    for task in [t.strip() for t in args.task.split(",") if t.strip()]:
        results[task] = {}
        for mode in [m.strip() for m in args.mode.split(",") if m.strip()]:
            if mode == "loop":
                results[task][mode] = run_loop(task, args)
            else:
                results[task][mode] = saved_baseline(task, args) or run_baseline(task, args)
    print()
    print(table(results))
    print(f"seed {args.seed}; pool {args.pool:,}; dev sample {args.dev_sample or 'all'}; rounds of {args.round}; "
          f"whole benchmark {(time.perf_counter() - t0) / 60:.1f} min; load at end {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
