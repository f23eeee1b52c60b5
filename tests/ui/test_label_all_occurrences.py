"""Label all occurrences (Ctrl+L) and dictionary suggestions on the Annotate screen, driven by
keys; every check reads the project file."""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from conftest import SHOTS, open_main_window

pytestmark = pytest.mark.ui
CTRL = Qt.KeyboardModifier.ControlModifier
TEXTS = ["Obama met Merkel. Later Obama spoke, and Obama left Obamacare behind.",
         "Obama visited Berlin and berlin liked Obama's speech.",
         "Nothing about him.",
         "Obama and Obama again.",
         "张三在北京见了李四。"]


@pytest.fixture
def win(qtbot, tmp_path: pathlib.Path):
    from workbench.store import NewDocument, Store

    path = tmp_path / "occ.db"
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents([NewDocument(t) for t in TEXTS])
        store.set_spans(4, [], status="accepted")
    w = open_main_window(qtbot, path, 1100, 700)
    messages: list[str] = []
    w.annotate.message.connect(messages.append)
    w.messages = messages
    yield w
    w.close()


def spans(win, doc_id: int) -> list[tuple[str, str]]:
    text = win.store.document(doc_id).text
    return [(text[s.start:s.end], s.label) for s in win.store.annotation(doc_id, "ner").spans]


def terms(win) -> list[tuple]:
    return win.store.conn.execute("SELECT term, source FROM dictionary_terms").fetchall()


def label_first(win, qtbot, doc_id: int, word: str, key: Qt.Key) -> None:
    screen = win.annotate
    screen.open_doc(doc_id)
    screen.view.setFocus()
    i = screen.view.text.index(word)
    screen.view.set_token_selection(screen.view.token_at(i), screen.view.token_at(i + len(word) - 1), explicit=True)
    qtbot.keyClick(screen.view, key)


def test_ctrl_l_labels_the_document_then_suggests_across_unlabeled_documents_and_undoes(qtbot, win):
    screen = win.annotate
    label_first(win, qtbot, 1, "Obama", Qt.Key.Key_1)
    assert spans(win, 1) == [("Obama", "PER")]
    qtbot.keyClick(screen.view, Qt.Key.Key_L, CTRL)
    # as written and as whole words only: "Obamacare" is left alone
    assert spans(win, 1) == [("Obama", "PER")] * 3
    qtbot.waitUntil(lambda: screen.occurrences.confirm_box is not None, timeout=10_000)
    box = screen.occurrences.confirm_box
    # document 2 once ("Obama's" is one word), document 4 is accepted: not counted
    assert "1 occurrence of “Obama” in 1 unlabeled document" in box.text()
    SHOTS.mkdir(exist_ok=True)
    win.grab().save(str(SHOTS / "label_all_occurrences_confirm.png"))
    box.button(QMessageBox.StandardButton.Yes).click()
    assert terms(win) == [("Obama", "label all occurrences")]
    qtbot.waitUntil(win.isActiveWindow)      # the window has the keys again

    screen.open_doc(2)
    screen.view.setFocus()
    assert [(s.start, s.label, s.tag) for s in screen.suggestions.spans] == [(0, "PER", "PER? list")]
    assert "Suggested by your lists: 1 entity" in screen.suggestions.info.text()
    qtbot.keyClick(screen.view, Qt.Key.Key_Y)                        # accepted with the model's key
    assert spans(win, 2) == [("Obama", "PER")]

    screen.open_doc(1)
    screen.view.setFocus()
    qtbot.keyClick(screen.view, Qt.Key.Key_Z, CTRL)                  # the project's suggestion goes
    assert terms(win) == []
    qtbot.keyClick(screen.view, Qt.Key.Key_Z, CTRL)                  # the document's occurrences go, in one step
    assert spans(win, 1) == [("Obama", "PER")]
    qtbot.keyClick(screen.view, Qt.Key.Key_Y, CTRL)                  # and come back with redo
    assert spans(win, 1) == [("Obama", "PER")] * 3


