"""The Review screen, driven the way a person does: pick a run, read the errors, click a
confusion cell, click a word, look at attention and attributions, fix a gold label."""
from __future__ import annotations

import pathlib

import pytest

from inference_support import trained
from review_support import open_review

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture
def win(trained_window):
    return trained_window


def shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / f"{name}.png"))


def test_errors_confusion_tokens_and_explanations(qtbot, win):
    from PySide6.QtCore import Qt

    panel = open_review(qtbot, win, "ner")
    wrong = sum(bool(r.errors) for r in panel.review.reviews)
    assert 0 < wrong < 40
    assert f"entity F1 {trained()['ner'].dev['f1']:.3f}" in panel.summary.text()
    assert f"{wrong} of 40 documents with errors" in panel.summary.text()
    assert panel.errors_proxy.rowCount() == wrong        # "any error" is the default filter
    first = panel.errors_proxy.review_at(0)
    assert first.loss == max(r.loss for r in panel.review.reviews if r.errors)    # sorted by loss, worst first
    assert panel.doc_id == first.doc_id and panel.tokens.rowCount() == len(panel.view._words)
    print("DBG", panel.doc_id, first.doc_id, panel.tokens.rowCount(), [panel.tokens.item(i, 1).text() + "|" + panel.tokens.item(i, 2).text() for i in range(panel.tokens.rowCount())], panel.review.task)
    assert panel.tokens.errors                           # the I-PER word is marked

    # all documents, then an off-diagonal confusion cell lists just its documents
    panel.kind_box.setCurrentIndex(panel.kind_box.findData(None))
    assert panel.errors_proxy.rowCount() == 40
    names, matrix = panel.review.matrix_names, panel.review.matrix
    row, col = next((r, c) for r in range(len(names)) for c in range(len(names)) if r != c and matrix[r, c])
    rect = panel.confusion.visualRect(panel.confusion.model().index(row, col))
    qtbot.mouseClick(panel.confusion.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    docs = set(panel.review.cells[(names[row], names[col])])
    assert {panel.errors_proxy.review_at(i).doc_id for i in range(panel.errors_proxy.rowCount())} == docs
    assert f"gold {names[row]} → predicted {names[col]}" in panel.cell_label.text()
    panel.clear_cell.click()
    assert panel.errors_proxy.rowCount() == 40

    # click a word: the token table follows, and the attention row of that word is shown
    panel.show_document(first.doc_id)
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.view.word_rect(1).center().toPoint())
    assert panel.view.selected == 1 and panel.tokens.currentRow() == 1
    panel.explain.mode_box.setCurrentIndex(panel.explain.mode_box.findData("attention"))
    qtbot.waitUntil(lambda: panel.view._heat is not None and not panel.explain.jobs.busy, timeout=30_000)
    assert 0.5 < float(panel.view._heat.sum()) <= 1.0 + 1e-6
    assert "not what mattered" in panel.legend.note.text()
    assert panel.explain.layer_box.count() == 3 and panel.explain.head_box.count() == 3   # all + 2 each
    panel.explain.layer_box.setCurrentIndex(2)
    qtbot.waitUntil(lambda: "layer 2" in panel.legend.note.text() and not panel.explain.jobs.busy, timeout=30_000)
    panel.explain.mode_box.setCurrentIndex(panel.explain.mode_box.findData("attribution"))
    qtbot.waitUntil(lambda: "pushed the model towards" in panel.legend.note.text() and not panel.explain.jobs.busy,
                    timeout=60_000)
    assert "B-" not in panel.legend.note.text() and "gap" in panel.legend.note.toolTip()   # jargon in the tooltip
    shot(win, "review_attribution")
    panel.explain.mode_box.setCurrentIndex(0)
    assert panel.view._heat is None
    shot(win, "review_errors")


