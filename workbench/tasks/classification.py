"""Document classification: one class per document from the project's class list (sentiment is one).

Stored as the annotation's class; trained with a sequence-classification head on the
document's text; scored by accuracy and macro F1 over the classes.  A new
classification task is one :class:`ClassificationTask` instance, registered.  Any thread.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from workbench.spans import Token
from workbench.tasks.base import CORRECT, WRONG_CLASS, DocReview, Example, Head, Storage, Suspicion, TaskSpec, Verdict
from workbench.tasks.metrics import class_report

if TYPE_CHECKING:
    import numpy as np

    from workbench.tasks.class_predictions import ClassPrediction


class ClassificationTask(TaskSpec):
    """One class per document.  ``recipe`` holds where its training defaults differ from the
    general ones, per device kind ("cpu", "gpu")."""

    storage = Storage.CLASS
    head = Head.SEQUENCE
    set_name = "classes"
    min_labels = 2
    score_name = "macro F1"
    error_kinds = (WRONG_CLASS,)
    legend_kinds = (CORRECT, WRONG_CLASS)
    pools_document = True

    description = "one class per document"

    def __init__(self, name: str, title: str, *, noun: str = "class", nouns: str = "classes",
                 shortcut_pool: str = "qwertyuiop", jsonl_key: str | None = None,
                 recipe: Mapping[str, Mapping[str, Any]] | None = None, starter: bool = False,
                 example_labels: Sequence[str] = (), short_title: str = "") -> None:
        self.name, self.title, self.noun, self.nouns, self.short_title = name, title, noun, nouns, short_title
        self.shortcut_pool, self.jsonl_key = shortcut_pool, jsonl_key or name
        self.starter, self.example_labels = starter, tuple(example_labels)
        self.recipe = {k: dict(v) for k, v in (recipe or {}).items()}

    # ---- training ----------------------------------------------------------------------
    def example(self, doc_id: int, text: str, pretokenized: bool, value: Any) -> Example:
        return Example(doc_id, text, label=value)

    def model_labels(self, labels: Sequence[str]) -> list[str]:
        return list(labels)

    def project_labels(self, model_labels: Sequence[str]) -> list[str]:
        return list(model_labels)

    def label_counts(self, examples: Sequence[Example]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ex in examples:
            if ex.label is not None:
                counts[ex.label] = counts.get(ex.label, 0) + 1
        return counts

    def targets(self, examples: Sequence[Example], encoding: Mapping[str, Any], label2id: dict[str, int]
                ) -> dict[str, list[Any]]:
        return {"labels": [label2id[e.label] for e in examples]}

    def collate_labels(self, labels: Sequence[Any], width: int) -> Any:
        import torch

        return torch.stack(list(labels)) if labels else torch.zeros(0, dtype=torch.long)

    def batch_loss(self, logits: Any, labels: Any) -> tuple[float, int, Any]:
        from torch.nn import functional as F

        return float(F.cross_entropy(logits, labels, reduction="sum")), int(labels.shape[0]), logits.argmax(-1).cpu()

    def report(self, kept: Sequence[Any], columns: Mapping[str, Sequence[Any]], model_labels: Sequence[str],
               labels: Sequence[Any]) -> dict[str, Any]:
        return class_report([int(g) for g in labels], [int(p) for p in kept], model_labels, self.name)

    def training_defaults(self, device_kind: str) -> dict[str, Any]:
        return dict(self.recipe.get(device_kind, {}))

    # ---- predictions ---------------------------------------------------------------------
    def prediction(self, doc_id: int, words: list[Token], first_word: Sequence[int], first_piece: Sequence[int],
                   probs: np.ndarray, labels: list[str]) -> ClassPrediction:
        import numpy as np

        from workbench.tasks.class_predictions import ClassPrediction

        return ClassPrediction(doc_id, labels, probs.astype(np.float32))

    def predicted_class(self, pred: ClassPrediction) -> str | None:
        return pred.label

    def prediction_json(self, pred: ClassPrediction) -> dict[str, Any]:
        return {self.jsonl_key: pred.label, "confidence": round(pred.confidence, 4)}

    def prediction_record(self, pred: ClassPrediction, text: str, *, all_scores: bool = False) -> dict[str, Any]:
        """The class and its probability; ``all_scores``: ``scores``, every class's probability."""
        out: dict[str, Any] = {self.jsonl_key: pred.label, "confidence": round(pred.confidence, 4)}
        if all_scores:
            out["scores"] = {c: round(float(p), 4) for c, p in zip(pred.class_names, pred.probs)}
        return out

    def prediction_cells(self, pred: ClassPrediction, text: str, *, all_scores: bool = False
                         ) -> dict[str, str | float]:
        """The class, its probability and (``all_scores``) one ``p_<class>`` column per class."""
        out: dict[str, str | float] = {self.jsonl_key: pred.label, "confidence": round(pred.confidence, 4)}
        if all_scores:
            out.update({f"p_{c}": round(float(p), 4) for c, p in zip(pred.class_names, pred.probs)})
        return out

    def pack(self, pred: ClassPrediction) -> bytes:
        import numpy as np

        return pred.probs.astype(np.float16).tobytes()

    def unpack(self, doc_id: int, blob: bytes, labels: list[str], text: str, pretokenized: bool) -> ClassPrediction:
        import numpy as np

        from workbench.tasks.class_predictions import ClassPrediction

        return ClassPrediction(doc_id, labels, np.frombuffer(blob, dtype=np.float16).astype(np.float32))

    # ---- review ------------------------------------------------------------------------
    def gold_value(self, value: Any) -> str:
        return value

    def review(self, pred: ClassPrediction, gold: str) -> DocReview:
        p = pred.gold_probability(gold)
        kind = CORRECT if pred.label == gold else WRONG_CLASS
        return DocReview(pred.doc_id, -math.log(max(p, 1e-12)), pred.confidence, p,
                         [Verdict(kind, None, None)], gold=gold, pred=pred.label)

    def confusion_names(self, labels: Sequence[str]) -> list[str]:
        return list(labels)

    def confusion_pairs(self, review: DocReview) -> list[tuple[str, str]]:
        return [(review.gold or "", review.pred or "")]

    def metrics(self, preds: Mapping[int, ClassPrediction], gold: Mapping[int, Any], labels: Sequence[str]
                ) -> dict[str, Any]:
        classes = list(labels)
        known = [d for d in gold if d in preds and gold[d] in classes]
        return class_report([classes.index(gold[d]) for d in known], [classes.index(preds[d].label) for d in known],
                            classes, self.name)

    def suspicion(self, pred: ClassPrediction, gold: Any, source: str) -> Suspicion:
        detail = {"gold": gold, "pred": pred.label, "pred_p": pred.confidence}
        return Suspicion(pred.doc_id, pred.gold_probability(gold), detail, source)

    # ---- bundles and formats ---------------------------------------------------------------
    def bundle_columns(self, tag_feature: Any) -> dict[str, Any]:
        return {"label": tag_feature}

    def bundle_row(self, example: Example) -> dict[str, Any]:
        return {"label": example.label}

    def from_bundle_row(self, row: Mapping[str, Any], names: Sequence[str]) -> Example:
        return Example(row["doc_id"], row["text"], label=names[row["label"]])

    def to_json(self, value: Any) -> str:
        return value
