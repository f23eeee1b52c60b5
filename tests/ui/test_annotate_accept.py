"""Accepting a document with model suggestions on it, and undoing decisions on suggestions.

The rule (as Prodigy's "correct" mode): accepting a document accepts what is shown, so the
pending suggestions become spans and a suggested class becomes the class when none is chosen;
the status bar says so.  The same from Enter, the Accept button, and a document picked in the
list.  Accepting or rejecting a suggestion is an edit like any other: Ctrl+Z brings it back,
and leaving the document and coming back shows what undo shows.
"""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtCore import Qt

from inference_support import trained

pytestmark = pytest.mark.ui
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
NOTES = pathlib.Path(__file__).resolve().parents[2] / "shots"   # looked at by hand; git ignores it


@pytest.fixture
def win(trained_window):
    """The trained project's window with both runs' suggestions on its unlabeled documents."""
    from workbench.inference.batch import predict_job

    for task in ("ner", "sentiment"):
        predict_job(trained_window.project_path, trained()[task].run_id, "unlabeled")
    return trained_window


def open_suggested(win, qtbot, spans: int = 3, skip: int = 0) -> int:
    """Open an unlabeled document with at least ``spans`` suggested entities and a suggested class."""
    screen, layer = win.annotate, win.annotate.suggestions
    found = 0
    for doc_id in screen.panel.model.ids():
        if win.store.annotation(doc_id, "ner").status != "unlabeled":
            continue
        screen.open_doc(doc_id)
        if len(layer.spans) >= spans and layer.classes.get("sentiment") is not None:
            if found == skip:
                screen.view.setFocus()
                qtbot.wait(20)
                return doc_id
            found += 1
    raise AssertionError("the trained project should have such documents")


def shown(win) -> tuple[set[tuple[int, int, str]], str | None]:
    layer = win.annotate.suggestions
    cls = layer.classes.get("sentiment")
    return {(s.start, s.end, s.label) for s in layer.spans}, cls[0] if cls else None


def stored(win, doc_id: int) -> tuple[set[tuple[int, int, str]], str, str | None, str]:
    ner, sent = win.store.annotation(doc_id, "ner"), win.store.annotation(doc_id, "sentiment")
    return {(s.start, s.end, s.label) for s in ner.spans}, ner.status, sent.choice, sent.status


