""""Uncertain first": the next unlabeled document is the one the model is least sure about.

The labeling screen asks :func:`next_uncertain` when the project's next-document
order (a project setting) is ``least_confidence`` or ``margin``; it answers from
the predictions cached for the run whose suggestions are shown (see
``batch.SUGGESTIONS_SETTING``), so it is one index scan, no model.  Documents that
run has not predicted come after, in id order (the caller's usual order).
Any thread, with a Store opened on it.  No torch, no numpy.
"""
from __future__ import annotations

from workbench.store import Store

ORDER_SETTING = "inference.next_order"
ORDERS = {"in_order": "in order", "least_confidence": "uncertain first (least confidence)",
          "margin": "uncertain first (smallest margin)"}
SUGGESTIONS_SETTING = "inference.suggestion_runs"   # same key as workbench.inference.batch


def next_order(store: Store) -> str:
    value = store.setting(ORDER_SETTING, "in_order")
    return value if value in ORDERS else "in_order"


def set_next_order(store: Store, order: str) -> None:
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
    store.set_setting(ORDER_SETTING, order)


def next_uncertain(store: Store, after_id: int = 0, tasks: list[str] | None = None) -> int | None:
    """The most uncertain unlabeled document other than ``after_id``, or None (order "in order",
    no suggestion run, or nothing predicted left)."""
    order = next_order(store)
    if order == "in_order":
        return None
    column = "confidence" if order == "least_confidence" else "margin"
    runs = store.setting(SUGGESTIONS_SETTING, {}) or {}
    for task in tasks or store.tasks:
        run_id = runs.get(task)
        if run_id is None:
            continue
        row = store.conn.execute(
            # CROSS JOIN keeps the predictions outermost: walked in order of the confidence index, the
            # first unlabeled one ends it (left to itself the planner read every unlabeled document and
            # sorted them: seconds at a million)
            f"SELECT p.doc_id FROM predictions p CROSS JOIN annotations a ON a.doc_id = p.doc_id AND a.task = ?"
            f" WHERE p.run_id = ? AND a.status = 'unlabeled' AND p.doc_id != ? ORDER BY p.{column}, p.doc_id LIMIT 1",
            (task, int(run_id), after_id)).fetchone()
        if row is not None:
            return int(row[0])
    return None
