"""The demo project a new user lands in on first launch.

Built from the corpus shipped in ``resources/demo/*.jsonl`` (written for this
project by ``resources/demo/make_demo.py``: made-up consumer-electronics reviews and news,
a third of them already labeled, a few of those labels wrong on purpose), so someone who just installed the app can label and train
within a minute.  No Qt here: the CLI and tests use it too.
"""
from __future__ import annotations

import os
import pathlib

from workbench.paths import demo_project_path, resources_dir
from workbench.formats import parse_file
from workbench.store import NewDocument, Store

DEMO_NAME = "Demo: product reviews"
DEMO_NER_LABELS = ("PER", "ORG", "PRODUCT", "LOC")
DEMO_CLASSES = ("negative", "neutral", "positive")
# Sentiment reads at a glance when the colours mean something.
DEMO_CLASS_COLORS = {"negative": "#f28482", "neutral": "#d9d9d9", "positive": "#90be6d"}


def demo_documents(folder: pathlib.Path | None = None) -> list[NewDocument]:
    """The shipped demo records, in file order (read by the JSONL importer, so the
    corpus is also a worked example of the import format)."""
    folder = folder or resources_dir() / "demo"
    docs: list[NewDocument] = []
    for path in sorted(folder.glob("*.jsonl")):
        docs += parse_file(path, "jsonl")
    return docs


def ensure_demo_project(path: str | pathlib.Path | None = None) -> pathlib.Path:
    """Return the demo project's path, creating it first if it is not there yet.

    The file is built under a temporary name and renamed into place, so an app
    killed half-way through first launch never leaves a half-filled demo behind.
    """
    path = pathlib.Path(path) if path is not None else demo_project_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    store = Store.create(tmp, ("ner", "sentiment"), DEMO_NER_LABELS, DEMO_CLASSES, name=DEMO_NAME)
    try:
        for name, color in DEMO_CLASS_COLORS.items():
            store.update_label("sentiment", name, color=color)
        store.add_documents(_with_demo_splits(demo_documents()), annotator="demo")
    finally:
        store.close()  # the last connection closing folds the WAL back into the file
    os.replace(tmp, path)
    return path


def _with_demo_splits(docs: list[NewDocument]) -> list[NewDocument]:
    """Labeled documents take the split their record names (resources/demo/make_demo.py
    deals them 3:1:1 into train, dev and test, so a first run has enough dev and test
    documents to be scored on); unlabeled ones keep their hash split."""
    for doc in docs:
        split = doc.meta.pop("split", None) if isinstance(doc.meta, dict) else None
        if split is not None:
            doc.split = str(split)
    return docs
