"""GPU precision benchmark: the same bundle trained in fp32, bf16 and fp16 (tokens/s, dev F1).

    python tests/benchmarks/bench_precision.py --conll ../shared/data/conll2003/train.txt [--random-init]

Builds a project from the first --docs CoNLL sentences (90% train, 10% dev),
exports a training bundle, then runs ``workbench-cli train-bundle`` once per
precision and prints one JSON line per run and the ratios against fp32.
``--random-init`` trains the base model's architecture from random weights
(for machines that have the config and vocabulary but not the weights); the
throughput is the architecture's, the F1 is then not comparable to a
pretrained run.  Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile


def random_init_copy(src: pathlib.Path, dst: pathlib.Path) -> pathlib.Path:
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    AutoTokenizer.from_pretrained(str(src)).save_pretrained(str(dst))
    AutoModel.from_config(AutoConfig.from_pretrained(str(src))).save_pretrained(str(dst))
    return dst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conll", required=True)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--base-model", default=None, help="default: the bundled MiniLM")
    ap.add_argument("--random-init", action="store_true")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--precisions", default="fp32,bf16,fp16")
    args = ap.parse_args()

    from workbench.formats import parse_file
    from workbench.paths import default_base_model_dir
    from workbench.store import Store

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench_precision_"))
    base = pathlib.Path(args.base_model) if args.base_model else default_base_model_dir()
    if args.random_init:
        base = random_init_copy(base, tmp / "base")
    docs = parse_file(args.conll, "conll")[: args.docs]
    for i, doc in enumerate(docs):
        doc.split = "dev" if i % 10 == 9 else "train"
    project = tmp / "p.db"
    with Store.create(project, ["ner"], sorted({s.label for d in docs for s in d.spans or []})) as store:
        store.add_documents(docs)
    cli = [sys.executable, "-m", "workbench.cli"]
    subprocess.run([*cli, "export-bundle", project, tmp / "bundle", "--task", "ner", "--base-model", base,
                    "--epochs", str(args.epochs), "--batch-size", str(args.batch_size)], check=True)
    results = {}
    for precision in args.precisions.split(","):
        out = subprocess.run([*cli, "train-bundle", tmp / "bundle", "--device", "cuda", "--precision", precision,
                              "--patience", "0", "--quiet", "--json", "--output-dir", tmp / f"runs-{precision}"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{precision}: failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        summary = json.loads(out.stdout.strip().splitlines()[-1])
        results[precision] = summary
        print(json.dumps({"precision": precision, "device": summary["device"], "tokens_per_s": summary["tokens_per_s"],
                          "train_seconds": summary["train_seconds"], "dev_f1": summary["dev_f1"],
                          "epochs": summary["epochs"]}))
    if "fp32" in results:
        for precision, summary in results.items():
            ratio = summary["tokens_per_s"] / results["fp32"]["tokens_per_s"]
            print(f"{precision}/fp32 tokens/s ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
