"""One "project changed" notification (ui/project_events.py): the screens' counts follow the
store while the user labels, and writes by another connection (a worker, another process)
reach them too, without switching screens."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from workbench.spans import Span, tokenize
from workbench.store import NewDocument, Store

pytestmark = pytest.mark.ui


def _train_count(panel) -> int:  # noqa: ANN001 - the Train screen
    return int(re.match(r"Labeled: (\d+)", panel.counts_label.text()).group(1))


def _unlabeled_train_docs(store: Store, n: int) -> list[int]:
    rows = store.conn.execute(
        "SELECT d.id FROM documents d JOIN annotations a ON a.doc_id = d.id AND a.task = 'ner'"
        " WHERE d.split = 'train' AND a.status = 'unlabeled' ORDER BY d.id LIMIT ?", (n,)).fetchall()
    return [r[0] for r in rows]


def test_train_counts_follow_labeling_in_annotate(qtbot, person):
    win = person.win
    tabs = win.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Train"))
    train = win.screen("Train")
    before = _train_count(train)
    tabs.setCurrentWidget(win.annotate)       # back to labeling; the Train screen is not shown again
    for doc_id in _unlabeled_train_docs(person.store, 2):
        person.open(doc_id)
        person.view.set_token_selection(0, 0, explicit=True)
        person.key(Qt.Key.Key_4)                     # LOC
        person.key(Qt.Key.Key_Return)                # accept and next
        assert person.status("ner", doc_id) == "accepted"
    qtbot.waitUntil(lambda: _train_count(train) == before + 2, timeout=3000)
    assert tabs.currentWidget() is win.annotate


def test_another_connections_labels_reach_annotate_progress_and_train_counts(qtbot, person):
    """A write the app did not make (a worker thread, workbench-cli in a terminal): the watcher
    sees it and the counts follow."""
    win = person.win
    train = win.screen("Train")
    bar = win.annotate.progress.bar("ner")
    before_bar, before_train = bar.value(), _train_count(train)
    doc_id = _unlabeled_train_docs(person.store, 1)[0]
    with Store(win.project_path) as other:
        text = other.document(doc_id).text
        first = tokenize(text)[0]
        other.set_spans(doc_id, [Span(first.start, first.end, "ORG")], status="accepted")
    qtbot.waitUntil(lambda: bar.value() == before_bar + 1 and _train_count(train) == before_train + 1, timeout=3000)


def test_watcher_names_what_changed_and_absorbs_the_apps_own_writes(qtbot, tmp_path):
    from ui.project_events import DOCUMENTS, LABELS, RUNS, ProjectEvents
    from workbench.training import runs

    path = tmp_path / "p.db"
    with Store.create(path, ["ner"], ["PER"]) as store:
        store.add_documents([NewDocument("ann met bob"), NewDocument("cy left")])
    events = ProjectEvents(poll_ms=50, coalesce_ms=20)
    seen: list[str] = []
    events.changed.connect(seen.append)
    events.watch(path)
    mine, other = Store(path), Store(path)
    try:
        # another connection: a label, new documents, a run row; its curve points wake nobody
        other.set_spans(1, [Span(0, 3, "PER")], status="accepted")
        qtbot.waitUntil(lambda: seen == [LABELS], timeout=2000)
        other.add_documents([NewDocument("dee")])
        qtbot.waitUntil(lambda: seen[1:] == [DOCUMENTS], timeout=2000)
        run_id = runs.start_run(other, "ner", "default", "cpu", {}, {})
        qtbot.waitUntil(lambda: seen[2:] == [RUNS], timeout=2000)
        runs.add_points(other, run_id, [("train_loss", 1, 0.1, 0.5)])
        qtbot.wait(300)
        assert seen == [LABELS, DOCUMENTS, RUNS]
        # the app's own writes: a burst of notifications is one event, and the watcher does
        # not report the same write a second time
        for start in (0, 4, 8):
            mine.set_spans(1, [Span(start, start + 3, "PER")], status="accepted")
            events.notify(LABELS)
        qtbot.waitUntil(lambda: len(seen) == 4, timeout=2000)
        qtbot.wait(300)
        assert seen == [LABELS, DOCUMENTS, RUNS, LABELS]
        with pytest.raises(ValueError, match="unknown change"):
            events.notify("everything")
    finally:
        events.close()
        mine.close()
        other.close()
