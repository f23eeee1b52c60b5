"""How far ``transformers.pipeline`` on an exported model folder agrees with the app.

The app and the pipeline decode the same logits differently, so they can disagree
even with identical weights:

- Token tasks.  The app labels each *word* (its own tokenizer: "don't", "e-mail",
  "3.5" are one word) from the word's first piece, and picks the most probable
  *valid* BIO sequence (no I-X after O or after another type).  The pipeline with
  ``aggregation_strategy="simple"`` takes every piece's own arg-max (the pieces after a
  word's first were never trained: their outputs follow the first piece's only
  approximately) and groups neighbouring pieces of one type, so a stray I-X starts an
  entity and a word can be split between two.  ``"first"`` labels whole words by their
  first piece, closer to the app; words are the tokenizer's then (split at punctuation).
- Models trained with word case (``workbench_word_case``: case ids as token-type ids) or
  mean pooling (``workbench_pooling``) need the app's encoding; the stock pipeline passes
  zeros and pools the [CLS] piece, so they agree much less (the model card says so).

:func:`agreement` measures it on documents the caller picks (the dev split); the export
writes the figure into the model card and the tests hold it at 99% for a plain model.
Any one thread.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Sequence

from workbench.tasks.base import Head, TaskSpec

PIPELINE_TASKS = {Head.TOKEN: "token-classification", Head.SEQUENCE: "text-classification"}


@dataclasses.dataclass(frozen=True)
class Agreement:
    """``agreed`` of ``compared`` units (spans: the union of both sides'; or documents)."""

    documents: int
    compared: int
    agreed: int
    unit: str
    aggregation: str = ""

    @property
    def share(self) -> float:
        return self.agreed / self.compared if self.compared else 1.0

    def sentence(self) -> str:
        how = f" (aggregation_strategy=\"{self.aggregation}\")" if self.aggregation else ""
        return (f"{self.share:.1%} of {self.unit} the same ({self.agreed:,} of {self.compared:,}, "
                f"{self.documents:,} documents){how}")


def load_pipeline(folder: str | pathlib.Path, head: Head, aggregation: str = "simple") -> Any:
    """``transformers.pipeline`` on the folder, on the CPU, as another team would load it."""
    from transformers import pipeline

    from workbench.modeling.loading import quiet_transformers

    kwargs = {"aggregation_strategy": aggregation} if head is Head.TOKEN else {}
    with quiet_transformers():
        return pipeline(PIPELINE_TASKS[head], model=str(folder), tokenizer=str(folder), device="cpu",
                        trust_remote_code=False, **kwargs)


def pipeline_items(output: Any, head: Head) -> set[tuple]:
    """One text's pipeline output as comparable items: (start, end, label) spans, or the class."""
    if head is Head.TOKEN:
        return {(int(e["start"]), int(e["end"]), str(e["entity_group"])) for e in output}
    top = output[0] if isinstance(output, list) else output
    return {(str(top["label"]),)}


def app_items(spec: TaskSpec, pred: Any) -> set[tuple]:
    """The app's prediction as the same items (from its JSON: spans or a class)."""
    value = spec.prediction_json(pred)[spec.jsonl_key]
    if isinstance(value, list):
        return {(int(s["start"]), int(s["end"]), str(s["label"])) for s in value}
    return {(str(value),)}


def agreement(folder: str | pathlib.Path, spec: TaskSpec, texts: Sequence[str], predictions: Sequence[Any],
              *, max_length: int = 512, aggregation: str = "simple", batch_size: int = 32) -> Agreement:
    """The pipeline's output on ``texts`` against the app's ``predictions`` of the same texts.
    Texts longer than ``max_length`` pieces are left out (the app cuts them, the pipeline would not)."""
    pipe = load_pipeline(folder, spec.head, aggregation)
    kept = [(t, p) for t, p in zip(texts, predictions)
            if t.strip() and len(pipe.tokenizer(t)["input_ids"]) <= max_length]
    extra = {"truncation": True, "max_length": max_length} if spec.head is Head.SEQUENCE else {}
    outputs = pipe([t for t, _ in kept], batch_size=batch_size, **extra) if kept else []
    compared = agreed = 0
    for (_, pred), out in zip(kept, outputs):
        mine, theirs = app_items(spec, pred), pipeline_items(out, spec.head)
        if spec.head is Head.TOKEN:
            compared += len(mine | theirs)
            agreed += len(mine & theirs)
        else:
            compared += 1
            agreed += mine == theirs
    unit = "spans" if spec.head is Head.TOKEN else "documents"
    return Agreement(len(kept), compared, agreed, unit, aggregation if spec.head is Head.TOKEN else "")
