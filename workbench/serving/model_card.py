"""The model card (``README.md``) of an exported model folder: what the model is, what it was
trained on, how good it is per label, how it was trained, how to load it, and its limits.

Built from the run's row in the project (settings, counts, dev and test reports) and its run
card; plain text, no model loaded.  Any thread.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import pathlib
from typing import Any

from workbench.modeling.casing import CONFIG_KEY as WORD_CASE_KEY
from workbench.modeling.pooling import CONFIG_KEY as POOLING_KEY
from workbench.serving.pipeline_check import PIPELINE_TASKS, Agreement
from workbench.tasks.base import Head, TaskSpec

BUNDLED_BASE = "sentence-transformers/all-MiniLM-L6-v2 (bundled with the app)"
# settings that name places on the trainer's machine: not for a card that leaves it
_PRIVATE_SETTINGS = ("store_path", "output_dir", "base_model")


@dataclasses.dataclass
class CardFacts:
    spec: TaskSpec
    run_id: int
    label_names: list[str]          # the model's labels in id order (BIO tags or classes)
    labels: list[str]               # the project's labels the model predicts
    base_model: str                 # as the run row says ("default", a folder, a hub id)
    config: dict[str, Any]          # the run's resolved settings
    counts: dict[str, Any]          # documents per split
    metrics: dict[str, Any]         # {"dev": report, "test": report or None}
    trained: str                    # when the run started (ISO)
    model_config: dict[str, Any]    # the exported config.json
    agreement: Agreement | None = None
    parent_run: int | None = None
    onnx: bool = False


def app_encoding_notes(model_config: dict[str, Any]) -> list[str]:
    """What this model needs from the app's encoding that a stock pipeline does not give it."""
    notes = []
    if model_config.get(WORD_CASE_KEY):
        notes.append("It was trained with each word's case as its token-type id (`workbench_word_case`: 0 no "
                     "letters, 1 lower, 2 Capitalized, 3 ALL CAPS, given to every piece of the word), because "
                     "its tokenizer lowercases. `pipeline(...)` passes 0 for every piece, so it sees no "
                     "capitals and finds fewer names than in the app; pass `token_type_ids` computed that way "
                     "to the model to get the app's predictions.")
    if model_config.get(POOLING_KEY) == "mean":
        notes.append("It classifies from the mean of the word pieces (`workbench_pooling: mean`), not from the "
                     "[CLS] piece; a stock `...ForSequenceClassification` has no such pooling and starts a new, "
                     "untrained [CLS] pooler, so its predictions are not the app's. Pool the encoder's output "
                     "by the attention mask and apply the `classifier` layer to get them.")
    return notes


def _is_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1


def _base(name: str) -> str:
    """The bundled model, a hub id, or a local folder by its name only (its path is the trainer's)."""
    if name in ("", "default"):
        return BUNDLED_BASE
    return f"a local model folder, {pathlib.PurePath(name).name}" if _is_path(name) else name


def _front_matter(f: CardFacts) -> str:
    lines = ["---", "library_name: transformers", f"pipeline_tag: {PIPELINE_TASKS[f.spec.head]}",
             "tags:", "- text-workbench", f"- {f.spec.name}"]
    if f.base_model not in ("", "default") and not _is_path(f.base_model):
        lines.append(f"base_model: {f.base_model}")
    return "\n".join(lines + ["---", ""])


