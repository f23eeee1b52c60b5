"""Where Enter, Skip and PageUp/PageDown go next.

With no filter, "next unlabeled" is one index seek per task in the store.  With
a filter, the list's own order is followed (so labeling "split: dev" stays in
dev), reading its rows a page at a time from the current one.
"""
from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from workbench.inference.queue import next_uncertain
from workbench.store import Store
from workbench.store.queries import neighbour, next_document

if TYPE_CHECKING:
    from ui.annotate.doc_panel import DocPanel


def next_unlabeled(store: Store, panel: "DocPanel", after_id: int) -> int | None:
    """The next document (after ``after_id``, wrapping) that some task still has unlabeled.
    With the "uncertain first" order (set on the suggestions bar), the one the model is least sure of."""
    if not panel.is_filtered():
        uncertain = next_uncertain(store, after_id)
        if uncertain is not None:
            return uncertain
        found = {d for t in store.tasks if (d := next_document(store, t, after_id)) is not None}
        found.discard(after_id)
        later = [d for d in found if d > after_id]
        return min(later) if later else (min(found) if found else None)
    model = panel.model
    n = model.rowCount()
    if not n:
        return None
    here = model.row_of(after_id)
    start = (here + 1) if here is not None else _first_row_after(model.ids(), after_id)
    for k in range(n):
        row = (start + k) % n
        r = model.doc_row(row)
        if r is None or r.id == after_id:
            continue
        if "unlabeled" in r.statuses.values():
            return r.id
    return None


def _first_row_after(ids: list[int], doc_id: int) -> int:
    return bisect.bisect_right(ids, doc_id)


def step_in_list(store: Store, panel: "DocPanel", doc_id: int, delta: int) -> int | None:
    """The document ``delta`` rows away in the list (or in id order if the open one is not listed)."""
    model = panel.model
    row = model.row_of(doc_id)
    if row is None:
        if panel.is_filtered() and model.rowCount():
            i = _first_row_after(model.ids(), doc_id)
            i = i if delta > 0 else i - 1
            return model.id_at(i) if 0 <= i < model.rowCount() else None
        return neighbour(store, doc_id, delta)
    target = row + delta
    return model.id_at(target) if 0 <= target < model.rowCount() else None
