"""The main window's status bar: messages and the project path are elided to the
space there is (the full text in a tooltip), so a long message or a deeply nested
project file never widens the window or squeezes the screens above it."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

PATH_MAX_WIDTH = 480   # px the project path may take before it is elided


class ElidedLabel(QLabel):
    """One line of text that asks for no minimum width: what does not fit ends in "…"."""

    def __init__(self, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight, max_width: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.max_width = max_width
        self.setSizePolicy(QSizePolicy.Policy.Ignored if max_width is None else QSizePolicy.Policy.Preferred,
                           QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._update_tooltip()

    def displayed_text(self) -> str:
        """The text as painted now, elided to the label's width."""
        return self.fontMetrics().elidedText(self.text(), self.mode, max(0, self.contentsRect().width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        if self.max_width is not None:
            hint.setWidth(min(hint.width(), self.max_width))
        return hint

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                  self.palette(), self.isEnabled(), self.displayed_text(), self.foregroundRole())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        self.setToolTip(self.text() if self.displayed_text() != self.text() else "")


class StatusBar(QStatusBar):
    """``showMessage`` as in Qt (``currentMessage`` is the full text), drawn elided.

    Qt's own temporary message is drawn clipped, not elided; this one sits in an
    :class:`ElidedLabel` that takes the space left of the permanent widgets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_label = ElidedLabel()
        self.addWidget(self.message_label, 1)
        self.project_label = ElidedLabel(Qt.TextElideMode.ElideMiddle, PATH_MAX_WIDTH)  # the file name stays
        self.project_label.setObjectName("muted")
        self.addPermanentWidget(self.project_label)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802
        self.message_label.setText(text)
        self._expiry.stop()
        if timeout > 0:
            self._expiry.start(timeout)
        self.messageChanged.emit(text)

    def clearMessage(self) -> None:  # noqa: N802
        self._expiry.stop()
        if self.message_label.text():
            self.message_label.setText("")
            self.messageChanged.emit("")

    def currentMessage(self) -> str:  # noqa: N802
        return self.message_label.text()