def _report_table(report: dict[str, Any] | None, split: str) -> list[str]:
    if not report:
        return [f"No {split} scores (the project had no labeled {split} documents).", ""]
    rows = [f"| {split} | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for name, r in (report.get("per_label") or {}).items():
        rows.append(f"| {name} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['support']} |")
    for avg in ("micro", "macro"):
        if avg in report:
            r = report[avg]
            rows.append(f"| *{avg} average* | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} "
                        f"| {r['support']} |")
    if "accuracy" in report:
        rows.append(f"\nAccuracy{' per word' if 'micro' in report else ''}: {report['accuracy']:.4f}.")
    return rows + [""]


def _usage(f: CardFacts) -> list[str]:
    task = PIPELINE_TASKS[f.spec.head]
    agg = ', aggregation_strategy="simple"' if f.spec.head is Head.TOKEN else ""
    lines = ["## How to use", "", "```python", "from transformers import pipeline", "",
             f'pipe = pipeline("{task}", model="path/to/this/folder"{agg})',
             'print(pipe("Your text here."))', "```", ""]
    if f.onnx:
        lines += ["`onnx/model.onnx` is the same model for ONNX Runtime (checked against torch: largest "
                  "logit difference within 1e-3); `onnx/model_quantized.onnx` has int8 weights (faster on "
                  "CPU, checked against fp32). Inputs `input_ids`, `attention_mask`"
                  + (", `token_type_ids` (the word cases)" if f.model_config.get(WORD_CASE_KEY) else "")
                  + "; output `logits`.", ""]
    return lines


def _differences(f: CardFacts) -> list[str]:
    lines = ["## The app's predictions and the pipeline's", ""]
    if f.spec.head is Head.TOKEN:
        lines += ["The app labels each word (\"don't\", \"e-mail\" and \"3.5\" are one word) from its first "
                  "word piece and takes the most probable valid BIO sequence. The pipeline's `\"simple\"` "
                  "aggregation takes each piece's own best tag and groups neighbouring pieces of a type, so a "
                  "lone I- tag starts an entity there and a word's later pieces (never trained: only the "
                  "first piece of a word carries its label) can end an entity mid-word. "
                  "`aggregation_strategy=\"first\"` labels whole words by their first piece, which is closer "
                  "to the app.", ""]
    else:
        lines += ["Both take the most probable class; texts are cut at the run's maximum length "
                  f"({f.config.get('max_length', 512)} word pieces), so pass `truncation=True, "
                  f"max_length={f.config.get('max_length', 512)}` to the pipeline as well.", ""]
    if f.agreement is not None:
        lines += [f"Measured at export on the dev split: {f.agreement.sentence()}.", ""]
    return lines


def _limits(f: CardFacts) -> list[str]:
    n = f.counts.get("train", 0)
    lines = ["## Intended use and limits", "",
             f"Made for texts like the ones it was trained on: {n:,} labeled training documents of one "
             "project. It has not been checked on texts of another kind (another domain, "
             "language, era or length) and will be worse there; score it on some of yours first. It learned "
             "what the labelers marked, their mistakes included. Not for decisions about people without a "
             "person reviewing them.", ""]
    if f.config.get("max_length"):
        lines += [f"Texts longer than {f.config['max_length']} word pieces were cut in training; the app "
                  "cuts them there too.", ""]
    notes = app_encoding_notes(f.model_config)
    if notes:
        lines += ["### Needs the app's encoding", ""] + [f"- {n}" for n in notes] + [""]
    return lines


def render(f: CardFacts) -> str:
    """The whole card, Markdown with the Hugging Face front matter."""
    labels = ", ".join(f.labels)
    data = ", ".join(f"{f.counts[k]:,} {k}" for k in ("train", "dev", "test") if isinstance(f.counts.get(k), int))
    dev_source = f.counts.get("dev_source")
    settings = {k: v for k, v in sorted(f.config.items()) if k not in _PRIVATE_SETTINGS and v is not None}
    out = [_front_matter(f), f"# {f.spec.title} model (run #{f.run_id})", "",
           f"A {PIPELINE_TASKS[f.spec.head]} model made with Text Workbench: {f.spec.nouns} {labels}.", "",
           "| | |", "|---|---|",
           f"| task | {f.spec.title} (`{f.spec.name}`) |",
           f"| labels | {labels} (model labels: {', '.join(f.label_names)}) |",
           f"| base model | {_base(f.base_model)} |",
           f"| trained | {f.trained[:19].replace('T', ' ')} |",
           f"| exported | {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} |",
           f"| training data | {data} documents" + (f" (dev: {dev_source})" if dev_source else "") + " |"]
    if f.parent_run is not None:
        out.append(f"| continued from | run #{f.parent_run} of the same project |")
    out += ["", "## Scores", ""] + _report_table(f.metrics.get("dev"), "dev") + _report_table(f.metrics.get("test"),
                                                                                               "test")
    out += _usage(f) + _differences(f) + _limits(f)
    out += ["## Training settings", "", "```json", json.dumps(settings, indent=2, default=str), "```", ""]
    return "\n".join(out)
