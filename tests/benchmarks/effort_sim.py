"""The simulated annotator of ``bench_effort.py``: a project built through the app's own store,
the gold labels kept beside it (never in the project until "typed"), the next documents from
the app's own queue, the suggestions the Annotate screen would pre-fill, and the count of
edits that turn them into gold.

Gold data comes from ``../shared/data`` (tests/shared_data.py); the pool is the first
``pool`` training documents imported *unlabeled* into the train split, the dev split a fixed
seeded sample of the shared dev file with its gold labels (accepted).  Main thread only.
"""
from __future__ import annotations

import dataclasses
import pathlib
import random
import sys
from typing import Any, Sequence

ROOT = pathlib.Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from shared_data import SHARED_DATA  # noqa: E402
from workbench import tasks as task_registry  # noqa: E402
from workbench.formats.readers import read_conll, read_csv  # noqa: E402
from workbench.spans import Span  # noqa: E402
from workbench.store import NewDocument, Store  # noqa: E402
from workbench.tasks.base import Storage  # noqa: E402

# what each benchmark data set is: its files and how the product's readers read them
DATASETS: dict[str, dict[str, Any]] = {
    "ner": {"dir": "conll2003", "train": "train.txt", "dev": "dev.txt", "labels": ["LOC", "MISC", "ORG", "PER"],
            "classes": [], "read": lambda p, split: read_conll(p, unit="sentence", split=split)},
    "sentiment": {"dir": "sst2", "train": "train.tsv", "dev": "dev.tsv", "labels": [],
                  "classes": ["negative", "positive"],
                  "read": lambda p, split: read_csv(p, split=split, header=False, text_column="1", label_column="0",
                                                    label_map={"0": "negative", "1": "positive"},
                                                    label_task="sentiment")},
}


@dataclasses.dataclass
class Edits:
    """Edits one document needed; for spans: added, removed, relabeled, boundary changed."""

    added: int = 0
    removed: int = 0
    relabeled: int = 0
    boundary: int = 0
    class_changed: int = 0

    @property
    def total(self) -> int:
        return self.added + self.removed + self.relabeled + self.boundary + self.class_changed

    def __iadd__(self, other: "Edits") -> "Edits":
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self


def span_edits(suggested: Sequence[Span], gold: Sequence[Span]) -> Edits:
    """Edits that turn the suggested spans into the gold ones.  A suggestion overlapping a gold
    span is matched to it (greedily, largest overlap first, one to one): same place other label
    is one relabel, same label other place one boundary change, both is two edits (relabel +
    boundary, as deleting and drawing it again would be).  Unmatched suggestions are removed,
    unmatched gold spans added (one edit each)."""
    pairs = sorted(((min(s.end, g.end) - max(s.start, g.start), i, j) for i, s in enumerate(suggested)
                    for j, g in enumerate(gold) if s.start < g.end and g.start < s.end), reverse=True)
    used_s: set[int] = set()
    used_g: set[int] = set()
    out = Edits()
    for _, i, j in pairs:
        if i in used_s or j in used_g:
            continue
        used_s.add(i)
        used_g.add(j)
        s, g = suggested[i], gold[j]
        out.relabeled += s.label != g.label
        out.boundary += (s.start, s.end) != (g.start, g.end)
    out.removed += len(suggested) - len(used_s)
    out.added += len(gold) - len(used_g)
    return out


def class_edits(suggested: str | None, gold: str) -> Edits:
    """A class choice: none when the suggestion is the gold class; a missing suggestion is one edit."""
    return Edits(class_changed=int(suggested != gold))


@dataclasses.dataclass
class Gold:
    """The gold label of each pool document (by id), kept outside the project."""

    spans: dict[int, list[Span]]
    classes: dict[int, str]


def _read(task: str, which: str) -> list[NewDocument]:
    d = DATASETS[task]
    path = SHARED_DATA / d["dir"] / d[which]
    if not path.exists():
        raise SystemExit(f"shared data {path} is not present (see tests/shared_data.py)")
    return list(d["read"](path, which))


