"""The shortcuts help is made from the key table the key handling uses, so every key the
Annotate screen reacts to is in it: proven by pressing every key on a document."""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication

from inference_support import trained

pytestmark = pytest.mark.ui
NOTES = pathlib.Path(__file__).resolve().parents[2] / "shots"   # looked at by hand; git ignores it
K, M = Qt.Key, Qt.KeyboardModifier


def help_dialogs() -> list:
    return [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "Keyboard shortcuts" and w.isVisible()]


def open_help(qtbot, win, via_menu: bool = False):  # noqa: ANN201 - the dialog, or None
    if via_menu:
        help_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
        next(a for a in help_menu.actions() if "shortcuts" in a.text().lower()).trigger()
    else:
        win.annotate.view.setFocus()
        qtbot.keyClick(win.annotate.view, K.Key_F1)
    qtbot.wait(10)
    shown = help_dialogs()
    return shown[-1] if shown else None


def close_help() -> None:
    for w in help_dialogs():
        w.close()


def test_f1_and_the_help_menu_list_every_key(qtbot, window) -> None:
    dialog = open_help(qtbot, window)
    assert dialog is not None, "F1 should open the shortcuts help"
    from ui.annotate.keys import pretty

    listed = set(dialog.keys_listed())
    for k in ("1", "2", "3", "4", "Q", "W", "E", "Ctrl+F", "A", "Y", "X", "Home", "End", "Ctrl+←", "Ctrl+→",
              "Ctrl+Shift+→", "←", "→", "Shift+→", "Enter", "PgUp", "PgDn", "Ctrl+K", "Ctrl+Z", "Delete", "Tab", "Esc"):
        assert k in listed, f"{k} missing from the shortcuts help"
    NOTES.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(NOTES / "annotate_shortcuts_help.png"))
    close_help()
    by_menu = open_help(qtbot, window, via_menu=True)
    assert by_menu is not None and set(by_menu.keys_listed()) == listed
    # Every shortcut of every action on the screen is listed (nothing bound behind the help's back).
    for act in window.annotate.findChildren(QAction):
        for seq in act.shortcuts():
            assert pretty(seq.toString()) in listed, f"{seq.toString()} ({act.text()}) is not in the help"
    close_help()


def _universe(win) -> list[tuple[Qt.Key, Qt.KeyboardModifier, str]]:
    """Every key a person might press, with the usual modifiers; left out: the window's own menu
    keys (they open file dialogs), Alt+letter (menu mnemonics) and Ctrl+Tab/Ctrl+PgUp/PgDn (the
    tab bar's standard keys)."""
    menu_keys: set[str] = set()
    menus = [a.menu() for a in win.menuBar().actions()]
    while menus:
        for act in menus.pop().actions():
            menu_keys.update(seq.toString() for seq in act.shortcuts())
            if act.menu() is not None:
                menus.append(act.menu())
    chars = [getattr(K, f"Key_{c}") for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]
    special = [K.Key_Left, K.Key_Right, K.Key_Up, K.Key_Down, K.Key_Home, K.Key_End, K.Key_PageUp, K.Key_PageDown,
               K.Key_Tab, K.Key_Escape, K.Key_Return, K.Key_Enter, K.Key_Delete, K.Key_Backspace, K.Key_Space,
               K.Key_Insert] + [getattr(K, f"Key_F{i}") for i in range(1, 13)]
    out = []
    for key in chars + special:
        for mods in (M.NoModifier, M.ShiftModifier, M.ControlModifier, M.ControlModifier | M.ShiftModifier,
                     M.AltModifier):
            if mods == M.AltModifier and (key in chars or key.name.startswith("Key_F")):
                continue
            if mods & M.ControlModifier and key in (K.Key_Tab, K.Key_PageUp, K.Key_PageDown):
                continue
            name = QKeySequence(mods.value | key.value).toString()
            if name in menu_keys:
                continue
            sent = K.Key_Backtab if key == K.Key_Tab and mods == M.ShiftModifier else key   # as Shift+Tab arrives
            out.append((sent, mods, name))
    return out


def _state(win):  # noqa: ANN202
    s = win.annotate
    doc = s.session.doc_id
    ner, sent = win.store.annotation(doc, "ner"), win.store.annotation(doc, "sentiment")
    stack = s.session.undo_group.activeStack()
    return (doc, s.view.token_range(), ner.spans, ner.status, sent.choice, sent.status,
            (stack.index(), stack.count()) if stack else None,
            [(p.start, p.end, p.label) for p in s.suggestions.spans], s.suggestions.classes.get("sentiment"),
            QApplication.focusWidget(), s.panel.search.text(), s.view.verticalScrollBar().value(),
            win.tabs.currentIndex(), bool(help_dialogs()))


def _labels(win, doc: int):  # noqa: ANN202
    return [(a.spans, a.choice, a.status) for a in (win.store.annotation(doc, t) for t in ("ner", "sentiment"))]


def test_every_key_the_screen_reacts_to_is_in_the_help(qtbot, trained_window) -> None:
    from workbench.inference.batch import predict_job

    win = trained_window
    for task in ("ner", "sentiment"):
        predict_job(win.project_path, trained()[task].run_id, "unlabeled")
    screen = win.annotate
    win.tabs.setCurrentWidget(screen)
    dialog = open_help(qtbot, win)
    assert dialog is not None, "F1 should open the shortcuts help"
    from ui.annotate.keys import pretty

    listed = set(dialog.keys_listed())
    close_help()
    docs = iter([d for d in screen.panel.model.ids() if win.store.annotation(d, "ner").status == "unlabeled"])
    doc = next(docs)
    reacted: list[str] = []
    for key, mods, name in _universe(win):
        close_help()
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
        screen.open_doc(doc)
        screen.view.set_token_selection(1, 1)             # on a word, as a person would be
        screen.view.setFocus()
        before, labels = _state(win), _labels(win, doc)
        qtbot.keyClick(screen.view, key, mods)
        if _state(win) != before:
            reacted.append(name)
            if _labels(win, doc) != labels:
                doc = next(docs)                          # this one is labeled now: take a fresh one
            screen.panel.search.clear()
            win.tabs.setCurrentWidget(screen)
    close_help()
    assert {"1", "Q", "Y", "X", "A", "Return", "Right", "Ctrl+Right", "Home", "F1", "Ctrl+F"} <= set(reacted)
    missing = [name for name in reacted if pretty(name) not in listed]
    assert not missing, f"keys that do something but are not in the shortcuts help: {missing}"
