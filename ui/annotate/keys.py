"""Every key of the Annotate screen, in one table: the key handling dispatches from it
and the shortcuts help lists it, so the two cannot drift apart.

A :class:`Binding` names an action (a slot of the screen, or a method of the text
view for the keys that move the word cursor), the keys that trigger it and the
sentence the help shows.  The static rows are below; the label keys (1-9 for
entities, Q/W/E... for classes) and the suggestion keys (A/Y/X, or Shift+key when
a label already uses the letter) come from the open project.  UI thread only.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Sequence

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

from workbench.store import Label

DOCS, LABELING, MOVING, SUGGESTIONS, HELP = "Documents", "Labeling", "Word cursor", "Model suggestions", "Help"


@dataclasses.dataclass(frozen=True)
class Binding:
    keys: tuple[str, ...]     # portable QKeySequence strings; every one triggers the action
    action: str               # "text": a NerView method; "screen": an AnnotateScreen slot (see screen.py)
    help: str                 # one line for the shortcuts help; rows with the same text are listed together
    group: str
    arg: Any = None           # passed to the action
    scope: str = "screen"     # "screen" (a QAction on the screen) or "text" (the text view's own keys)
    hint: str = ""            # a few words for the key line under the buttons ("" = not on it)


def _text(keys: str, action: str, help_: str, arg: Any) -> Binding:
    return Binding(tuple(keys.split(",")), action, help_, MOVING, arg, "text")


_WORD = "Previous / next word (punctuation is skipped)"
_WORD_X = "Extend the selection by a word"
_FIVE = "Five words back / on"
_FIVE_X = "Extend the selection by five words"
_LINE = "Line up / down"
_LINE_X = "Extend the selection by a line"
_EDGE = "First / last word of the document"
_EDGE_X = "Extend the selection to the first / last word"
_SPAN = "Previous / next span"

SCREEN_KEYS: tuple[Binding, ...] = (
    Binding(("Return", "Enter"), "accept_and_next", "Accept the document as shown, with the model's suggestions still on it, "
            "and go to the next unlabeled one", DOCS, hint="Enter accept & next"),
    Binding(("Ctrl+K",), "skip_and_next", "Skip the document and go to the next unlabeled one", DOCS, hint="Ctrl+K skip"),
    Binding(("PgUp", "Alt+Left", "Alt+Up"), "step", "Previous document in the list (accepts nothing)", DOCS, -1,
            hint="PgUp/PgDn previous/next"),
    Binding(("PgDown", "Alt+Right", "Alt+Down"), "step", "Next document in the list (accepts nothing)", DOCS, 1),
    Binding(("Ctrl+F",), "focus_search", "Search the documents: ↑/↓ pick a result, Enter, Esc or Tab go back to the text",
            DOCS),
    Binding(("Delete", "Backspace"), "delete_selected", "Delete the selected span (or every span the selection touches)",
            LABELING, hint="Del delete span"),
    Binding(("Ctrl+L",), "label_all_occurrences", "Label every other occurrence of the selected span's text in this "
            "document, then offer it as a suggestion in the unlabeled documents", LABELING,
            hint="Ctrl+L all occurrences"),
    Binding(("Ctrl+Z",), "undo", "Undo (labels, classes, accepted and rejected suggestions, accepting)", LABELING,
            hint="Ctrl+Z undo"),
    Binding(("Ctrl+Shift+Z", "Ctrl+Y"), "redo", "Redo", LABELING),
    Binding(("F1",), "show_shortcuts", "This list of keys", HELP, hint="F1 all keys"),
)

TEXT_KEYS: tuple[Binding, ...] = (
    _text("Left", "move_words", _WORD, (-1, False)), _text("Right", "move_words", _WORD, (1, False)),
    _text("Shift+Left", "move_words", _WORD_X, (-1, True)), _text("Shift+Right", "move_words", _WORD_X, (1, True)),
    _text("Ctrl+Left", "move_words", _FIVE, (-5, False)), _text("Ctrl+Right", "move_words", _FIVE, (5, False)),
    _text("Ctrl+Shift+Left", "move_words", _FIVE_X, (-5, True)),
    _text("Ctrl+Shift+Right", "move_words", _FIVE_X, (5, True)),
    _text("Up", "move_lines", _LINE, (-1, False)), _text("Down", "move_lines", _LINE, (1, False)),
    _text("Shift+Up", "move_lines", _LINE_X, (-1, True)), _text("Shift+Down", "move_lines", _LINE_X, (1, True)),
    _text("Home", "move_edge", _EDGE, (-1, False)), _text("End", "move_edge", _EDGE, (1, False)),
    _text("Shift+Home", "move_edge", _EDGE_X, (-1, True)), _text("Shift+End", "move_edge", _EDGE_X, (1, True)),
    _text("Shift+Tab", "jump_span", _SPAN, -1), _text("Tab", "jump_span", _SPAN, 1),
    _text("Esc", "clear_selection", "Clear the selection", None),
)
TEXT_HINT = "←/→ word · Ctrl+←/→ five words · Shift extends · Tab next span"
SUGGESTION_KEYS = (("a", "accept_all_suggestions", "Accept every suggestion of the document (and its suggested class)"),
                   ("y", "accept_suggestion", "Accept the suggestion at the cursor (or the first one)"),
                   ("x", "reject_suggestion", "Reject the suggestion at the cursor (or the first one, or the class)"))


def label_bindings(span_labels: Iterable[Label], class_labels: Iterable[Label]) -> list[Binding]:
    """The project's label keys: the span task's keys label the selection, a classification
    task's keys choose the document's class."""
    out = []
    for lab in span_labels:
        if lab.shortcut:
            out.append(Binding((lab.shortcut,), "apply_label", f"Label the selected words {lab.name} "
                               "(or relabel the selected span)", LABELING, lab.name))
    for lab in class_labels:
        if lab.shortcut:
            out.append(Binding((lab.shortcut,), "toggle_class", f"Document class {lab.name} (press it again to clear)",
                               LABELING, (lab.task, lab.name)))
    return out


def suggestion_bindings(used: Iterable[str]) -> list[Binding]:
    """A, Y and X, each as Shift+letter when a label already has the plain letter."""
    taken = {k.lower() for k in used}
    return [Binding((f"Shift+{k.upper()}" if k in taken else k.upper(),), action, help_, SUGGESTIONS)
            for k, action, help_ in SUGGESTION_KEYS]


def sequences(binding: Binding) -> list[QKeySequence]:
    return [QKeySequence(k) for k in binding.keys]


def combo_of(event: QKeyEvent) -> int:
    """The key and modifiers of a key press as one int, comparable with a table key's."""
    key, mods = Qt.Key(event.key()), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if key == Qt.Key.Key_Backtab:   # Shift+Tab arrives as Backtab (with Shift held)
        key, mods = Qt.Key.Key_Tab, mods | Qt.KeyboardModifier.ShiftModifier
    return QKeyCombination(mods, key).toCombined()


