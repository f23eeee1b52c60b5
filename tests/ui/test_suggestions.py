"""Model-assisted labeling on the Annotate screen: pre-annotate with a run from the Review
screen, then accept and reject suggestions with the keyboard; "uncertain first" order."""
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


def preannotate(qtbot, w, task: str) -> None:
    panel = open_review(qtbot, w, task)
    tabs = w.tabs
    panel.preannotate_button.click()
    qtbot.waitUntil(lambda: not panel.jobs.busy and "Pre-annotated" in panel.summary.text(), timeout=60_000)
    tabs.setCurrentWidget(w.annotate)


def test_accept_and_reject_suggestions_with_keys(qtbot, win):
    from PySide6.QtCore import Qt

    preannotate(qtbot, win, "ner")
    preannotate(qtbot, win, "sentiment")
    screen, layer = win.annotate, win.annotate.suggestions
    doc_id = next(d for d in screen.panel.model.ids() if win.store.annotation(d, "ner").status == "unlabeled")
    screen.open_doc(doc_id)
    screen.view.setFocus()
    assert len(layer.spans) >= 2 and layer.classes.get("sentiment") is not None
    assert "accept all" in layer.info.text()
    SHOTS.mkdir(exist_ok=True)
    win.grab().save(str(SHOTS / "annotate_suggestions.png"))
    first, second, *rest = layer.spans
    qtbot.keyClick(screen.view, Qt.Key.Key_Y)                  # accept the first
    spans = win.store.annotation(doc_id, "ner").spans
    assert (first.start, first.end, first.label) in [(s.start, s.end, s.label) for s in spans]
    assert win.store.annotation(doc_id, "ner").status == "draft"     # an ordinary annotation now
    qtbot.keyClick(screen.view, Qt.Key.Key_X)                  # reject the next one
    assert second not in layer.spans and len(layer.spans) == len(rest)
    qtbot.keyClick(screen.view, Qt.Key.Key_A)                  # accept all that are left (and the class)
    stored = {(s.start, s.end, s.label) for s in win.store.annotation(doc_id, "ner").spans}
    assert stored == {(s.start, s.end, s.label) for s in [first, *rest]}
    assert win.store.annotation(doc_id, "sentiment").choice == layer_class(win, doc_id)
    assert layer.spans == [] and layer.info.text() == ""
    qtbot.keyClick(screen.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)   # the class
    qtbot.keyClick(screen.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)   # the accept-all
    assert {(s.start, s.end, s.label) for s in win.store.annotation(doc_id, "ner").spans} == \
        {(first.start, first.end, first.label)}
    qtbot.keyClick(screen.view, Qt.Key.Key_Return)             # accept the document
    assert win.store.annotation(doc_id, "ner").status == "accepted"
    screen.open_doc(doc_id)
    assert layer.spans == []                                   # no suggestions on accepted documents


def layer_class(win, doc_id: int) -> str:
    from workbench.inference import cache

    run_id = trained()["sentiment"].run_id
    return cache.load(win.store, run_id, "sentiment", ["negative", "positive"], [doc_id])[doc_id].label


def test_uncertain_first_order(qtbot, win):
    from PySide6.QtCore import Qt
    from workbench.inference import cache
    from workbench.inference.queue import next_order

    preannotate(qtbot, win, "ner")
    screen, layer = win.annotate, win.annotate.suggestions
    run_id = trained()["ner"].run_id
    queue = cache.uncertain_unlabeled(win.store, run_id, "ner")
    layer.order_box.setCurrentIndex(layer.order_box.findData("least_confidence"))
    assert next_order(win.store) == "least_confidence"
    screen.open_doc(queue[3])
    screen.view.setFocus()
    qtbot.keyClick(screen.view, Qt.Key.Key_A)
    qtbot.keyClick(screen.view, Qt.Key.Key_Return)             # accept, go to the most uncertain one left
    assert screen.session.doc_id == queue[0]
    qtbot.keyClick(screen.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)   # skip
    assert screen.session.doc_id == queue[1]
    layer.order_box.setCurrentIndex(layer.order_box.findData("in_order"))
    from workbench.inference.queue import next_uncertain

    assert next_order(win.store) == "in_order" and next_uncertain(win.store, queue[1]) is None
