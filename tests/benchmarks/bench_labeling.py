"""Labeling-window benchmark: drives the real widgets offscreen and prints figures
(asserts nothing).  Each figure is set against a peer measured in the same run:
the stock Qt way of doing the same thing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_labeling.py [--docs 100000] [--tokens 20000]

Targets (issue #3): a 20,000-token document opens in <= 300 ms and a span is
created in it in <= 50 ms; with 100,000 documents the project opens in <= 1 s and
the next document comes in <= 30 ms; app start to a usable window <= 2 s.
Issue #20, with --docs 1000000: the project opens in <= 500 ms (painted before anything that
grows with the project), a filter's or a search's first page is on screen in <= 100 ms, and
the longest event-loop stall while labeling (and while the list reads its ids) is <= 100 ms.
Peers: QPlainTextEdit + ExtraSelections for the editor, an eagerly filled
QStandardItemModel for the document list.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))    # the stall meter

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel, QTextCharFormat, QTextCursor  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QTableView, QTextEdit  # noqa: E402


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def median_ms(samples: list[float]) -> float:
    return ms(statistics.median(samples))


def p95_ms(samples: list[float]) -> float:
    return ms(sorted(samples)[int(0.95 * (len(samples) - 1))])


def settle(app: QApplication) -> None:
    """Let Qt do what it would before the next key press: pending layout and paint."""
    for _ in range(2):
        app.processEvents()


def long_text(tokens: int, seed: int = 3) -> tuple[str, list]:
    """Demo sentences joined into paragraphs until the tokenizer counts ``tokens``,
    with every demo entity kept as a span (a heavily labeled long document)."""
    from workbench.demo import demo_documents
    from workbench.spans import Span, tokenize

    rng = random.Random(seed)
    docs = [d for d in demo_documents() if d.spans]
    parts, spans, pos, count = [], [], 0, 0
    while count < tokens:
        d = rng.choice(docs)
        sep = "\n\n" if rng.random() < 0.1 else " "
        parts.append(d.text + sep)
        spans += [Span(s.start + pos, s.end + pos, s.label) for s in d.spans]
        pos += len(d.text) + len(sep)
        count += len(tokenize(d.text))
    return "".join(parts), spans


def bench_editor(app: QApplication, tmp: pathlib.Path, tokens: int) -> None:
    from ui.main_window import MainWindow
    from workbench.demo import DEMO_CLASSES, DEMO_NER_LABELS
    from workbench.spans import tokenize
    from workbench.store import NewDocument, Store

    text, spans = long_text(tokens)
    path = tmp / "long.db"
    store = Store.create(path, ("ner", "sentiment"), DEMO_NER_LABELS, DEMO_CLASSES)
    ids = store.add_documents([NewDocument("A short one.")] + [NewDocument(text, spans=spans) for _ in range(6)])
    store.close()
    n_tokens = len(tokenize(text))
    win = MainWindow()
    win.resize(1280, 800)
    win.open_project(path)
    win.show()
    settle(app)
    screen, view = win.annotate, win.annotate.view

    opens = []
    for doc_id in ids[1:] * 2:
        screen.open_doc(ids[0])
        settle(app)
        t = time.perf_counter()
        screen.open_doc(doc_id)       # read, tokenize, lay out ...
        settle(app)                   # ... and paint
        opens.append(time.perf_counter() - t)

    # Create spans with the keyboard in the middle of the document: place the
    # cursor, Shift+Right, label key; each is written to the store before returning.
    creates = []
    toks = view.tokens
    view.setFocus()
    for k in range(30):
        i = len(toks) // 2 + 7 * k
        view.set_token_selection(i, i)
        QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        t = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_2)
        settle(app)
        creates.append(time.perf_counter() - t)
    stored = len(win.store.annotation(screen.session.doc_id, "ner").spans)

    # Peer: QPlainTextEdit with one ExtraSelection per span (the stock Qt recipe).
    peer = QPlainTextEdit()
    peer.resize(760, 700)
    peer.show()
    fmt = {lab: QTextCharFormat() for lab in DEMO_NER_LABELS}
    for i, f in enumerate(fmt.values()):
        f.setBackground(QColor(["#8ecae6", "#ffb703", "#90be6d", "#f28482"][i]))

    def selections(span_list):
        out = []
        for s in span_list:
            sel = QTextEdit.ExtraSelection()
            cur = QTextCursor(peer.document())
            cur.setPosition(s.start)
            cur.setPosition(s.end, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor, sel.format = cur, fmt[s.label]
            out.append(sel)
        return out

    peer_opens, peer_creates = [], []
    for _ in range(6):
        peer.setPlainText("")
        settle(app)
        t = time.perf_counter()
        peer.setPlainText(text)
        peer.setExtraSelections(selections(spans))
        settle(app)
        peer_opens.append(time.perf_counter() - t)
    extra = list(spans)
    for k in range(30):
        start = toks[len(toks) // 2 + 7 * k].start
        t = time.perf_counter()
        extra.append(type(spans[0])(start, start + 3, "ORG"))
        peer.setExtraSelections(selections(extra))
        settle(app)
        peer_creates.append(time.perf_counter() - t)

    print(f"\n20,000-token document: {n_tokens:,} tokens, {len(text):,} characters, {len(spans):,} spans")
    print(f"  open (read + tokenize + layout + paint)   median {median_ms(opens):7.1f} ms   p95 {p95_ms(opens):7.1f} ms"
          f"   target <= 300 ms")
    print(f"  create a span (key press -> stored -> painted)  median {median_ms(creates):5.1f} ms"
          f"   p95 {p95_ms(creates):7.1f} ms   target <= 50 ms   ({stored:,} spans stored)")
    print(f"  peer QPlainTextEdit+ExtraSelections: open {median_ms(peer_opens):.1f} ms, add a highlight "
          f"{median_ms(peer_creates):.1f} ms (no store write, no tags, no snapping)")
    print(f"  ratio open {statistics.median(opens) / statistics.median(peer_opens):.2f}x peer,"
          f" create {statistics.median(creates) / statistics.median(peer_creates):.2f}x peer")
    win.close()
    peer.close()


def make_big_project(path: pathlib.Path, n: int) -> None:
    from workbench.demo import DEMO_CLASSES, DEMO_NER_LABELS, demo_documents
    from workbench.formats import import_file
    from workbench.store import Store

    src = demo_documents()
    corpus = path.with_suffix(".jsonl")
    with open(corpus, "w", encoding="utf-8") as fh:
        for i in range(n):
            d = src[i % len(src)]
            rec = {"text": f"{d.text} (#{i})"}
            if i % 5 == 0 and d.spans is not None:
                rec["spans"] = [{"start": s.start, "end": s.end, "label": s.label} for s in d.spans]
                rec["sentiment"] = d.classes.get("sentiment")
            fh.write(json.dumps(rec) + "\n")
    store = Store.create(path, ("ner", "sentiment"), DEMO_NER_LABELS, DEMO_CLASSES)
    import_file(store, corpus, "jsonl")
    store.close()


def bench_big(app: QApplication, tmp: pathlib.Path, n: int) -> None:
    from ui.main_window import MainWindow

    path = tmp / "big.db"
    t = time.perf_counter()
    make_big_project(path, n)
    build = time.perf_counter() - t

    opens = []
    for _ in range(3):
        win = MainWindow()
        win.resize(1280, 800)
        win.show()
        settle(app)
        t = time.perf_counter()
        win.open_project(path)       # store, id list, counts, labels, first unlabeled document
        settle(app)                  # the list's first page and the document, painted
        opens.append(time.perf_counter() - t)
        if len(opens) < 3:
            win.close()
    screen, view = win.annotate, win.annotate.view
    reading = read_list_under_stall_meter(app, win)
    filters = first_pages(app, win)
    while not screen.panel.model.complete:      # the unfiltered list read again, as after an open
        QTest.qWait(20)
    view.setFocus()
    nexts, pages = [], []
    for _ in range(60):
        t = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_Return)     # accept both tasks, go to the next unlabeled
        settle(app)
        nexts.append(time.perf_counter() - t)
    for _ in range(60):
        t = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_PageDown)
        settle(app)
        pages.append(time.perf_counter() - t)
    t = time.perf_counter()
    screen.refresh_counts()
    counts_time = time.perf_counter() - t
    stall = label_under_stall_meter(win)
    t = time.perf_counter()
    table = screen.panel.table
    table.scrollToBottom()
    table.viewport().repaint()
    scroll = time.perf_counter() - t
    win.close()

    # Peer: the eager list most tools start with (skipped above 200,000 documents: at a
    # million it takes minutes, 158 s here).
    peer_list = eager_list(path) if n <= 200_000 else None

    print(f"\n{n:,} documents (built in {build:.1f} s)")
    print(f"  project open (store, list, counts, first document, painted)  median {median_ms(opens):7.1f} ms"
          f"   target <= 1000 ms")
    print(f"  next document (Enter: accept both tasks + next unlabeled + paint) median {median_ms(nexts):5.1f} ms"
          f"   p95 {p95_ms(nexts):5.1f} ms   target <= 30 ms")
    print(f"  PageDown (next in list + paint)  median {median_ms(pages):5.1f} ms   p95 {p95_ms(pages):5.1f} ms")
    print(f"  after the open, the list reads its {reading['rows']:,} ids in steps: {reading['seconds']:.1f} s,"
          f" longest event-loop stall {reading['longest_ms']:.1f} ms (p99 {reading['p99_ms']:.1f} ms)   target <= 100 ms")
    print("  first page on screen (filter or search chosen -> rows painted)   target <= 100 ms: " +
          ", ".join(f"{name} {ms(t):.1f} ms" for name, t in filters.items()))
    print(f"  scroll the list to the last row {ms(scroll):.1f} ms;"
          f" counts refresh (deferred 300 ms after edits) {ms(counts_time):.1f} ms")
    print(f"  longest event-loop stall while labeling (label key, Enter, a pause; {stall['ticks']} ticks of a 10 ms"
          f" timer) {stall['longest_ms']:.1f} ms   p99 {stall['p99_ms']:.1f} ms   over 100 ms: {stall['over_100ms']}"
          f"   target <= 100 ms")
    if peer_list is not None:
        print(f"  peer eager QStandardItemModel list: {ms(peer_list):,.0f} ms"
              f"   ratio project open {statistics.median(opens) / peer_list:.3f}x peer")


def eager_list(path: pathlib.Path) -> float:
    """Seconds to read every row into a QStandardItemModel and show it."""
    from workbench.store import Store
    from workbench.store.queries import doc_rows, document_ids

    with Store(path) as store:
        t = time.perf_counter()
        ids = document_ids(store)
        model = QStandardItemModel(0, 7)
        for i in range(0, len(ids), 1000):
            for r in doc_rows(store, ids[i:i + 1000]):
                model.appendRow([QStandardItem(str(v)) for v in (r.id, r.statuses.get("ner"), r.statuses.get("sentiment"),
                                                                  r.classes.get("sentiment", ""), r.entity_count, r.split, r.preview)])
        view_ = QTableView()
        view_.setModel(model)
        view_.show()
        view_.repaint()
        seconds = time.perf_counter() - t
        view_.close()
    return seconds


def read_list_under_stall_meter(app: QApplication, win) -> dict:
    """From a fresh filter change to the whole id list read (the list reads it in steps after
    the first page), with the stall meter running."""
    from stall_meter import StallMeter

    panel = win.annotate.panel
    meter = StallMeter()
    meter.start()
    t = time.perf_counter()
    panel.apply_filter()
    while not panel.model.complete:
        QTest.qWait(20)
    seconds = time.perf_counter() - t
    meter.stop()
    return {"rows": panel.model.rowCount(), "seconds": seconds, **meter.figures()}


def first_pages(app: QApplication, win) -> dict[str, float]:
    """Time from choosing a filter (or typing a search and its pause ending) to its first rows painted."""
    panel = win.annotate.panel
    out = {}
    for name, box, value in (("unlabeled", panel.status_box, "unlabeled"), ("labeled", panel.status_box, "labeled"),
                             ("split dev", panel.split_box, "dev"), ("label LOC", panel.label_box, "LOC"),
                             ("search 'Lyon'", None, "Lyon"), ("search 'the'", None, "the")):
        t = time.perf_counter()
        if box is None:
            panel.search.setText(value)
            panel.apply_filter()             # what the search box's pause timer calls
        else:
            box.setCurrentIndex(box.findData(value))
        panel.table.viewport().repaint()
        settle(app)
        out[name] = time.perf_counter() - t
        panel.search.clear()
        for b in (panel.status_box, panel.split_box, panel.label_box):
            b.setCurrentIndex(0)
        panel.apply_filter()
        settle(app)
    return out


def label_under_stall_meter(win, rounds: int = 40) -> dict:
    """A person labeling: a label key on the first word, a pause, Enter (accept and next), a pause
    long enough for what follows an edit (the deferred counts refresh, the project watcher's poll)
    to run; the stall meter (tests/stall_meter.py) records the longest gap in the event loop."""
    from stall_meter import StallMeter

    view = win.annotate.view
    meter = StallMeter()
    meter.start()
    for _ in range(rounds):
        view.setFocus()
        if view.tokens:
            view.set_token_selection(0, 0)
            QTest.keyClick(view, Qt.Key.Key_1)
        QTest.qWait(150)
        QTest.keyClick(view, Qt.Key.Key_Return)
        QTest.qWait(450)
    meter.stop()
    return meter.figures()


def bench_start(tmp: pathlib.Path) -> None:
    from workbench.demo import ensure_demo_project

    project = ensure_demo_project(tmp / "demo.db")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", WORKBENCH_HOME=str(tmp / "home"))
    times = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ui.app", "--project", str(project), "--screenshot",
                        str(tmp / "start.png")], cwd=ROOT, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    code = ("import time; t=time.perf_counter(); import torch, transformers;"
            " print(round(time.perf_counter()-t, 2))")
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    print(f"\napp start to a painted window (new process, demo project, exits after the first paint)"
          f"  median {statistics.median(times):.2f} s   target <= 2 s")
    print(f"  for scale: importing torch + transformers alone takes {heavy.stdout.strip() or '?'} s (not done at start)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--tokens", type=int, default=20_000)
    ap.add_argument("--parts", default="start,editor,big", help="which parts to run (comma-separated)")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    from ui.app import make_app

    app = make_app()
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        os.environ["WORKBENCH_HOME"] = str(tmp / "home")   # never the real user's settings
        if "start" in parts:
            bench_start(tmp)
        if "editor" in parts:
            bench_editor(app, tmp, args.tokens)
        if "big" in parts:
            bench_big(app, tmp, args.docs)


if __name__ == "__main__":
    main()
