"""The label set editor: every change lands in the store and in the screen."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

pytestmark = pytest.mark.ui


@pytest.fixture
def editor(person):
    from ui.annotate.label_editor import LabelEditorDialog

    dialog = LabelEditorDialog(person.store, "ner", person.win)
    dialog.labelsChanged.connect(person.screen.labels_changed)
    person.qtbot.addWidget(dialog)
    dialog.show()
    yield dialog
    dialog.close()


def _edit_cell(person, table, row: int, col: int, text: str) -> None:
    """Double-click the cell, select all, type, press Enter: what a person does."""
    rect = table.visualRect(table.model().index(row, col))
    # A real double-click is press, release, then the double-click event (QTest's
    # mouseDClick sends only the last, which item views ignore without a press).
    person.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    person.qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editors = [e for e in table.findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, "double-click should open the cell editor"
    person.qtbot.keyClick(editors[0], Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    person.qtbot.keyClicks(editors[0], text)
    person.qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    # The delegate commits on Return through a queued call: let the event loop run it.
    person.qtbot.waitUntil(lambda: not editors[0].isVisible(), timeout=2000)


def test_rename_by_typing_updates_existing_annotations(person, editor) -> None:
    doc_with_per = next(d for d in person.screen.panel.model.ids()
                        if any(s.label == "PER" for s in person.store.annotation(d, "ner").spans))
    table = editor.tables["ner"]
    _edit_cell(person, table, 0, 1, "PERSON")
    assert person.store.label_names("ner")[0] == "PERSON"
    assert any(s.label == "PERSON" for s in person.store.annotation(doc_with_per, "ner").spans)
    assert person.screen.label_bar.chip("PERSON").label.shortcut == "1"
    person.shot(editor, "label_editor")


def test_change_key_and_use_it(person, editor, unlabeled_doc) -> None:
    table = editor.tables["ner"]
    _edit_cell(person, table, 3, 2, "l")            # LOC gets "l"
    assert person.store.labels("ner")[3].shortcut == "l"
    editor.close()
    person.win.activateWindow()                     # the window manager does this when a dialog closes
    person.qtbot.waitUntil(lambda: QApplication.activeWindow() is person.win, timeout=2000)
    person.view.setFocus()
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_L)
    assert person.spans()[0][1] == "LOC"
    person.view.set_token_selection(2, 2, explicit=True)
    person.key(Qt.Key.Key_4)                        # the old key no longer labels
    assert len(person.spans()) == 1


def test_duplicate_key_and_name_are_refused_inline(person, editor) -> None:
    assert not editor.set_key("ner", "LOC", "q")    # a sentiment class has q
    assert "already used by negative" in editor.error.text()
    assert not editor.rename("ner", "LOC", "ORG")
    assert "already exists" in editor.error.text()
    assert person.store.labels("ner")[3].shortcut == "4"


def test_add_recolor_reorder_delete(person, editor) -> None:
    assert editor.add("ner", "DATE")
    assert person.store.labels("ner")[-1].shortcut == "5"
    assert "DATE" in person.screen.label_bar._chips
    assert editor.set_color("ner", "DATE", "#123456")
    assert person.store.labels("ner")[-1].color == "#123456"
    assert editor.move("ner", "DATE", -1)
    assert person.store.label_names("ner") == ["PER", "ORG", "PRODUCT", "DATE", "LOC"]
    assert editor.delete("ner", "DATE")
    assert "DATE" not in person.store.label_names("ner")
    assert not editor.delete("ner", "ORG")          # used by annotations: refused, said why
    assert "used by" in editor.error.text()


def test_editor_buttons_reorder_selected_row(person, editor) -> None:
    table = editor.tables["ner"]
    table.selectRow(1)                              # ORG
    up = next(b for b in table.parent().findChildren(QPushButton) if b.text() == "Move up")
    person.qtbot.mouseClick(up, Qt.MouseButton.LeftButton)
    assert person.store.label_names("ner")[:2] == ["ORG", "PER"]
    assert list(person.screen.label_bar._chips)[:2] == ["ORG", "PER"]
