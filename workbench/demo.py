"""The demo project a new user lands in on first launch.

Built from the corpus shipped in ``resources/demo/*.jsonl`` (written for this
project by ``resources/demo/make_demo.py``: made-up consumer-electronics reviews and news,
a third of them already labeled, a few of those labels wrong on purpose), so someone who just installed the app can label and train
within a minute.  ``lang="zh"`` builds the Chinese demo instead (workbench/demo_zh.py),
beside it.  No Qt here: the CLI and tests use it too.
"""
from __future__ import annotations

import os
import pathlib

from workbench.paths import demo_project_path, resources_dir
from workbench.demo_zh import DEMO_ZH_NAME, DEMO_ZH_NOTE, demo_zh_documents
from workbench.formats import parse_file
from workbench.store import NewDocument, Store

DEMO_NAME = "Demo: product reviews"
DEMO_NER_LABELS = ("PER", "ORG", "PRODUCT", "LOC")
DEMO_CLASSES = ("negative", "neutral", "positive")
# Sentiment reads at a glance when the colours mean something.
DEMO_CLASS_COLORS = {"negative": "#f28482", "neutral": "#d9d9d9", "positive": "#90be6d"}
DEMO_LANGUAGES = ("en", "zh")
# What the app says when it opens a demo (the Chinese one: the default model cannot learn it)
DEMO_NOTES = {"en": "", "zh": DEMO_ZH_NOTE}


def demo_documents(folder: pathlib.Path | None = None) -> list[NewDocument]:
    """The shipped demo records, in file order (read by the JSONL importer, so the
    corpus is also a worked example of the import format)."""
    folder = folder or resources_dir() / "demo"
    docs: list[NewDocument] = []
    for path in sorted(folder.glob("*.jsonl")):
        docs += parse_file(path, "jsonl")
    return docs


def demo_path(lang: str = "en") -> pathlib.Path:
    """Where the demo of ``lang`` lives: demo.db, demo-zh.db beside it."""
    base = demo_project_path()
    return base if lang == "en" else base.with_name(f"{base.stem}-{lang}{base.suffix}")


def ensure_demo_project(path: str | pathlib.Path | None = None, lang: str = "en") -> pathlib.Path:
    """Return the demo project's path, creating it first if it is not there yet.
    ``lang``: "en" (the default demo) or "zh" (the Chinese one).

    The file is built under a temporary name and renamed into place, so an app
    killed half-way through first launch never leaves a half-filled demo behind.
    """
    if lang not in DEMO_LANGUAGES:
        raise ValueError(f"no demo in {lang!r}; there are: {', '.join(DEMO_LANGUAGES)}")
    path = pathlib.Path(path) if path is not None else demo_path(lang)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    name, docs = (DEMO_NAME, demo_documents) if lang == "en" else (DEMO_ZH_NAME, demo_zh_documents)
    store = Store.create(tmp, ("ner", "sentiment"), DEMO_NER_LABELS, DEMO_CLASSES, name=name)
    try:
        for label, color in DEMO_CLASS_COLORS.items():
            store.update_label("sentiment", label, color=color)
        store.add_documents(_with_demo_splits(docs()), annotator="demo")
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
