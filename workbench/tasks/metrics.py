"""Scores: entity-level P/R/F1 (seqeval, CoNLL style) and a classification's accuracy, P/R/F1, confusion.

Every report is a plain JSON-able dict with the task's name, a ``score`` (what early
stopping and "best run" compare: entity micro F1, or the classes' macro F1), ``f1`` and
``accuracy``.  An entity report has ``micro`` averages, a class report a ``confusion``
matrix.  Pure functions: safe on any thread.
"""
from __future__ import annotations

from typing import Any, Sequence


def entity_report(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], task: str) -> dict[str, Any]:
    """The CoNLL-2003 report: precision, recall, F1 and support per entity type, micro and macro averages."""
    from seqeval.metrics import classification_report

    n_words = sum(len(g) for g in gold)
    correct = sum(a == b for g, p in zip(gold, pred) for a, b in zip(g, p))
    raw = classification_report(list(map(list, gold)), list(map(list, pred)), output_dict=True, zero_division=0)
    per_type = {}
    for name, row in raw.items():
        if name.endswith(" avg"):
            continue
        per_type[name] = _row(row)
    micro = _row(raw.get("micro avg", {}))
    macro = _row(raw.get("macro avg", {}))
    return {
        "task": task, "per_label": per_type, "micro": micro, "macro": macro,
        "f1": micro["f1"], "score": micro["f1"], "accuracy": correct / n_words if n_words else 0.0,
        "documents": len(gold), "words": n_words,
    }


def _row(row: dict[str, Any]) -> dict[str, float]:
    return {"precision": float(row.get("precision", 0.0)), "recall": float(row.get("recall", 0.0)),
            "f1": float(row.get("f1-score", 0.0)), "support": int(row.get("support", 0))}


def class_report(gold: Sequence[int], pred: Sequence[int], classes: Sequence[str], task: str) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/F1/support, macro F1 and the confusion matrix (rows: gold)."""
    import numpy as np

    k = len(classes)
    cm = np.zeros((k, k), dtype=np.int64)
    for g, p in zip(gold, pred):
        cm[g, p] += 1
    per = {}
    f1s = []
    for i, name in enumerate(classes):
        tp = cm[i, i]
        prec = tp / cm[:, i].sum() if cm[:, i].sum() else 0.0
        rec = tp / cm[i, :].sum() if cm[i, :].sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[name] = {"precision": float(prec), "recall": float(rec), "f1": float(f1), "support": int(cm[i, :].sum())}
        f1s.append(f1)
    n = int(cm.sum())
    acc = float(np.trace(cm) / n) if n else 0.0
    macro_f1 = float(np.mean(f1s)) if f1s else 0.0
    macro = {"precision": float(np.mean([r["precision"] for r in per.values()])) if per else 0.0,
             "recall": float(np.mean([r["recall"] for r in per.values()])) if per else 0.0,
             "f1": macro_f1, "support": n}
    return {
        "task": task, "per_label": per, "macro": macro, "accuracy": acc, "f1": macro_f1, "score": macro_f1,
        "confusion": cm.tolist(), "classes": list(classes), "documents": n,
    }


def format_report(report: dict[str, Any]) -> str:
    """The classic text table (what ``conlleval`` and scikit-learn print)."""
    lines = [f"{'':>12} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}"]
    for name, r in report["per_label"].items():
        lines.append(f"{name:>12} {r['precision']:9.4f} {r['recall']:9.4f} {r['f1']:9.4f} {r['support']:8d}")
    lines.append("")
    if "micro" in report:     # an entity report: micro and macro averages, accuracy per word
        for name in ("micro", "macro"):
            r = report[name]
            lines.append(f"{name + ' avg':>12} {r['precision']:9.4f} {r['recall']:9.4f} {r['f1']:9.4f} {r['support']:8d}")
        lines.append(f"{'accuracy':>12} {report['accuracy']:9.4f}  (per word)")
    else:
        r = report["macro"]
        lines.append(f"{'macro avg':>12} {r['precision']:9.4f} {r['recall']:9.4f} {r['f1']:9.4f} {r['support']:8d}")
        lines.append(f"{'accuracy':>12} {report['accuracy']:9.4f}")
        lines.append("confusion (rows: gold, columns: predicted)")
        classes = report["classes"]
        lines.append(" " * 13 + " ".join(f"{c[:8]:>8}" for c in classes))
        for c, row in zip(classes, report["confusion"]):
            lines.append(f"{c[:12]:>12} " + " ".join(f"{v:8d}" for v in row))
    return "\n".join(lines)