def test_attribution_steps_box_and_legend_say_the_same_number(qtbot, win):
    """The steps double until the words' scores add up (this saturated classifier needs more
    than the default 24): the box then shows the steps the legend names, not the ones asked for."""
    import re

    panel = open_review(qtbot, win, "sentiment")
    explain = panel.explain
    asked = explain.steps_box.value()
    explain.mode_box.setCurrentIndex(explain.mode_box.findData("attribution"))
    used = []
    for doc_id in [r.doc_id for r in panel.review.reviews][:4]:
        panel.show_document(doc_id)
        qtbot.waitUntil(lambda: panel.legend.note.isVisible() and not explain.jobs.busy and explain._pending is None,
                        timeout=120_000)
        shown = int(re.search(r"(\d+) steps", panel.legend.note.text()).group(1))
        technical = int(re.search(r"\((\d+) steps", panel.legend.note.toolTip()).group(1))
        assert shown == technical == explain.steps_box.value(), (shown, technical, explain.steps_box.value())
        used.append(shown)
    assert max(used) > asked


def test_fix_in_annotate_then_review_updates(qtbot, win):
    from PySide6.QtCore import Qt

    panel = open_review(qtbot, win, "ner")
    wrong = sum(bool(r.errors) for r in panel.review.reviews)
    bad = panel.errors_proxy.review_at(0)
    predicted = [v.pred for v in bad.verdicts if v.pred is not None]
    qtbot.keyClick(panel, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    annotate = win.annotate
    assert win.tabs.currentWidget() is annotate and annotate.session.doc_id == bad.doc_id
    # the analyst looks again and agrees with the model: its spans become the gold ones
    annotate.session.delete_spans(list(annotate.session.spans))
    for sp in predicted:
        annotate.session.label_range(sp.start, sp.end, sp.label)
    qtbot.keyClick(annotate.view, Qt.Key.Key_Return)
    assert win.store.annotation(bad.doc_id, "ner").status == "accepted"
    win.tabs.setCurrentIndex(next(i for i in range(win.tabs.count()) if win.tabs.tabText(i) == "Review"))
    qtbot.waitUntil(lambda: not panel.jobs.busy and panel.review is not None
                    and not panel.review.by_id()[bad.doc_id].errors, timeout=60_000)
    assert f"{wrong - 1} of 40 documents with errors" in panel.summary.text()


def test_sentiment_run_and_suspicious_tab(qtbot, win):
    from workbench.inference.suspicious import looks_suspicious

    panel = open_review(qtbot, win, "sentiment")
    assert f"macro F1 {trained()['sentiment'].dev['f1']:.3f}" in panel.summary.text()
    assert panel.doc_id is not None      # with no errors at all, the hardest document is shown
    assert panel.tokens.rowCount() == 2        # one row per class
    panel.tabs.setCurrentWidget(panel.suspicious)
    view = panel.suspicious
    assert view.checked == 40 and "40 checked documents" in view.caption.text()
    assert "dev split" in view.caption.text()
    # only documents worth a look are listed: "agrees, with p = 0.99" is not one of them
    assert view.table.rowCount() == len(view.items) and all(looks_suspicious(s) for s in view.items)


def test_suspicious_labels_find_planted_errors_and_fix_one(qtbot, win):
    """Three dev labels made wrong on purpose: the list shows them first, says how many of
    the checked documents look suspicious, and no longer lists every document."""
    from PySide6.QtCore import Qt

    classes = ["negative", "positive"]
    planted = [row[0] for row in win.store.conn.execute(
        "SELECT id FROM documents WHERE split = 'dev' ORDER BY id LIMIT 3")]
    for doc_id in planted:
        gold = win.store.annotation(doc_id, "sentiment").choice
        win.store.set_class(doc_id, "sentiment", classes[1 - classes.index(gold)], status="accepted")
    panel = open_review(qtbot, win, "sentiment")
    panel.tabs.setCurrentWidget(panel.suspicious)
    view = panel.suspicious
    shown = [s.doc_id for s in view.items]
    assert set(shown[:3]) == set(planted)
    assert view.table.rowCount() == len(shown) < 40
    assert f"{len(shown)} of 40 checked documents look suspicious" in view.caption.text()
    assert view.table.horizontalHeaderItem(2).text() == "label's chance"      # p(gold) is in its tooltip
    assert "p(gold)" in view.table.horizontalHeaderItem(2).toolTip()
    shot(panel, "review_suspicious")
    view.table.selectRow(2)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert win.annotate.session.doc_id == view.items[2].doc_id
