"""The demo project a new user lands in on first launch.

Built from the corpus shipped in ``resources/demo/*.jsonl`` (written for this
project: made-up consumer-electronics reviews and news, about a quarter of them
already labeled), so someone who just installed the app can label and train
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
    """Every fifth pre-labeled document goes to dev, the rest of them to train.

    Left to the content hash, only a handful of the labeled documents would
    land in dev, and the first training run's dev score would be noise.
    Unlabeled documents keep their hash split.
    """
    labeled = 0
    for doc in docs:
        if doc.spans is not None or doc.sentiment is not None:
            doc.split = "dev" if labeled % 5 == 4 else "train"
            labeled += 1
    return docs
