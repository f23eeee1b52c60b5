"""The Annotate screen: document list on the left, the document on the right.

Keyboard first: every action has a key (shown on its button), label keys come
from the label set, and all of them work wherever the focus is on this screen
except inside the search box.  The keys are one table (ui/annotate/keys.py): the
screen's actions and the text view's keys are made from it and F1 lists it.
Each action's store write is done before its handler returns, so the next key
press always sees a saved document.

Accepting a document (Enter, the Accept button, or Enter after picking it in the
list: all of them are :meth:`AnnotateScreen.accept_and_next`) accepts what is on
screen, the model's pending suggestions included, and says so in the status bar.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout, QWidget

from ui.annotate import keys
from ui.annotate.chips import ChipBar
from ui.annotate.class_bars import ClassBars
from ui.annotate.dictionary_dialog import DictionaryDialog
from ui.annotate.doc_panel import DocPanel
from ui.annotate.flow import next_unlabeled, step_in_list
from ui.annotate.header import HeaderLine
from ui.annotate.label_editor import LabelEditorDialog
from ui.annotate.learner_chip import LearnerChip
from ui.annotate.ner_view import NerView
from ui.annotate.occurrences import Occurrences
from ui.annotate.progress import ProgressPanel
from ui.annotate.session import AnnotationSession
from ui.annotate.suggestions import SuggestionLayer
from workbench import tasks as task_registry
from workbench.store import Store
from workbench.store.queries import counts

KEYS_HINT = keys.hint_line(keys.SCREEN_KEYS)


class AnnotateScreen(QWidget):
    labelsChanged = Signal()       # the label set was edited (other screens may care)
    message = Signal(str)          # for the status bar

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.session = AnnotationSession(self)
        self.panel = DocPanel()
        self.progress = ProgressPanel()
        self.view = NerView()
        font = QFont(self.view.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)  # annotators read this all day
        self.view.setFont(font)
        self.label_bar = ChipBar("Entities", exclusive=False)       # the span task's labels
        self.classes = ClassBars()                                  # one bar per classification task
        self.header = HeaderLine()   # not a QLabel: see header.py
        self.header.setObjectName("docHeader")

        self.prev_button = QPushButton("◀  Previous  (PgUp)")
        self.next_button = QPushButton("Next  (PgDn)  ▶")
        self.skip_button = QPushButton("Skip  (Ctrl+K)")
        self.accept_button = QPushButton("Accept && next  (Enter)")
        self.accept_button.setObjectName("primary")
        for b in (self.prev_button, self.next_button, self.skip_button, self.accept_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        hint = QLabel(KEYS_HINT)
        hint.setObjectName("muted")
        hint.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        left_layout.addWidget(self.panel, 1)
        left_layout.addWidget(self.progress)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.label_bar)
        right_layout.addWidget(self.view, 1)
        right_layout.addWidget(self.classes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.prev_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.accept_button)
        right_layout.addLayout(buttons)
        right_layout.addWidget(hint)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([470, 730])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.splitter)

        # Every key comes from the key table (ui/annotate/keys.py); label and suggestion keys
        # are added per project in _load_labels.
        self._actions: dict[str, list[QAction]] = {}
        for binding in keys.SCREEN_KEYS:
            self._add_key(binding)
        self.undo_action, self.redo_action = self._actions["undo"][0], self._actions["redo"][0]
        self._project_keys: list[keys.Binding] = []
        self._help: keys.ShortcutsDialog | None = None

        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.skip_button.clicked.connect(self.skip_and_next)
        self.accept_button.clicked.connect(self.accept_and_next)
        self.label_bar.chipClicked.connect(self.apply_label)
        self.label_bar.editRequested.connect(lambda: self.edit_labels(self.session.span_task))
        self.panel.documentActivated.connect(self.open_doc)
        self.panel.documentChosen.connect(lambda: self.view.setFocus(Qt.FocusReason.OtherFocusReason))
        self.panel.filterChanged.connect(self._on_filter)
        QWidget.setTabOrder(self.panel.search, self.view)
        self.session.documentOpened.connect(self._on_opened)
        self.session.spansChanged.connect(lambda: self.view.set_spans(self.session.spans))
        self.session.classChanged.connect(lambda _task: self.classes.show_choices(self.session.choices))
        self.classes.chosen.connect(self.toggle_class)
        self.classes.editRequested.connect(self.edit_labels)
        self.session.statusChanged.connect(self._on_status)
        self.session.writeFailed.connect(self._on_write_failed)
        # Counts are one query over the whole project; a burst of edits refreshes them once.
        self._counts_timer = QTimer(self, singleShot=True, interval=300)
        self._counts_timer.timeout.connect(self.refresh_counts)
        # Model suggestions (pre-annotations) and the "uncertain first" order: ui/annotate/suggestions.py
        self.suggestions = SuggestionLayer(self.session, self.view, self)
        # "Learn as I label" (ui/annotate/learner_chip.py): a new suggester shows on the open document
        self.learner = LearnerChip(self.session, self)
        self.add_bar(self.learner)
        self.learner.suggesterChanged.connect(self.suggestions.load)
        self.learner.message.connect(self.message)
        self.add_bar(self.suggestions.bar)
        self.suggestions.changed.connect(lambda: self.classes.show_suggestions(self.suggestions.classes))
        # Ctrl+L: label all occurrences (ui/annotate/occurrences.py)
        self.occurrences = Occurrences(self.session, self.view, self)
        self.occurrences.message.connect(self.message)
        self.occurrences.suggested.connect(self.suggestions.load)

    # ---- keys ----------------------------------------------------------------------------
    def _add_key(self, binding: keys.Binding) -> QAction:
        act = QAction(binding.help, self)
        act.setShortcuts(keys.sequences(binding))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.triggered.connect(lambda _=False, b=binding: keys.invoke(self, b))
        self.addAction(act)
        self._actions.setdefault(binding.action, []).append(act)
        return act

    def bindings(self) -> list[keys.Binding]:
        """Every key this screen reacts to now (the open project's label keys included)."""
        text = list(keys.TEXT_KEYS) if self.session.span_task is not None else []
        return self._project_keys + list(keys.SCREEN_KEYS) + text   # label keys head "Labeling"

    def show_shortcuts(self) -> None:
        """The shortcuts help (F1, Help → Keyboard shortcuts), made from :meth:`bindings`."""
        if self._help is not None:
            self._help.close()
            self._help.deleteLater()
        self._help = keys.ShortcutsDialog(self.bindings(), self)
        self._help.show()
        self._help.raise_()

    def add_bar(self, widget: QWidget) -> None:
        """Put a bar (such as the suggestions' one) right above the text."""
        layout = self.view.parentWidget().layout()
        layout.insertWidget(layout.indexOf(self.view), widget)

    def focus_search(self) -> None:
        self.panel.focus_search()

    def undo(self) -> None:
        self.session.undo_group.undo()

    def redo(self) -> None:
        self.session.undo_group.redo()

    def accept_all_suggestions(self) -> None:
        self.suggestions.accept_all()

    def accept_suggestion(self) -> None:
        self.suggestions.accept_one()

    def reject_suggestion(self) -> None:
        self.suggestions.reject_one()

    def label_all_occurrences(self) -> None:
        self.occurrences.label_all()

    # ---- project ---------------------------------------------------------------------
    def set_store(self, store: Store | None) -> None:
        self._counts_timer.stop()
        self.store = store
        self.suggestions.reset()
        self.session.set_store(store)
        self.learner.set_store(store)
        self.panel.set_store(store)
        self.classes.set_tasks(store.class_tasks if store is not None else [])
        self._load_labels()
        has_spans = self.session.span_task is not None
        self.view.setVisible(has_spans)
        self.label_bar.setVisible(has_spans)
        self.refresh_counts()
        if store is not None:
            first = next_unlabeled(store, self.panel, 0) or (self.panel.model.id_at(0) if self.panel.model.rowCount() else None)
            if first is not None:
                self.open_doc(first)
            else:
                self.view.set_document("", [], [])
                self.header.setText("This project has no documents yet: use File → Import.")

    @property
    def class_bars(self) -> dict[str, ChipBar]:
        """The bar of each classification task, by task."""
        return self.classes.bars

    def _load_labels(self) -> None:
        for binding in self._project_keys:
            for act in self._actions.pop(binding.action, []):
                self.removeAction(act)
                act.deleteLater()
        self._project_keys = []
        if self.store is None:
            return
        span_task = self.session.span_task
        ner = self.store.labels(span_task) if span_task is not None else []
        by_task = {task: self.store.labels(task) for task in self.class_bars}
        self.classes.set_labels(by_task)
        classes = [lab for labels in by_task.values() for lab in labels]
        self.label_bar.set_labels(ner)
        self.view.set_colors({lab.name: lab.color for lab in ner})
        self._project_keys = keys.label_bindings(ner, classes) + \
            keys.suggestion_bindings(lab.shortcut for lab in ner + classes if lab.shortcut)
        for binding in self._project_keys:
            self._add_key(binding)
        self.suggestions.set_keys({b.action: keys.pretty(b.keys[0]) for b in self._project_keys
                                   if b.group == keys.SUGGESTIONS})

    def refresh_counts(self) -> None:
        self._counts_timer.stop()
        if self.store is None:
            return
        c = counts(self.store)
        self.progress.set_counts(c, {t: self.store.labels(t) for t in self.store.tasks})
        self.label_bar.set_counts(c["labels"].get(self.session.span_task or "", {}))
        self.classes.set_counts(c["labels"])

    # ---- navigation --------------------------------------------------------------------
    def open_doc(self, doc_id: int) -> None:
        self.session.open(doc_id)

    def _on_opened(self, doc_id: int) -> None:
        s = self.session
        self.view.set_document(s.doc.text, s.tokens, s.spans)
        self.classes.show_choices(s.choices)
        self.panel.select_doc(doc_id)
        self._update_header()

    def _update_header(self) -> None:
        s = self.session
        if s.doc is None:
            return
        parts = [f"<b>Document {s.doc.id}</b>", s.doc.split]
        parts += [f"{spec.title}: <b>{s.status.get(spec.name, '')}</b>" for spec in task_registry.specs(s.tasks)]
        self.header.setText(" &nbsp;·&nbsp; ".join(parts))

    def _on_status(self, doc_id: int) -> None:
        self.panel.model.refresh_doc(doc_id)
        if doc_id == self.session.doc_id:
            self._update_header()
        self._counts_timer.start()

    def _on_filter(self) -> None:
        # Filtering to "dev" should show a dev document, not keep one the list no longer has.
        model = self.panel.model
        if self.session.doc_id is not None and model.row_of(self.session.doc_id) is None and model.rowCount():
            self.open_doc(model.id_at(0))

    def step(self, delta: int) -> None:
        if self.store is None or self.session.doc_id is None:
            return
        target = step_in_list(self.store, self.panel, self.session.doc_id, delta)
        if target is not None:
            self.open_doc(target)

    def accept_and_next(self) -> None:
        """Accept the document as shown, the model's pending suggestions included (the one rule
        for the Enter key, the Accept button and a document picked in the list), then go on."""
        doc_id, shown = self.session.doc_id, self.suggestions.pending()
        if not self.session.accept(shown.spans, shown.classes):
            self.message.emit("Choose a class first (nothing to accept).")
            return
        if self.session.failed_write:      # not saved: stay on the document, the message says why
            return
        taken = []
        if shown.spans and self.session.span_task is not None:
            taken.append(f"{len(shown.spans)} suggested entit{'ies' if len(shown.spans) != 1 else 'y'}")
        taken += [f"the suggested class {c}" for t, c in shown.classes.items() if self.session.choices.get(t) == c]
        if taken:
            self.message.emit(f"Document {doc_id} accepted with {' and '.join(taken)}.")
        self._go_next_unlabeled()

    def _on_write_failed(self, why: str) -> None:
        """A read-only project says so on the status bar at every refused key; any other refusal
        (a full disk, a lock never released) is rare and means work was not saved: a dialog."""
        if self.store is not None and self.store.read_only:
            self.message.emit(f"Not saved: this project is open read-only ({self.store.read_only_reason}).")
            return
        QMessageBox.warning(self, "Not saved", f"This change was not saved:\n\n{why}")

    def skip_and_next(self) -> None:
        self.session.skip()
        if not self.session.failed_write:
            self._go_next_unlabeled()

    def _go_next_unlabeled(self) -> None:
        target = next_unlabeled(self.store, self.panel, self.session.doc_id or 0)
        if target is None:
            self.message.emit("Every document in this list is done.")
            return
        self.open_doc(target)
        if not self.panel.search.hasFocus():
            self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    # ---- edits ---------------------------------------------------------------------------
    def apply_label(self, name: str) -> None:
        """A label key or chip: relabel the selected span, or label the selected tokens."""
        if self.session.doc is None or self.session.span_task is None:
            return
        span = self.view.selected_span()
        if span is not None:
            self.session.relabel(span, name)
            self.view.select_span_at(span.start, span.end)
            return
        sel = self.view.selection_chars()
        if sel is None:
            self.message.emit("Select some words first (drag, double-click, or arrows).")
            return
        self.session.label_range(sel[0], sel[1], name)
        self.view.select_span_at(*sel)

    def delete_selected(self) -> None:
        span = self.view.selected_span()
        if span is None:
            sel = self.view.selection_chars()
            # An explicit range deletes every span it touches, as one undo step.
            spans = [s for s in self.session.spans if sel and s.start < sel[1] and s.end > sel[0]]
        else:
            spans = [span]
        self.session.delete_spans(spans)

    def toggle_class(self, task: str, name: str) -> None:
        """A class key or chip; pressing the current class again clears it."""
        self.session.choose_class(task, None if name == self.session.choices.get(task) else name)
        self.classes.show_choices(self.session.choices)

    def edit_labels(self, task: str | None = None) -> None:
        """The label editor for ``task`` (default: the span task, else the first classification task)."""
        if self.store is None:
            return
        task = task or self.session.span_task or next(iter(self.class_bars), None)
        if task is None:
            return
        dialog = LabelEditorDialog(self.store, task, self)
        dialog.labelsChanged.connect(self.labels_changed)
        dialog.exec()

    def edit_dictionaries(self) -> None:
        """Edit → Dictionaries…: the project's term lists (add from a file, remove)."""
        if self.store is None:
            return
        if self.session.span_task is None:
            self.message.emit("Dictionaries suggest entities: this project has no entity task.")
            return
        dialog = DictionaryDialog(self.store, self)
        dialog.changed.connect(self.suggestions.load)
        dialog.exec()

    def labels_changed(self) -> None:
        """The label set changed (renamed, recolored, re-keyed, reordered, added, deleted)."""
        self._load_labels()
        self.suggestions.lists.reset()   # the matcher holds label names
        self.panel.refresh_labels()
        self.panel.model.refresh_all()
        self.session.reload()
        self.classes.show_choices(self.session.choices)
        self.refresh_counts()
        self.labelsChanged.emit()

    def reload(self) -> None:
        """The project changed underneath (an import): new documents, maybe new labels."""
        if self.store is None:
            return
        current = self.session.doc_id
        self._load_labels()
        self.panel.refresh_labels()
        self.panel.apply_filter()
        self.refresh_counts()
        if current is None:
            self.set_store(self.store)
        else:
            self.session.reload()
