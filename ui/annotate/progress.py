"""Progress and counts under the document list: labeled / total per task, per
label, per split.  Fed from ``queries.counts`` (refreshed after edits, on a short
timer, so a burst of keystrokes costs one query), and again whenever the project's
labels or documents change elsewhere (:meth:`ProgressPanel.follow`: a pre-annotation
accepted, an import, another process)."""
from __future__ import annotations

import html
from typing import Any, Callable

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from ui.project_events import DOCUMENTS, LABELS, ProjectEvents
from workbench import tasks as task_registry
from workbench.store import Label


class ProgressPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 4, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(3)
        self._bars: dict[str, QProgressBar] = {}
        self._recount: Callable[[], None] | None = None
        self._notes: dict[str, QLabel] = {}
        self._labels = QLabel()
        self._labels.setWordWrap(True)
        self._labels.setObjectName("muted")
        self._splits = QLabel()
        self._splits.setObjectName("muted")
        # Counts change after every edit; their text width must not resize the panel.
        for label in (self._labels, self._splits):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def follow(self, events: ProjectEvents, recount: Callable[[], None]) -> None:
        """Call ``recount`` (which feeds :meth:`set_counts`) when labels or documents change."""
        self._recount = recount
        events.changed.connect(self._on_project_changed)   # a method: disconnected when this panel goes

    def _on_project_changed(self, what: str) -> None:
        if what in (LABELS, DOCUMENTS) and self._recount is not None:
            self._recount()

    def set_counts(self, counts: dict[str, Any], labels: dict[str, list[Label]]) -> None:
        total = counts["documents"]
        tasks = list(counts["tasks"])
        if sorted(tasks) != sorted(self._bars):
            self._rebuild(tasks)
        for task, bar in self._bars.items():
            st = counts["tasks"][task]
            bar.setMaximum(max(total, 1))
            bar.setValue(st["accepted"])
            bar.setFormat(f"{st['accepted']:,} / {total:,} labeled")
            extra = [f"{st[k]:,} {k}" for k in ("draft", "skipped") if st.get(k)]
            self._notes[task].setText(" · ".join(extra))
        parts = []
        for task in tasks:
            for lab in labels.get(task, []):
                n = counts["labels"].get(task, {}).get(lab.name, 0)
                parts.append(f'<span style="color:{lab.color}">&#9632;</span>&nbsp;{html.escape(lab.name)}&nbsp;{n:,}')
        self._labels.setText("&nbsp;&nbsp; ".join(parts))
        splits = counts["splits"]
        self._splits.setText("Splits: " + " · ".join(f"{k} {splits[k]:,}" for k in ("train", "dev", "test", "unassigned")
                                                      if splits.get(k)))

    def bar(self, task: str) -> QProgressBar:
        return self._bars[task]

    def _rebuild(self, tasks: list[str]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() not in (self._labels, self._splits) and item.widget() is not None:
                item.widget().deleteLater()
        self._bars, self._notes = {}, {}
        row = 0
        for task in tasks:
            bar = QProgressBar()
            bar.setTextVisible(True)
            note = QLabel()
            note.setObjectName("muted")
            note.setMinimumWidth(110)
            note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            title = task_registry.get(task).title if task_registry.is_task(task) else task
            self._grid.addWidget(QLabel(title), row, 0)
            self._grid.addWidget(bar, row, 1)
            self._grid.addWidget(note, row, 2)
            self._bars[task], self._notes[task] = bar, note
            row += 1
        self._grid.addWidget(self._labels, row, 0, 1, 3)
        self._grid.addWidget(self._splits, row + 1, 0, 1, 3)
        self._grid.setColumnStretch(1, 1)