def dispatch_table(bindings: Iterable[Binding]) -> dict[int, Binding]:
    return {QKeySequence(k)[0].toCombined(): b for b in bindings for k in b.keys}


def invoke(target: object, binding: Binding) -> None:
    """Call ``target.<action>`` with the binding's argument (a tuple is spread)."""
    fn = getattr(target, binding.action)
    if isinstance(binding.arg, tuple):
        fn(*binding.arg)
    elif binding.arg is None:
        fn()
    else:
        fn(binding.arg)


_PRETTY = {"Left": "←", "Right": "→", "Up": "↑", "Down": "↓", "Return": "Enter", "PgDown": "PgDn", "Del": "Delete"}


def pretty(key: str) -> str:
    """How the help writes a key: "Ctrl+Shift+→", "PgDn", "Enter"."""
    parts = QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText).split("+")
    if parts[-1] == "" and len(parts) > 1:   # the "+" key itself
        parts = parts[:-2] + ["+"]
    return "+".join(_PRETTY.get(p, p) for p in parts)


def help_rows(bindings: Sequence[Binding]) -> list[tuple[str, str, str]]:
    """(group, keys, what they do), one row per help text, in table order within each group."""
    rows: dict[tuple[str, str], list[str]] = {}
    for b in bindings:
        keys = rows.setdefault((b.group, b.help), [])
        for k in map(pretty, b.keys):
            if k not in keys:   # Return and Enter both read "Enter"
                keys.append(k)
    order = [DOCS, LABELING, MOVING, SUGGESTIONS, HELP]
    out = [(g, ", ".join(keys), text) for (g, text), keys in rows.items()]
    return sorted(out, key=lambda r: order.index(r[0]) if r[0] in order else len(order))


def hint_line(bindings: Iterable[Binding]) -> str:
    """The short key line under the Accept button: the screen's hints, the word cursor's, then F1."""
    hints = [b.hint for b in bindings if b.hint and b.group != HELP]
    return " · ".join(hints + [TEXT_HINT] + [b.hint for b in bindings if b.hint and b.group == HELP])


class ShortcutsDialog(QDialog):
    """Every key of the Annotate screen, from :func:`help_rows`.  Not modal: it can stay open."""

    def __init__(self, bindings: Sequence[Binding], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(760, 720)
        rows = help_rows(bindings)
        groups = list(dict.fromkeys(g for g, _k, _t in rows))
        self.table = QTableWidget(len(rows) + len(groups), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "What they do"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)
        self._headings: set[int] = set()
        i, group = 0, None
        for g, keys, text in rows:
            if g != group:
                heading = QTableWidgetItem(g)
                font = heading.font()
                font.setBold(True)
                font.setPointSizeF(font.pointSizeF() * 1.1)
                heading.setFont(font)
                self.table.setItem(i, 0, heading)
                self.table.setSpan(i, 0, 1, 2)
                self._headings.add(i)
                i, group = i + 1, g
            item = QTableWidgetItem(keys)
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            self.table.setItem(i, 0, item)
            self.table.setItem(i, 1, QTableWidgetItem(text))
            i += 1
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        note = QLabel("Label and class keys are the ones on the label bars; change them with Edit labels….")
        note.setObjectName("muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def keys_listed(self) -> list[str]:
        """Every key the table shows, as written there."""
        return [k for i in range(self.table.rowCount()) if i not in self._headings
                for k in self.table.item(i, 0).text().split(", ")]
