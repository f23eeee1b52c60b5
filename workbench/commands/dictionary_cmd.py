"""``workbench-cli dictionary PROJECT add|list|remove``: the project's term lists
(workbench/dictionaries/), shown as suggestions on every document in Annotate."""
from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib

from workbench.commands import existing_project
from workbench.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dictionary", help="term lists per label, suggested wherever they occur (add, list, remove)")
    p.add_argument("project")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="add a list: one term a line (--label) or CSV rows term,label (--csv); "
                                       "a bad line refuses the whole list")
    a.add_argument("file")
    which = a.add_mutually_exclusive_group(required=True)
    which.add_argument("--label", help="the label of every term of the list")
    which.add_argument("--csv", action="store_true", help="the file holds CSV rows term,label (a header is allowed)")
    a.add_argument("--case-sensitive", action="store_true", help="match the terms' case exactly (default: any case)")
    a.add_argument("--anywhere", action="store_true",
                   help="match inside words too (default: whole words only; each Chinese or Japanese character is "
                        "a word of its own)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_add)
    ls = actions.add_parser("list", help="the lists: source, label, number of terms, options")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    rm = actions.add_parser("remove", help="remove terms by list (--source) and/or label, or --all")
    rm.add_argument("--source", help="the list's name as `dictionary list` shows it")
    rm.add_argument("--label")
    rm.add_argument("--all", action="store_true")
    rm.set_defaults(func=cmd_remove)


def cmd_add(args: argparse.Namespace) -> int:
    from workbench.dictionaries.project_terms import add_term_list

    done = add_term_list(existing_project(args.project), args.file, label=args.label, csv_rows=args.csv,
                         case_sensitive=args.case_sensitive, whole_word=not args.anywhere)
    m = done.matched
    if args.json:
        print(json.dumps({"source": done.source, "terms": done.terms, "added": len(done.added),
                          "already": done.terms - len(done.added), "matches": m.matches, "documents": m.documents,
                          "searched": m.searched, "by_label": m.by_label, "seconds": round(m.seconds, 3)},
                         ensure_ascii=False))
    else:
        print(f"{done.summary()} [{m.seconds:.1f} s]")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from workbench.dictionaries.project_terms import term_lists

    with Store.open(existing_project(args.project)) as store:
        lists = term_lists(store)
    if args.json:
        print(json.dumps([dataclasses.asdict(t) for t in lists], ensure_ascii=False))
        return 0
    if not lists:
        print("no dictionaries (add one with `workbench-cli dictionary PROJECT add FILE --label L`)")
    for t in lists:
        options = ", ".join(["case-sensitive" if t.case_sensitive else "any case",
                             "whole words" if t.whole_word else "anywhere"])
        print(f"{t.source or '(no name)'}\t{t.label}\t{t.terms:,} terms\t{options}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from workbench.dictionaries.project_terms import clear_terms
    from workbench.errors import UserError

    if not (args.all or args.source is not None or args.label is not None):
        raise UserError("say which terms to remove: --source NAME, --label L, or --all")
    with Store.open(existing_project(args.project)) as store:
        n = clear_terms(store, label=args.label, source=args.source)
    print(f"removed {n:,} term{'s' if n != 1 else ''}")
    return 0
