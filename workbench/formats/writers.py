"""Export a project: JSONL, CoNLL (IOB2), CSV, or a Hugging Face DatasetDict on disk.

Where an export may go, and how it replaces an earlier one, is decided in one
place, :mod:`workbench.output_paths`: never onto the project, another SQLite file,
a device or a folder this program did not write; data goes to a temporary name
renamed at the end, so a failed export leaves neither half a file nor a temporary
one.  JSON written here is strict: NaN and Infinity become null.
"""
from __future__ import annotations

import csv
import pathlib
from typing import Any

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.output_paths import writing_folder, writing_text
from workbench.spans import spans_to_bio, tokenize
from workbench.store import Store
from workbench.store import queries
from workbench.strict_json import dumps as strict_json


def write_jsonl(store: Store, path: str | pathlib.Path, *, overwrite: bool = False) -> int:
    """Every document; each task's annotation under its key (``spans``, ``sentiment``, ...) only
    where that task was accepted; metadata keys after."""
    n = 0
    specs = task_registry.specs(store.tasks)
    with writing_text(path, overwrite=overwrite, protect=[store.path]) as fh:
        for doc, ann in queries.iter_documents(store):
            record: dict = {"text": doc.text}
            for spec in specs:
                if ann[spec.name] is not None:
                    record[spec.jsonl_key] = spec.to_json(ann[spec.name])
            for key, value in doc.meta.items():
                record.setdefault(key, value)
            fh.write(strict_json(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_conll(store: Store, path: str | pathlib.Path, *, overwrite: bool = False) -> int:
    """Documents accepted for the span task as ``token TAG`` lines (IOB2).  A document's lines
    are its sentences; ``-DOCSTART-`` separates documents (for sentence-level
    imports, wherever the original CoNLL document changed)."""
    span = store.span_task
    if span is None:
        raise UserError("CoNLL holds entity tags, and this project has no span-labeling task; export JSONL or CSV")
    n = 0
    last_group = object()
    with writing_text(path, overwrite=overwrite, protect=[store.path]) as fh:
        for doc, ann in queries.iter_documents(store, task=span.name):
            group = doc.meta.get("conll_document", ("doc", doc.id))
            # conll_document 0: the source file had no -DOCSTART- lines
            if group != last_group and group != 0:
                fh.write("-DOCSTART- O\n\n")
            last_group = group
            tokens = tokenize(doc.text, doc.pretokenized)
            tags = spans_to_bio(tokens, ann[span.name] or [])
            for i, (tok, tag) in enumerate(zip(tokens, tags)):
                # a newline between two tokens ends a sentence
                if i and "\n" in doc.text[tokens[i - 1].end:tok.start]:
                    fh.write("\n")
                fh.write(f"{tok.text} {tag}\n")
            fh.write("\n")
            n += 1
    return n


def write_csv(store: Store, path: str | pathlib.Path, *, overwrite: bool = False) -> int:
    """One row per document: id, external id, split, text, each classification task's class
    (``sentiment``, ...), then the span task's status and spans (JSON: ``ner_status``, ``spans``)."""
    n = 0
    classes, span = store.class_tasks, store.span_task
    head = ["id", "external_id", "split", "text"] + [c.jsonl_key for c in classes]
    if span is not None:
        head += [f"{span.name}_status", span.jsonl_key]
    with writing_text(path, overwrite=overwrite, protect=[store.path]) as fh:
        out = csv.writer(fh, delimiter="\t" if str(path).lower().endswith(".tsv") else ",")
        out.writerow(head)
        for doc, ann in queries.iter_documents(store):
            row = [doc.id, doc.external_id, doc.split, doc.text] + [ann[c.name] or "" for c in classes]
            if span is not None:
                value = ann[span.name]
                row += [ann["status"].get(span.name, ""),
                        strict_json([[s.start, s.end, s.label] for s in value]) if value is not None else ""]
            out.writerow(row)
            n += 1
    return n


def write_hf(store: Store, path: str | pathlib.Path, *, overwrite: bool = False) -> int:
    """A ``datasets.DatasetDict`` (train/dev/test) saved to disk, with ClassLabel features.

    Holds documents accepted for at least one task; a task a document lacks is
    -1 (sentiment) or an empty tag list (NER).
    """
    with writing_folder(path, kind="hf-dataset", overwrite=overwrite, protect=[store.path]) as staging:
        import datasets  # heavy: only when exporting this format, and after the target was checked

        return _write_hf(store, staging, datasets)


def _write_hf(store: Store, folder: pathlib.Path, datasets: Any) -> int:
    """Columns: id, text, tokens; ``<span task>_tags`` (BIO) when the project has a span task;
    one ClassLabel column per classification task (-1 where a document lacks it)."""
    span, classes = store.span_task, store.class_tasks
    columns: dict[str, Any] = {"id": datasets.Value("int64"), "text": datasets.Value("string"),
                               "tokens": datasets.Sequence(datasets.Value("string"))}
    tag_names = span.model_labels(store.label_names(span.name)) if span is not None else []
    if span is not None:
        columns[f"{span.name}_tags"] = datasets.Sequence(datasets.ClassLabel(names=tag_names))
    names = {c.name: store.label_names(c.name) for c in classes}
    for c in classes:
        columns[c.jsonl_key] = datasets.ClassLabel(names=names[c.name] or ["none"])
    features = datasets.Features(columns)
    rows: dict[str, dict[str, list]] = {s: {k: [] for k in features} for s in ("train", "dev", "test")}
    n = 0
    for doc, ann in queries.iter_documents(store):
        if all(ann[t] is None for t in store.tasks):
            continue
        split = doc.split if doc.split in rows else "train"
        tokens = tokenize(doc.text, doc.pretokenized)
        row = rows[split]
        row["id"].append(doc.id)
        row["text"].append(doc.text)
        row["tokens"].append([t.text for t in tokens])
        if span is not None:
            value = ann[span.name]
            row[f"{span.name}_tags"].append(
                [tag_names.index(t) for t in spans_to_bio(tokens, value)] if value is not None else [])
        for c in classes:
            row[c.jsonl_key].append(names[c.name].index(ann[c.name]) if ann[c.name] is not None else -1)
        n += 1
    # An empty split cannot be loaded back by datasets, so only splits with rows are saved.
    dd = datasets.DatasetDict({s: datasets.Dataset.from_dict(r, features=features)
                               for s, r in rows.items() if r["id"]})
    if not dd:
        raise UserError("nothing to export: no document is accepted for any task yet")
    dd.save_to_disk(str(folder))
    return n


WRITERS = {"jsonl": write_jsonl, "conll": write_conll, "csv": write_csv, "hf": write_hf}


def export_file(store: Store, path: str | pathlib.Path, fmt: str, *, overwrite: bool = False) -> int:
    """Write the project in ``fmt``; returns how many documents were written.

    ``overwrite``: replace an existing file, or an earlier export in a folder (only the files
    it wrote); see workbench.output_paths for what is refused either way."""
    if fmt not in WRITERS:
        raise UserError(f"unknown export format {fmt!r}; use one of {', '.join(WRITERS)}")
    return WRITERS[fmt](store, path, overwrite=overwrite)