def build_project(task: str, path: pathlib.Path, pool: int, dev_sample: int | None, seed: int) -> tuple[Store, Gold]:
    """A new project at ``path``: the first ``pool`` train documents unlabeled (train split) and a
    seeded sample of ``dev_sample`` dev documents (all with None) with their gold labels."""
    d = DATASETS[task]
    for f in path.parent.glob(path.name + "*"):
        f.unlink()
    store = Store.create(path, [task], d["labels"], d["classes"])
    spec = task_registry.get(task)
    train = _read(task, "train")[:pool]
    dev = _read(task, "dev")
    if dev_sample and dev_sample < len(dev):   # a fixed seeded sample, in file order
        keep = set(random.Random(seed).sample(range(len(dev)), dev_sample))
        dev = [doc for i, doc in enumerate(dev) if i in keep]
    unlabeled = [dataclasses.replace(doc, spans=None, classes={}, split="train") for doc in train]
    ids = store.add_documents(unlabeled)                  # as an import of unlabeled text would
    store.add_documents([dataclasses.replace(doc, split="dev") for doc in dev])
    spans = {i: list(doc.spans or []) for i, doc in zip(ids, train)} if spec.storage is Storage.SPANS else {}
    classes = {i: doc.classes[task] for i, doc in zip(ids, train)} if spec.storage is Storage.CLASS else {}
    return store, Gold(spans, classes)


def open_project(task: str, path: pathlib.Path, pool: int) -> tuple[Store, Gold]:
    """A project :func:`build_project` made (to go on with it), and its pool's gold labels again."""
    store = Store(path)
    spec = task_registry.get(task)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM documents WHERE split = 'train' ORDER BY id")]
    train = _read(task, "train")[:pool]
    if len(ids) != len(train) or store.document(ids[-1]).text != train[-1].text:
        raise SystemExit(f"{path} was not made from the first {pool:,} training documents: start it again")
    spans = {i: list(doc.spans or []) for i, doc in zip(ids, train)} if spec.storage is Storage.SPANS else {}
    classes = {i: doc.classes[task] for i, doc in zip(ids, train)} if spec.storage is Storage.CLASS else {}
    return store, Gold(spans, classes)


class Annotator:
    """Works through the project as a person on the Annotate screen would: the next documents
    from the app's queue, the suggestions shown on each, corrected to gold, accepted."""

    def __init__(self, store: Store, task: str, gold: Gold) -> None:
        self.store, self.task, self.gold = store, task, gold
        self.spec = task_registry.get(task)
        self.edits = Edits()
        self.labeled = 0

    def next_document(self, after: int) -> int | None:
        """What the screen's Enter opens next: uncertain first from the suggestion run's cached
        predictions (``queue.next_uncertain``), else the first unlabeled document in import order."""
        from workbench.inference.queue import next_uncertain

        doc_id = next_uncertain(self.store, after, [self.task])
        if doc_id is None:
            row = self.store.conn.execute("SELECT doc_id FROM annotations WHERE task = ? AND status = 'unlabeled'"
                                          " ORDER BY doc_id LIMIT 1", (self.task,)).fetchone()
            doc_id = row[0] if row else None
        return doc_id

    def label(self, n: int, run_id: int | None = None, label_names: Sequence[str] = ()) -> Edits:
        """Open, correct and accept ``n`` documents one after the other, each showing the suggestions
        of ``run_id`` (its cached predictions, as ui/annotate/suggestions.py reads them; None: none)."""
        from workbench.inference import cache

        batch = Edits()
        known = set(self.store.label_names(self.task))
        after = 0
        for _ in range(n):
            doc_id = self.next_document(after)
            if doc_id is None:
                break
            pred = cache.load(self.store, run_id, self.task, list(label_names), [doc_id]).get(doc_id) \
                if run_id is not None else None
            # the store calls the Annotate screen makes when a document is accepted
            if self.spec.storage is Storage.SPANS:
                shown = [s.span for s in pred.spans if s.label in known] if pred is not None else []
                gold = self.gold.spans[doc_id]
                batch += span_edits(shown, gold)
                self.store.set_spans(doc_id, gold, status="accepted")
            else:
                gold_class = self.gold.classes[doc_id]
                batch += class_edits(pred.label if pred is not None else None, gold_class)
                self.store.set_class(doc_id, self.task, gold_class, status="accepted")
            self.labeled += 1
            after = doc_id
        self.edits += batch
        return batch
