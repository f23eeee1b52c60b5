"""Keyboard labeling inside a Chinese sentence on the Chinese demo: the word cursor steps one
character at a time (never onto "，" or "。"), Shift+→ takes the next character in, a label key
makes the span, Enter accepts; the project file holds exactly that."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.ui
SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier


def test_label_a_place_inside_a_chinese_sentence_with_keys(person_on, tmp_path, qtbot) -> None:
    from workbench.demo import ensure_demo_project
    from workbench.demo_zh import PLACES

    person = person_on(ensure_demo_project(tmp_path / "zh.db", lang="zh"))
    person.win.activateWindow()                            # label keys are the window's shortcuts
    qtbot.waitUntil(person.win.isActiveWindow, timeout=5000)
    store = person.store
    doc_id = next(i for i in person.screen.panel.model.ids()
                  if store.document(i).text.startswith("据报道，") and store.annotation(i, "ner").status == "unlabeled")
    person.open(doc_id)
    text = store.document(doc_id).text                     # 据报道，青禾计划在杭州开设第二家旗舰店。
    place = next(p for p in PLACES if p in text)
    at = text.index(place)
    steps = sum(1 for c in text[:at] if c not in "，。：！")  # characters the cursor stops on before the place

    person.key(Qt.Key.Key_Home)                            # the first character, 据
    assert person.view.token_range() == (0, 0)
    for _ in range(steps):
        person.key(Qt.Key.Key_Right)
    first, last = person.view.token_range()
    assert text[person.view.tokens[first].start:person.view.tokens[last].end] == place[0]
    person.key(Qt.Key.Key_Right, SHIFT)                    # and the second character of the place
    assert person.view.selection_chars() == (at, at + 2)
    person.key(Qt.Key.Key_4)                               # LOC (the demo's fourth entity label)
    assert person.spans() == [(place, "LOC")]
    assert person.status() == "draft"

    # the organisation two characters after the comma, by keys again: Home, Right x3, Shift+Right, 2 (ORG)
    person.key(Qt.Key.Key_Home)
    for _ in range(3):
        person.key(Qt.Key.Key_Right)                       # 报, 道, then over "，" to the brand's first character
    person.key(Qt.Key.Key_Right, SHIFT)
    person.key(Qt.Key.Key_2)
    person.key(Qt.Key.Key_Return)                          # accept and go on
    assert store.annotation(doc_id, "ner").status == "accepted"
    assert sorted(person.spans(doc_id)) == sorted([(text[4:6], "ORG"), (place, "LOC")])
    assert person.doc_id != doc_id                         # the next document is open
