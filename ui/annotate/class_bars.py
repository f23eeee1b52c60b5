"""One bar of class chips per classification task of the project (a sentiment bar, a
relevance bar, ...), under the text on the Annotate screen.  UI thread only."""
from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.annotate.chips import ChipBar
from workbench import tasks as task_registry
from workbench.store import Label


class ClassBars(QWidget):
    chosen = Signal(str, str)            # (task, class) a chip was clicked
    editRequested = Signal(str)          # (task) its "Edit labels…" link

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.bars: dict[str, ChipBar] = {}

    def set_tasks(self, specs: Iterable[task_registry.TaskSpec]) -> None:
        """One bar per classification task, titled with the task's name, in the project's order."""
        for bar in self.bars.values():
            self._layout.removeWidget(bar)
            bar.deleteLater()
        self.bars = {}
        for spec in specs:
            bar = ChipBar(spec.title, exclusive=True)
            bar.chipClicked.connect(lambda name, task=spec.name: self.chosen.emit(task, name))
            bar.editRequested.connect(lambda task=spec.name: self.editRequested.emit(task))
            self._layout.addWidget(bar)
            self.bars[spec.name] = bar

    def set_labels(self, labels: dict[str, list[Label]]) -> None:
        for task, bar in self.bars.items():
            bar.set_labels(labels.get(task, []))

    def set_counts(self, counts: dict[str, dict[str, int]]) -> None:
        for task, bar in self.bars.items():
            bar.set_counts(counts.get(task, {}))

    def show_choices(self, choices: dict[str, str | None]) -> None:
        """Each task's chosen class (None: no class chosen)."""
        for task, bar in self.bars.items():
            bar.set_current(choices.get(task))

    def show_suggestions(self, suggested: dict[str, tuple[str, float]]) -> None:
        """Each task's suggested class and its confidence, on its chip (none: cleared)."""
        for task, bar in self.bars.items():
            bar.set_suggestion(*suggested.get(task, (None, None)))
