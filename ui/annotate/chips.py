"""The label bar (entity labels) and the sentiment bar (classes): rows of colored
chips that show each label's key.  Chips never take focus, so clicking one
leaves the keyboard in the text.  A class the model suggests reads
"positive? 0.93" on its chip, with a dashed outline, until it is decided."""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QLabel, QToolButton, QWidget

from workbench.store import Label


class Chip(QAbstractButton):
    """A rounded chip: key badge, name, and an optional count."""

    def __init__(self, label: Label, parent: QWidget | None = None, *, checkable: bool = False) -> None:
        super().__init__(parent)
        self.label = label
        self.count: int | None = None
        self.suggested: float | None = None    # the model's confidence when it suggests this label
        self.setCheckable(checkable)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        key = label.shortcut.upper() if label.shortcut else "no key"
        self.setToolTip(f"{label.name}: press {key}")
        self.setObjectName(f"chip-{label.task}-{label.name}")

    def set_count(self, count: int | None) -> None:
        # Only a change in the number's width needs a new layout (which ripples up to
        # the window); the usual +1 just repaints this chip.
        old = self._texts()[2]
        self.count = count
        if len(self._texts()[2]) != len(old):
            self.updateGeometry()
        self.update()

    def set_suggested(self, confidence: float | None) -> None:
        if confidence != self.suggested:
            self.suggested = confidence
            self.updateGeometry()
            self.update()

    def display_name(self) -> str:
        """The name as the chip shows it: "positive", or "positive? 0.93" while the model suggests it."""
        return self.label.name if self.suggested is None else f"{self.label.name}? {self.suggested:.2f}"

    def _texts(self) -> tuple[str, str, str]:
        count = "" if self.count is None else f"{self.count:,}"
        return (self.label.shortcut.upper() or "·", self.display_name(), count)

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = QFontMetricsF(self.font())
        key, name, count = self._texts()
        w = 8 + fm.horizontalAdvance(key) + 10 + 6 + fm.horizontalAdvance(name) + 10
        if count:
            w += fm.horizontalAdvance(count) + 8
        return QSize(int(w), int(fm.height() + 12))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = QFontMetricsF(self.font())
        color = QColor(self.label.color)
        on = not self.isCheckable() or self.isChecked()
        back = QColor(color) if on else QColor(color.red(), color.green(), color.blue(), 70)
        if self.isDown() or self.underMouse():
            back = back.darker(108)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self.suggested is not None:
            p.setPen(QPen(color.darker(170), 2.0, Qt.PenStyle.DashLine))
        elif self.isCheckable() and self.isChecked():
            p.setPen(QPen(color.darker(160), 2.2))
        else:
            p.setPen(QPen(color.darker(120), 1))
        p.setBrush(back)
        p.drawRoundedRect(r, 7, 7)
        key, name, count = self._texts()
        kw = fm.horizontalAdvance(key) + 10
        badge = QRectF(r.left() + 5, r.top() + 4, kw, r.height() - 8)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 210))
        p.drawRoundedRect(badge, 4, 4)
        p.setPen(QColor("#333333"))
        p.drawText(badge, Qt.AlignmentFlag.AlignCenter, key)
        font = QFont(self.font())
        font.setBold(on)
        p.setFont(font)
        p.setPen(QColor("#1d1d1d"))
        text_rect = QRectF(badge.right() + 6, r.top(), r.width(), r.height())
        p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        if count:
            p.setFont(self.font())
            p.setPen(QColor("#555555"))
            p.drawText(r.adjusted(0, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, count)
        p.end()


class ChipBar(QWidget):
    """A titled row of chips.  ``exclusive`` bars (sentiment) show the current choice."""

    chipClicked = Signal(str)
    editRequested = Signal()

    def __init__(self, title: str, *, exclusive: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exclusive = exclusive
        self._chips: dict[str, Chip] = {}
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._title = QLabel(title)
        self._title.setObjectName("barTitle")
        self._row.addWidget(self._title)
        self._row.addStretch(1)
        self._edit = QToolButton()
        self._edit.setText("Edit labels…")
        self._edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._edit.clicked.connect(self.editRequested)
        self._row.addWidget(self._edit)

    def set_labels(self, labels: Sequence[Label]) -> None:
        for chip in self._chips.values():
            self._row.removeWidget(chip)
            chip.deleteLater()
        self._chips = {}
        for i, lab in enumerate(labels):
            chip = Chip(lab, self, checkable=self._exclusive)
            chip.clicked.connect(lambda _=False, name=lab.name: self.chipClicked.emit(name))
            self._row.insertWidget(1 + i, chip)
            self._chips[lab.name] = chip

    def chip(self, name: str) -> Chip:
        return self._chips[name]

    def set_current(self, name: str | None) -> None:
        for chip_name, chip in self._chips.items():
            chip.setChecked(chip_name == name)

    def set_suggestion(self, name: str | None, confidence: float | None = None) -> None:
        """Show ``name`` as the model's suggestion ("positive? 0.93"); None clears it."""
        for chip_name, chip in self._chips.items():
            chip.set_suggested(confidence if chip_name == name else None)

    def set_counts(self, counts: dict[str, int]) -> None:
        for name, chip in self._chips.items():
            chip.set_count(counts.get(name))
