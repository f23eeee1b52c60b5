"""CPU training-step benchmark: one optimizer step of the bundled model in fp32, bf16 autocast, and
bf16 autocast with the step's forward and backward under ``torch.compile``.

    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_cpu_step.py [--steps 24]
        [--batch 16] [--widths 24,32,40,48] [--variants fp32,bf16,bf16+compile]
    flock /work/notes/bench.lock .venv/bin/python tests/benchmarks/bench_cpu_step.py --levers [--rounds 3]

Batches of random word pieces at a few widths (CoNLL sentences of 2,000 are 14-60 pieces wide
once batched by length; the widths stand for length buckets, so a compiled step compiles once
per width and never again), the lowest block and the embeddings frozen as in the CPU recipe,
AdamW.  The variants are alternated step by step after a warm-up that compiles every width,
so that the machine's load weighs on all of them alike.  Prints the median step time per
variant, the one-off compile time, and the ratios to fp32.  Prints figures; asserts nothing.

``--levers``: the CPU settings that must be chosen before torch starts its threads, each in a
process of its own (bf16, the product's ``OMP_WAIT_POLICY=PASSIVE``): as shipped, OpenMP threads
bound to cores (``OMP_PROC_BIND=close OMP_PLACES=cores``), one thread instead of one per core, and
oneDNN switched off (``torch.backends.mkldnn.enabled = False``).  The processes take turns for
``--rounds`` rounds so that the machine's load weighs on all alike; prints each lever's median
step time over all rounds and its speed against the shipped setting.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import subprocess
import time
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=24, help="timed steps per variant")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--widths", default="24,32,40,48")
    ap.add_argument("--variants", default="fp32,bf16,bf16+compile")
    ap.add_argument("--levers", action="store_true", help="compare thread placement and oneDNN settings")
    ap.add_argument("--rounds", type=int, default=3, help="--levers: turns each setting takes")
    ap.add_argument("--threads", type=int, help="torch threads (default: one per core)")
    ap.add_argument("--no-mkldnn", action="store_true", help="switch oneDNN off")
    ap.add_argument("--json-times", action="store_true", help="print the step times as JSON (for --levers)")
    args = ap.parse_args()
    if args.levers:
        return levers(args)
    import torch
    from transformers import AutoModelForTokenClassification

    from workbench.modeling.device import cpu_has_bf16, cpu_threads
    from workbench.paths import default_base_model_dir
    from workbench.training.model import freeze_lower_layers

    torch.set_num_threads(args.threads or cpu_threads())
    torch.backends.mkldnn.enabled = not args.no_mkldnn
    widths = [int(w) for w in args.widths.split(",")]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, bf16 unit: {cpu_has_bf16()}, "
          f"load {os.getloadavg()}", flush=True)
    steps: dict[str, object] = {}
    compile_s: dict[str, float] = {}
    for name in args.variants.split(","):
        torch.manual_seed(0)
        model = AutoModelForTokenClassification.from_pretrained(str(default_base_model_dir()), num_labels=9,
                                                                trust_remote_code=False)
        freeze_lower_layers(model, 1)
        model.train()
        net = torch.compile(model, dynamic=False) if "compile" in name else model
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5, fused=True)
        dtype = torch.bfloat16 if name.startswith("bf16") else None

        def step(width: int, net=net, opt=opt, dtype=dtype) -> float:
            ids = torch.randint(1000, 20000, (args.batch, width))
            labels = torch.randint(0, 9, (args.batch, width))
            t = time.perf_counter()
            with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
                loss = net(input_ids=ids, attention_mask=torch.ones_like(ids), labels=labels).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return time.perf_counter() - t

        t0 = time.perf_counter()
        for w in widths:   # warm-up: every width once (the compiled variant compiles here)
            step(w)
        compile_s[name] = time.perf_counter() - t0
        steps[name] = step
        print(f"{name}: warm-up over {len(widths)} widths {compile_s[name]:.1f} s", flush=True)
    times: dict[str, list[float]] = {n: [] for n in steps}
    for i in range(args.steps):
        for name, step in steps.items():
            times[name].append(step(widths[i % len(widths)]))
    if args.json_times:
        print("STEP_TIMES", json.dumps(times))
        return 0
    first = None
    print(f"\n{'variant':<14} {'median step ms':>14} {'spread ms':>15} {'vs fp32':>8} {'warm-up s':>9}")
    for name, ts in times.items():
        med = statistics.median(ts)
        first = first or med
        print(f"{name:<14} {med * 1000:14.1f} {min(ts) * 1000:7.1f}-{max(ts) * 1000:<7.1f} {first / med:8.2f} "
              f"{compile_s[name]:9.1f}")
    print(f"load at the end {os.getloadavg()}")
    return 0


LEVERS = {    # name: (environment, arguments)
    "as shipped": ({}, []),
    "threads bound to cores": ({"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}, []),
    "1 thread": ({}, ["--threads", "1"]),
    "oneDNN off": ({}, ["--no-mkldnn"]),
}


def levers(args: argparse.Namespace) -> int:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": str(ROOT)}
    times: dict[str, list[float]] = {name: [] for name in LEVERS}
    print(f"{len(LEVERS)} settings x {args.rounds} rounds, bf16, {args.steps} steps each, load {os.getloadavg()}",
          flush=True)
    for r in range(args.rounds):
        for name, (extra_env, extra_args) in LEVERS.items():
            proc = subprocess.run([sys.executable, __file__, "--variants", "bf16", "--steps", str(args.steps),
                                   "--batch", str(args.batch), "--widths", args.widths, "--json-times", *extra_args],
                                  env={**env, **extra_env}, capture_output=True, text=True, check=True)
            line = [x for x in proc.stdout.splitlines() if x.startswith("STEP_TIMES ")][-1]
            mine = json.loads(line.split(None, 1)[1])["bf16"]
            times[name] += mine
            print(f"round {r + 1}, {name}: median {statistics.median(mine) * 1000:.1f} ms, "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
    first = statistics.median(times["as shipped"])
    print(f"\n{'setting':<24} {'median step ms':>14} {'spread ms':>15} {'speed':>6}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<24} {med * 1000:14.1f} {min(ts) * 1000:7.1f}-{max(ts) * 1000:<7.1f} {first / med:6.2f}")
    print(f"load at the end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