def key(qtbot, win, k, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(win.annotate.view, k, mods)


@pytest.mark.parametrize("path", ["Enter key", "Accept button", "picked in the list, then Enter"])
def test_accepting_takes_the_suggestions_on_screen(qtbot, win, path) -> None:
    screen = win.annotate
    doc_id = open_suggested(win, qtbot)
    if path == "picked in the list, then Enter":
        screen.open_doc(screen.panel.model.id_at(0))   # somewhere else, then pick it with the mouse
        table = screen.panel.table
        index = screen.panel.model.index(screen.panel.model.row_of(doc_id), 6)
        table.scrollTo(index)                              # the user scrolls down to it
        rect = table.visualRect(index)
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert screen.session.doc_id == doc_id
    spans, cls = shown(win)
    if path == "Accept button":
        qtbot.mouseClick(screen.accept_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(win.focusWidget(), Qt.Key.Key_Return)
    assert stored(win, doc_id) == (spans, "accepted", cls, "accepted")
    assert screen.session.doc_id != doc_id                # and on to the next one
    assert win.statusBar().currentMessage() == \
        f"Document {doc_id} accepted with {len(spans)} suggested entities and the suggested class {cls}."


def test_what_the_user_did_wins_over_the_suggestions(qtbot, win) -> None:
    screen = win.annotate
    doc_id = open_suggested(win, qtbot)
    layer = screen.suggestions
    first, second, *rest = layer.spans
    view = screen.view
    # Label the first suggestion's word(s) by hand with another label, reject the second,
    # choose the other class: Enter keeps all three decisions and takes only the rest.
    view.set_token_selection(view.token_at(first.start), view.token_at(first.end - 1), explicit=True)
    own = "ORG" if first.label != "ORG" else "LOC"
    key(qtbot, win, {"PER": Qt.Key.Key_1, "ORG": Qt.Key.Key_2, "LOC": Qt.Key.Key_3}[own])
    view.set_token_selection(view.token_at(second.start), view.token_at(second.start))
    key(qtbot, win, Qt.Key.Key_X)
    cls = layer.classes.get("sentiment")[0]
    key(qtbot, win, Qt.Key.Key_Q if cls == "positive" else Qt.Key.Key_W)
    assert layer.classes.get("sentiment") is None and not screen.class_bars["sentiment"].chip(cls).suggested
    key(qtbot, win, Qt.Key.Key_Return)
    spans, ner_status, sentiment, sent_status = stored(win, doc_id)
    assert spans == {(first.start, first.end, own)} | {(s.start, s.end, s.label) for s in rest}
    assert (ner_status, sent_status) == ("accepted", "accepted") and sentiment != cls
    # Going back and undoing the accept gives the draft back, with its suggestions on it.
    screen.open_doc(doc_id)
    assert shown(win) == (set(), None)                    # an accepted document shows none
    view.setFocus()
    key(qtbot, win, Qt.Key.Key_Z, CTRL)
    assert stored(win, doc_id)[1] == "draft"
    assert shown(win)[0] == {(s.start, s.end, s.label) for s in rest}


def test_suggestion_decisions_undo_and_redo_like_any_edit(qtbot, win) -> None:
    screen = win.annotate
    doc_id = open_suggested(win, qtbot)
    layer = screen.suggestions
    every, cls = shown(win)
    first, second, *rest = [(s.start, s.end, s.label) for s in layer.spans]
    key(qtbot, win, Qt.Key.Key_Y)                         # accept the first
    key(qtbot, win, Qt.Key.Key_X)                         # reject the next one
    key(qtbot, win, Qt.Key.Key_A)                         # accept all that are left, and the class
    assert stored(win, doc_id) == ({first, *rest}, "draft", cls, "draft")
    assert shown(win) == (set(), None)
    key(qtbot, win, Qt.Key.Key_Z, CTRL)                   # undo A: spans and class together
    key(qtbot, win, Qt.Key.Key_Z, CTRL)                   # undo X: the rejected one is back
    after_y = ({first}, "draft", None, "unlabeled")
    assert stored(win, doc_id) == after_y
    assert shown(win) == ({second, *rest}, cls)
    assert screen.class_bars["sentiment"].chip(cls).suggested is not None
    key(qtbot, win, Qt.Key.Key_PageDown)                  # leaving and coming back shows the same
    key(qtbot, win, Qt.Key.Key_PageUp)
    assert screen.session.doc_id == doc_id
    assert stored(win, doc_id) == after_y and shown(win) == ({second, *rest}, cls)
    screen.view.setFocus()
    key(qtbot, win, Qt.Key.Key_Z, CTRL | SHIFT)           # redo X
    assert shown(win) == (set(rest), cls)
    key(qtbot, win, Qt.Key.Key_PageDown)
    key(qtbot, win, Qt.Key.Key_PageUp)
    screen.view.setFocus()
    assert shown(win) == (set(rest), cls)                 # still rejected after paging
    key(qtbot, win, Qt.Key.Key_Z, CTRL | SHIFT)           # redo A
    assert stored(win, doc_id) == ({first, *rest}, "draft", cls, "draft")
    for _ in range(3):
        key(qtbot, win, Qt.Key.Key_Z, CTRL)               # all the way back
    assert stored(win, doc_id) == (set(), "unlabeled", None, "unlabeled")
    assert shown(win) == (every, cls)


def test_rejecting_the_suggested_class_is_undoable(qtbot, win) -> None:
    screen = win.annotate
    doc_id = open_suggested(win, qtbot, spans=0)
    for _ in screen.suggestions.spans:                    # reject every span, then the class
        key(qtbot, win, Qt.Key.Key_X)
    cls = shown(win)[1]
    key(qtbot, win, Qt.Key.Key_X)
    assert shown(win) == (set(), None) and not screen.class_bars["sentiment"].chip(cls).suggested
    key(qtbot, win, Qt.Key.Key_Z, CTRL)
    assert shown(win)[1] == cls
    key(qtbot, win, Qt.Key.Key_X)
    key(qtbot, win, Qt.Key.Key_Return)                    # nothing left to take: NER with no spans
    assert stored(win, doc_id) == (set(), "accepted", None, "unlabeled")
    assert not win.statusBar().currentMessage().startswith(f"Document {doc_id} accepted with")


def test_suggestions_are_readable_at_a_glance(qtbot, win) -> None:
    from PySide6.QtWidgets import QApplication

    screen = win.annotate
    open_suggested(win, qtbot)
    layer = screen.suggestions
    cls, conf = layer.classes.get("sentiment")
    qtbot.wait(50)                                        # let the layouts settle
    chip = screen.class_bars["sentiment"].chip(cls)
    assert chip.display_name() == f"{cls}? {conf:.2f}"    # the suggested class on its button
    assert chip.width() >= chip.sizeHint().width()
    # The hint wraps inside its own room: all of it visible, none of it under "Next:".
    info, box = layer.info, layer.order_box
    assert info.text() and info.geometry().right() < box.geometry().left()
    assert info.wordWrap() and info.heightForWidth(info.width()) <= info.height()
    tag = screen.view.suggestion_font()
    assert not tag.italic() and tag.pointSizeF() >= QApplication.font().pointSizeF()
    NOTES.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(NOTES / "annotate_suggestions_after.png"))