def test_declining_stores_nothing_and_chinese_occurrences_are_characters(qtbot, win):
    from workbench.store import NewDocument

    win.store.add_documents([NewDocument("北京很大，我爱北京。")])
    win.annotate.reload()
    screen = win.annotate
    label_first(win, qtbot, 5, "北京", Qt.Key.Key_2)
    assert spans(win, 5) == [("北京", "LOC")]
    qtbot.keyClick(screen.view, Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: screen.occurrences.confirm_box is not None, timeout=10_000)
    assert "2 occurrences of “北京” in 1 unlabeled document" in screen.occurrences.confirm_box.text()
    screen.occurrences.confirm_box.button(QMessageBox.StandardButton.No).click()
    assert terms(win) == []


def test_ctrl_l_without_a_span_says_what_to_do(qtbot, win):
    win.annotate.open_doc(3)
    win.annotate.view.setFocus()
    qtbot.keyClick(win.annotate.view, Qt.Key.Key_L, CTRL)
    assert "labeled span first" in win.messages[-1]


def add_list(qtbot, dialog, path: pathlib.Path, label: str) -> None:
    dialog.file.setText(str(path))
    dialog.label.setCurrentText(label)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.add_button.isEnabled(), timeout=10_000)


def test_a_list_added_in_the_dialog_shows_as_suggestions_and_a_bad_list_is_refused(qtbot, win, tmp_path):
    from ui.annotate.dictionary_dialog import DictionaryDialog

    screen = win.annotate
    dialog = DictionaryDialog(win.store, screen)
    dialog.changed.connect(screen.suggestions.load)
    qtbot.addWidget(dialog)
    bad = tmp_path / "bad.csv"
    bad.write_text("Berlin,LOC\nMerkel,CHANCELLOR\n", encoding="utf-8")
    add_list(qtbot, dialog, bad, "from the file (CSV rows term,label)")
    assert f"{bad}:2: unknown label 'CHANCELLOR'" in dialog.status.text() and terms(win) == []
    good = tmp_path / "places.txt"
    good.write_text("Berlin\n北京\n", encoding="utf-8")
    add_list(qtbot, dialog, good, "LOC")
    assert "added 2 terms" in dialog.status.text().lower() and dialog.table.rowCount() == 1
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(SHOTS / "dictionary_dialog.png"))
    dialog.close()
    screen.open_doc(2)
    screen.view.setFocus()
    # any case, whole words: "Berlin" and "berlin"
    shown = [(screen.view.text[s.start:s.end], s.tag) for s in screen.suggestions.spans]
    assert shown == [("Berlin", "LOC? list"), ("berlin", "LOC? list")]
    win.grab().save(str(SHOTS / "dictionary_suggestions.png"))
    qtbot.keyClick(screen.view, Qt.Key.Key_X)                        # reject the first
    qtbot.keyClick(screen.view, Qt.Key.Key_A)                        # accept the rest
    assert spans(win, 2) == [("berlin", "LOC")]
    screen.open_doc(5)
    assert [s.tag for s in screen.suggestions.spans] == ["LOC? list"]


def test_a_big_list_is_built_off_the_ui_thread_and_then_shown(qtbot, win):
    from ui.annotate.list_matcher import INLINE_TERMS
    from workbench.dictionaries.project_terms import add_terms

    add_terms(win.store, [(f"name{i}", "PER") for i in range(INLINE_TERMS)] + [("Merkel", "PER")])
    screen = win.annotate
    with qtbot.waitSignal(screen.suggestions.lists.ready, timeout=30_000):
        screen.open_doc(1)
        assert screen.suggestions.spans == []          # nothing yet: the matcher is being built
    assert [(screen.view.text[s.start:s.end], s.tag) for s in screen.suggestions.spans] == [("Merkel", "PER? list")]
