"""Keyboard-only labeling: the search box and the document list never trap the keys, and the
word cursor moves fast and never stops on punctuation."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.ui
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
TEXT = "Dock Pro, from Norvik Labs (Oslo), ships today. Ines Mbeki said: great value!"


@pytest.fixture
def punctuated(person) -> int:
    """A new unlabeled document full of punctuation, opened with the keyboard in the text."""
    from workbench.store import NewDocument

    (doc_id,) = person.store.add_documents([NewDocument(TEXT)])
    person.open(doc_id)
    return doc_id


def cursor_word(person) -> str:
    first, last = person.view.token_range()
    return person.view.text[person.view.tokens[first].start:person.view.tokens[last].end]


def focused():  # noqa: ANN201
    return QApplication.focusWidget()


def searchable_word(person) -> str:
    """A name that a few documents share (the demo's wording may change)."""
    import collections
    import re

    seen: collections.Counter[str] = collections.Counter()
    for doc_id in person.screen.panel.model.ids():
        seen.update(set(re.findall(r"\b[A-Z][a-z]{4,}\b", person.store.document(doc_id).text)))
    return next(w for w, n in seen.most_common() if 2 <= n <= person.store.document_count() // 3)


# ---- the search box and the list (item 4) -----------------------------------------------
def test_esc_in_the_search_box_returns_to_the_text(person, unlabeled_doc) -> None:
    person.key(Qt.Key.Key_F, CTRL)
    assert focused() is person.screen.panel.search
    person.type("Quillon")
    person.key(Qt.Key.Key_Escape)
    assert focused() is person.view
    person.key(Qt.Key.Key_Right)                   # the word cursor moves again...
    person.key(Qt.Key.Key_2)                       # ...and a label key labels
    assert len(person.spans()) == 1 and person.spans()[0][1] == "ORG"


def test_arrows_pick_a_result_and_enter_goes_back_to_the_text(person, unlabeled_doc, qtbot) -> None:
    panel = person.screen.panel
    word = searchable_word(person)
    person.key(Qt.Key.Key_F, CTRL)
    person.type(word)
    qtbot.waitUntil(lambda: 0 < panel.model.rowCount() < person.store.document_count(), timeout=2000)
    results = panel.model.ids()
    here = panel.model.row_of(person.doc_id)       # the open document is always one of them
    person.key(Qt.Key.Key_Down)
    person.key(Qt.Key.Key_Down)
    assert person.doc_id == results[min(here + 2, len(results) - 1)] != results[here]
    assert focused() is panel.search               # picked and opened while still in the box
    picked = person.doc_id
    person.key(Qt.Key.Key_Return)
    assert focused() is person.view and person.doc_id == picked
    assert word in person.view.text
    person.key(Qt.Key.Key_Right)
    person.key(Qt.Key.Key_3)                       # PRODUCT, in the document that was picked
    first = person.view.tokens[0]
    assert any(text.startswith(first.text) and lab == "PRODUCT" for text, lab in person.spans(picked))


def test_tab_from_the_search_box_goes_to_the_text_not_into_the_list(person, unlabeled_doc) -> None:
    panel = person.screen.panel
    person.key(Qt.Key.Key_F, CTRL)
    person.key(Qt.Key.Key_Tab)
    assert focused() is person.view
    person.key(Qt.Key.Key_Right)
    person.key(Qt.Key.Key_1)
    assert len(person.spans()) == 1
    # Walking the filters with Tab ends in the text, never in the list.
    panel.status_box.setFocus()
    walked = []
    for _ in range(6):
        person.key(Qt.Key.Key_Tab)
        walked.append(focused())
    assert panel.search in walked and walked[-1] is person.view
    assert not any(w is panel.table or panel.table.isAncestorOf(w) for w in walked)


def test_a_click_in_the_list_leaves_the_labeling_keys_working(person, unlabeled_doc) -> None:
    panel, model = person.screen.panel, person.screen.panel.model
    row = next(r for r in range(model.row_of(unlabeled_doc) + 1, model.rowCount())
               if model.doc_row(r).statuses.get("ner") == "unlabeled")
    rect = panel.table.visualRect(model.index(row, 6))
    person.qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    clicked = model.id_at(row)
    assert person.doc_id == clicked and focused() is person.view
    person.key(Qt.Key.Key_Right)
    assert person.view.token_range() == (0, 0)     # arrows move the word cursor, not the list
    person.key(Qt.Key.Key_1)
    assert person.spans(clicked) == [(person.view.tokens[0].text, "PER")]
    person.key(Qt.Key.Key_PageDown)               # the next document, not a scrolled list
    assert person.doc_id == model.id_at(row + 1)
    assert focused() is person.view


# ---- moving the word cursor (item 5) ------------------------------------------------------
def test_arrows_never_stop_on_punctuation(person, punctuated) -> None:
    stops = []
    for _ in range(len(person.view.tokens) + 3):
        person.key(Qt.Key.Key_Right)
        stops.append(cursor_word(person))
    words = [t.text for t in person.view.tokens if any(c.isalnum() for c in t.text)]
    assert list(dict.fromkeys(stops)) == words      # every word once, in order, and nothing else
    person.key(Qt.Key.Key_End)
    assert cursor_word(person) == "value"           # not "!"
    person.key(Qt.Key.Key_Home)
    assert cursor_word(person) == "Dock"
    person.key(Qt.Key.Key_Left)
    assert cursor_word(person) == "Dock"


def test_the_full_stop_cannot_be_labeled_by_arrows(person, punctuated) -> None:
    """The slip the user made: one → too many after "today" and the label key hit "."."""
    person.key(Qt.Key.Key_Home)
    for _ in range(7):                             # Dock Pro from Norvik Labs Oslo ships today
        person.key(Qt.Key.Key_Right)
    assert cursor_word(person) == "today"
    person.key(Qt.Key.Key_Right)                   # past "today": the next word, not "."
    assert cursor_word(person) == "Ines"
    person.key(Qt.Key.Key_Left)
    person.key(Qt.Key.Key_Right, SHIFT)            # extending also skips it
    assert cursor_word(person) == "today. Ines"
    person.key(Qt.Key.Key_End)
    person.key(Qt.Key.Key_4)
    assert person.spans() == [("value", "LOC")]    # the last word, never the "!"


def test_ctrl_arrows_jump_five_words_and_extend(person, punctuated) -> None:
    person.key(Qt.Key.Key_Home)
    person.key(Qt.Key.Key_Right, CTRL)
    assert cursor_word(person) == "Oslo"            # Dock Pro from Norvik Labs | Oslo
    person.key(Qt.Key.Key_Right, CTRL)
    assert cursor_word(person) == "said"            # ships today Ines Mbeki | said
    person.key(Qt.Key.Key_Left, CTRL)
    assert cursor_word(person) == "Oslo"
    person.key(Qt.Key.Key_Home)
    person.key(Qt.Key.Key_Right)
    person.key(Qt.Key.Key_Right, CTRL | SHIFT)
    assert cursor_word(person) == "Pro, from Norvik Labs (Oslo), ships"
    person.key(Qt.Key.Key_End)
    person.key(Qt.Key.Key_Right, CTRL)              # at the end it stays on the last word
    assert cursor_word(person) == "value"


def test_a_click_on_punctuation_snaps_to_the_word(person, punctuated) -> None:
    text = person.view.text
    person.click_char(text.index(","))
    assert cursor_word(person) == "Pro"
    person.click_char(text.index("("))
    assert cursor_word(person) == "Labs"            # between two words: the earlier one
    person.click_char(text.index("Norvik") + 2)     # a click inside a word still selects that word
    assert cursor_word(person) == "Norvik"
    person.drag(text.index("Norvik") + 1, text.index("Oslo") + 2)
    assert cursor_word(person) == "Norvik Labs (Oslo"   # a drag covers what it was dragged over
