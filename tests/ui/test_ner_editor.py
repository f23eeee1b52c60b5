"""The NER editor driven by mouse and keys; every assertion is on the store."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.ui


def test_drag_snaps_to_whole_tokens_and_label_key_creates_span(person, unlabeled_doc) -> None:
    text = person.view.text
    start = text.index("promised a fix for the ") + len("promised a fix for the ")
    product = person.store.document(unlabeled_doc).text[start:].split(" months")[0]  # e.g. "Inkpad 2"
    # Drag from the middle of the product's first word to the middle of its last one.
    person.drag(start + 2, start + len(product) - 1 if len(product.split()[-1]) == 1 else start + len(product) - 2)
    assert person.view.selection_chars() == (start, start + len(product))
    person.key(Qt.Key.Key_3)                       # PRODUCT
    assert (product, "PRODUCT") in person.spans()
    assert person.status("ner") == "draft"
    person.shot(person.win, "annotate_span_created")


def test_double_click_then_label_bar_click(person, unlabeled_doc) -> None:
    text = person.view.text
    org_start = 0
    org = text.split(" promised")[0]               # the brand starts the sentence
    person.double_click_char(org_start + 1)
    first_word = org.split()[0]
    assert person.view.selection_chars() == (0, len(first_word))
    person.qtbot.mouseClick(person.screen.label_bar.chip("ORG"), Qt.MouseButton.LeftButton)
    assert (first_word, "ORG") in person.spans()


def test_click_selects_span_delete_removes_other_key_relabels(person, unlabeled_doc) -> None:
    person.double_click_char(1)
    person.key(Qt.Key.Key_2)                       # ORG
    word = person.spans()[0][0]
    person.view.clear_selection()
    person.click_char(1)                           # a click inside the span selects it
    assert person.view.selected_span() is not None
    person.key(Qt.Key.Key_4)                       # another label key relabels it
    assert person.spans() == [(word, "LOC")]
    person.click_char(1)
    person.key(Qt.Key.Key_Delete)
    assert person.spans() == []


def test_keyboard_only_labeling(person, unlabeled_doc) -> None:
    view = person.view
    person.key(Qt.Key.Key_Right)                   # cursor on the first token
    assert view.token_range() == (0, 0)
    person.key(Qt.Key.Key_Right)
    person.key(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)   # extend over two tokens
    a, b = view.token_range()
    assert (a, b) == (1, 2)
    expected = view.text[view.tokens[1].start:view.tokens[2].end]
    person.key(Qt.Key.Key_1)                       # PER
    assert person.spans() == [(expected, "PER")]
    # Home, then Tab walks to the span; a label key relabels it, Delete removes it.
    person.key(Qt.Key.Key_Home)
    person.key(Qt.Key.Key_Tab)
    assert view.selected_span() is not None and view.selected_span().label == "PER"
    person.key(Qt.Key.Key_2)
    assert person.spans() == [(expected, "ORG")]
    person.key(Qt.Key.Key_Delete)
    assert person.spans() == []


def test_new_span_over_old_one_replaces_it(person, unlabeled_doc) -> None:
    view = person.view
    view.set_token_selection(0, 2, explicit=True)
    person.key(Qt.Key.Key_2)
    view.set_token_selection(2, 4, explicit=True)  # overlaps the last token of the first span
    person.key(Qt.Key.Key_4)
    text = view.text
    assert person.spans() == [(text[view.tokens[2].start:view.tokens[4].end], "LOC")]


def test_undo_redo_every_edit_including_relabel_and_delete(person, unlabeled_doc) -> None:
    view = person.view
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_2)                       # create ORG
    person.key(Qt.Key.Key_3)                       # relabel PRODUCT (cursor sits on the new span)
    person.key(Qt.Key.Key_Delete)                  # delete
    word = view.text[view.tokens[0].start:view.tokens[0].end]
    history = [[], [(word, "ORG")], [(word, "PRODUCT")], []]
    for expected in reversed(history[:-1]):
        person.key(Qt.Key.Key_Z, ctrl)
        assert person.spans() == expected
    assert person.status("ner") == "unlabeled"     # undoing the first edit restores the old status too
    for expected in history[1:]:
        person.key(Qt.Key.Key_Z, ctrl | shift)
        assert person.spans() == expected
    assert person.status("ner") == "draft"


def test_undo_history_follows_the_document(person, unlabeled_doc) -> None:
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_2)
    first = person.doc_id
    person.key(Qt.Key.Key_PageDown)
    assert person.doc_id != first
    person.key(Qt.Key.Key_PageUp)
    person.view.setFocus()
    person.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert person.spans(first) == []


def test_long_document_scrolls_to_the_cursor_and_snaps(person, qtbot) -> None:
    from workbench.store import NewDocument

    words = " ".join(f"Word{i} Kestrel Labs opened in Berlin." for i in range(400))
    (doc_id,) = person.store.add_documents([NewDocument(words)])
    person.open(doc_id)
    far = words.index("Word350")
    person.drag(far + 1, far + len("Word350 Kestrel") - 2)
    person.key(Qt.Key.Key_2)
    assert ("Word350 Kestrel", "ORG") in person.spans()
    assert person.view.verticalScrollBar().value() > 0
