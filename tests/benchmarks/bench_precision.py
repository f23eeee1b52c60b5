"""Precision and fine-tuning benchmark: the same run in fp32 and bf16, full and LoRA, several seeds.

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_precision.py \\
        [--tasks ner,sentiment] [--precisions fp32,bf16] [--finetune full,lora] [--seeds 13,7,21] \\
        [--epochs 3] [--batch-size 16] [--max-train 2000] [--max-dev N] [--base-model bert-base-random] \\
        [--device cpu|cuda] [--extra "--lr 5e-4"]

Trains ``workbench-cli train`` on the training benchmark's projects (bench_training.py: the
first --max-train sentences of the shared CoNLL-2003 / SST-2 train files, scored on the shared
dev file, or its first --max-dev sentences), once per seed x precision x fine-tuning mode,
the variants alternated inside each seed so that a machine that gets busier meanwhile
slows all of them.  Prints one line per run (tokens/s; resident memory in MB: before the first
step, the training loop's peak, its growth over the footprint before the first step, and the
process's peak (peak_cli.py says how each is read); dev score; the 1-minute load average before
and after) and then, per task and variant, the median and
spread of tokens/s and the mean dev score, with the ratio to the first variant.

``--base-model bert-base-random`` trains a BERT-base-sized model (12 layers, 768 wide, the
bundled model's vocabulary) built from its config with random weights: its throughput and
memory are a base model's; its scores mean nothing.  Prints figures; asserts nothing.
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

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_training import ROOT, build_project  # noqa: E402


def random_base_model(folder: pathlib.Path) -> pathlib.Path:
    """A BERT-base-sized model (110 M parameters) with the bundled model's tokenizer, random weights."""
    if (folder / "model.safetensors").is_file():
        return folder
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from workbench.paths import default_base_model_dir

    tokenizer = AutoTokenizer.from_pretrained(str(default_base_model_dir()), trust_remote_code=False)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=768, num_hidden_layers=12,
                        num_attention_heads=12, intermediate_size=3072, pad_token_id=tokenizer.pad_token_id)
    tokenizer.save_pretrained(str(folder))
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    return folder


def run(args: list[str], env: dict[str, str]) -> dict:
    """One ``workbench-cli train`` process: its JSON summary, its resident memory (MB: before the first
    step, the training loop's peak, the peak of the final scoring and save, the process's peak), the load."""
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / "peak_cli.py"), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"train {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    summary["process_seconds"] = round(time.perf_counter() - t0, 1)
    summary["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    memory = [json.loads(line.split(None, 1)[1]) for line in proc.stderr.splitlines() if line.startswith("MEMORY_KB ")]
    for key, kb in (memory[-1] if memory else {}).items():
        summary[f"{key}_mb"] = round(kb / 1024, 1)
    if "loop_peak_mb" in summary:
        summary["loop_growth_mb"] = round(summary["loop_peak_mb"] - summary["before_loop_mb"], 1)
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", default="ner,sentiment")
    ap.add_argument("--precisions", default="fp32,bf16")
    ap.add_argument("--finetune", default="full")
    ap.add_argument("--seeds", default="13")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-train", type=int, default=2000)
    ap.add_argument("--max-dev", type=int, help="score on the first N dev sentences only (default: all)")
    ap.add_argument("--base-model", default="default",
                    help="default (the bundled model), a model folder, or bert-base-random")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--extra", default="", help="more workbench-cli train flags for every run")
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/workbench-bench"))
    ap.add_argument("--json", type=pathlib.Path, help="also write every run's figures here")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = args.base_model
    if base == "bert-base-random":
        base = str(random_base_model(args.workdir / "bert-base-random"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "WORKBENCH_HOME": str(args.workdir / "home"), "PYTHONPATH": str(ROOT)}
    variants = [(p, f) for f in args.finetune.split(",") for p in args.precisions.split(",")]
    rows: list[dict] = []
    print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()}; base model {args.base_model}", flush=True)
    for task in args.tasks.split(","):
        project = build_project(task, args.workdir, max_dev=args.max_dev)
        for seed in args.seeds.split(","):
            for precision, finetune in variants:
                cmd = ["train", str(project), "--task", task,
                       "--base-model", base, "--max-train-docs", str(args.max_train), "--epochs", str(args.epochs),
                       "--batch-size", str(args.batch_size), "--patience", "0", "--seed", seed,
                       "--device", args.device, "--precision", precision, "--finetune", finetune,
                       "--json", "--quiet", *args.extra.split()]
                r = run(cmd, env)
                row = {"task": task, "seed": int(seed), "precision": precision, "finetune": finetune, **r}
                rows.append(row)
                print(json.dumps({k: row.get(k) for k in ("task", "seed", "precision", "finetune", "device",
                                                      "tokens_per_s", "train_seconds", "before_loop_mb",
                                                      "loop_peak_mb", "loop_growth_mb", "file_at_loop_end_mb",
                                                      "end_peak_mb",
                                                      "process_peak_mb", "dev_f1",
                                                      "dev_accuracy", "epochs", "load")}), flush=True)
    print()
    print(table(rows, variants))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def table(rows: list[dict], variants: list[tuple[str, str]]) -> str:
    lines = [f"{'task':<10} {'variant':<11} {'runs':>4} {'tok/s median':>12} {'spread':>15} {'ratio':>6} "
             f"{'loop peak MB':>12} {'growth MB':>9} {'process MB':>10} {'dev mean':>8}  dev per seed"]
    for task in dict.fromkeys(r["task"] for r in rows):
        first = None
        for precision, finetune in variants:
            mine = [r for r in rows if r["task"] == task and r["precision"] == precision and r["finetune"] == finetune]
            if not mine:
                continue
            speeds = [r["tokens_per_s"] for r in mine]
            key = "dev_f1" if mine[0]["dev_f1"] else "dev_accuracy"
            scores = [r[key] for r in mine]
            median = statistics.median(speeds)
            first = first or median
            lines.append(f"{task:<10} {precision + '/' + finetune:<11} {len(mine):>4} {median:12.1f} "
                         f"{min(speeds):7.1f}-{max(speeds):<7.1f} {median / first:6.2f} "
                         f"{_most(mine, 'loop_peak_mb'):12.0f} {_most(mine, 'loop_growth_mb'):9.0f} "
                         f"{_most(mine, 'process_peak_mb'):10.0f} {statistics.mean(scores):8.4f}  "
                         f"{', '.join(f'{s:.4f}' for s in scores)}")
    return "\n".join(lines)


def _most(rows: list[dict], key: str) -> float:
    return max(r.get(key) or 0 for r in rows)


if __name__ == "__main__":
    sys.exit(main())
