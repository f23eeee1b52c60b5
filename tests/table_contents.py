"""What a project holds, for tests that compare it before and after an import, or after an
export and a new import: every row exactly, or the records an export must keep."""
from __future__ import annotations

import json

from workbench.store import queries

TABLES = ("documents", "annotations", "spans", "labels", "settings")


def table_contents(store) -> dict[str, list[tuple]]:
    """Every row of every table an import writes to."""
    return {t: sorted(store.conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


def records(store, *, tokenization: bool = True) -> list[tuple]:
    """The documents as an export and a new import must give them back: text, external id,
    split, metadata, (the tokenization), and per task the status and the labels; no ids,
    sources or times, which a new project gives anew."""
    out = []
    for doc, ann in queries.iter_documents(store):
        out.append((doc.text, doc.external_id, doc.split, json.dumps(doc.meta, sort_keys=True),
                    doc.pretokenized if tokenization else None, sorted(ann["status"].items()),
                    tuple(ann["ner"]) if ann["ner"] is not None else None, ann["sentiment"]))
    return out
