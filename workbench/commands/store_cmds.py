"""Project commands: init, import, export, stats, backup."""
from __future__ import annotations

import argparse
import json

from workbench.commands import existing_project
from workbench.errors import UserError
from workbench.formats import EXPORT_FORMATS, IMPORT_FORMATS, export_file, import_file
from workbench.formats.encodings import ENCODINGS
from workbench import tasks as task_registry
from workbench.store import SPLITS, Store
from workbench.store import queries


def _csv_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _open(path: str) -> Store:
    """An existing project (Store.open refuses, untouched, a file that is not one; read-only if it must be)."""
    return Store.open(existing_project(path))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a project file")
    p.add_argument("project")
    p.add_argument("--task", default="ner,sentiment",
                   help=f"the project's tasks, comma-separated, from: {', '.join(task_registry.names())}")
    p.add_argument("--labels", default="", help="entity labels, comma-separated (e.g. PER,ORG,LOC,MISC)")
    p.add_argument("--classes", default="", help="the classification task's classes, comma-separated "
                                                 "(e.g. negative,positive)")
    p.add_argument("--labels-for", action="append", default=[], metavar="TASK=A,B",
                   help="labels of any task by name (repeat for several tasks)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="import a file (one transaction: all or nothing)")
    p.add_argument("project")
    p.add_argument("file")
    p.add_argument("--format", choices=IMPORT_FORMATS, help="default: from the file extension")
    p.add_argument("--split", choices=SPLITS[:3], help="put every document in this split (default: 80/10/10 by hash)")
    p.add_argument("--unit", choices=["sentence", "document"], default="sentence", help="CoNLL: one document per ...")
    p.add_argument("--text-column", help="CSV: the text column (default: text)")
    p.add_argument("--label-column", help="CSV: the class column")
    p.add_argument("--label-task", help="CSV, JSONL: the classification task a label column or a doccano class "
                                        "feeds (default: the project's only one)")
    p.add_argument("--no-header", action="store_true", help="CSV: the file has no header; name columns 0, 1, ...")
    p.add_argument("--label-map", help="CSV: rename class values, e.g. 0=negative,1=positive")
    p.add_argument("--add-labels", action="store_true", help="add labels/classes the project does not have yet")
    p.add_argument("--encoding", choices=ENCODINGS, default="utf-8", help="the file's text encoding (default: utf-8)")
    p.add_argument("--repair-encoding", action="store_true",
                   help="go on past bytes that cannot be decoded: surrogate halves written as UTF-8 are put back "
                        "together, the rest becomes U+FFFD; the lines changed are counted (default: stop at the line)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export the project (never onto a project, a device or a folder it did not write)")
    p.add_argument("project")
    p.add_argument("out", help="a file (jsonl, conll, csv) or a new or empty folder (hf)")
    p.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing file, or an earlier hf export in the folder (only the files it wrote)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="counts per task, status, label and split")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("backup", help="copy the project into the backups folder now (the app makes one a day)")
    p.add_argument("project")
    p.set_defaults(func=cmd_backup)


def cmd_init(args: argparse.Namespace) -> int:
    tasks = task_registry.check_project_tasks(_csv_list(args.task))
    labels = {}
    for item in args.labels_for:
        task, sep, names = item.partition("=")
        if not sep or task not in tasks:
            raise UserError(f"--labels-for takes TASK=A,B with one of the project's tasks ({', '.join(tasks)}); "
                            f"got {item!r}")
        labels[task] = _csv_list(names)
    with Store.create(args.project, tasks, _csv_list(args.labels), _csv_list(args.classes), labels=labels) as store:
        print(f"created {store.path} (tasks: {', '.join(store.tasks)})")
    return 0


def _label_map(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    out = {}
    for pair in _csv_list(value):
        key, sep, name = pair.partition("=")
        if not sep or not key or not name:
            raise UserError(f"--label-map entries look like VALUE=CLASS, got {pair!r}")
        out[key] = name
    return out


def cmd_import(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        report = import_file(
            store, args.file, args.format, split=args.split, unit=args.unit, text_column=args.text_column,
            label_column=args.label_column, header=not args.no_header, label_map=_label_map(args.label_map),
            label_task=args.label_task, add_labels=args.add_labels, encoding=args.encoding,
            repair_encoding=args.repair_encoding,
        )
    # a file name that is not UTF-8 prints as caf\xe9.jsonl, never as a UnicodeEncodeError
    shown = report.path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    print(f"imported {report.documents} documents from {shown} ({report.summary()})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        n = export_file(store, args.out, args.format, overwrite=args.overwrite)
    print(f"exported {n} documents to {args.out}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with _open(args.project) as store:
        stats = queries.counts(store)
        stats["name"] = store.name
        tables = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                  if not r[0].startswith(("documents_fts", "sqlite_"))]
        stats["rows"] = {t: store.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        stats["read_only"] = store.read_only_reason if store.read_only else ""
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"{stats['name']}: {stats['documents']} documents")
    if stats["read_only"]:
        print(f"  read-only: {stats['read_only']}")
    for task, by_status in stats["tasks"].items():
        print(f"  {task}: " + ", ".join(f"{k} {v}" for k, v in by_status.items()))
    for task, by_label in stats["labels"].items():
        if by_label:
            print(f"  {task} labels: " + ", ".join(f"{k} {v}" for k, v in by_label.items()))
    print("  splits: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["splits"].items())))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from workbench.store import backups

    existing_project(args.project)
    target = backups.backup_project(args.project)
    kept = backups.list_backups(args.project)
    print(f"backed up {args.project} to {target} ({len(kept)} kept there; the app keeps the newest {backups.KEEP})")
    return 0
