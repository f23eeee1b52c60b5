"""Test-only driver for test_sigkill.py: runs the real main window in this process
and labels documents with real key presses, forever, until the test kills it.

After each key press has been handled (QTest delivers it synchronously), it
prints what that press did and flushes, so the parent knows exactly which edits
the user "saw" happen before the kill.

    python tests/ui/kill_driver.py PROJECT.db
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.annotate.word_cursor import is_word  # noqa: E402
from ui.app import make_app  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402

KEYS = {"PER": Qt.Key.Key_1, "ORG": Qt.Key.Key_2, "PRODUCT": Qt.Key.Key_3, "LOC": Qt.Key.Key_4}
CLASSES = {"negative": Qt.Key.Key_Q, "neutral": Qt.Key.Key_W, "positive": Qt.Key.Key_E}


def report(*parts: object) -> None:
    print(*parts, flush=True)


def main() -> None:
    app = make_app()
    win = MainWindow()
    win.resize(1200, 760)
    win.open_project(sys.argv[1])
    win.show()
    win.activateWindow()
    while QApplication.activeWindow() is not win:
        app.processEvents()
    screen, view = win.annotate, win.annotate.view
    view.setFocus()
    labels, classes = list(KEYS), list(CLASSES)
    n = 0
    while True:
        doc = screen.session.doc_id
        words = [t for t in view.tokens if is_word(t.text)]   # the arrows skip punctuation
        # Two spans on words [0, 1] and [3, 4]: never overlapping, so none replaces another.
        for first in (0, 3):
            if first + 1 >= len(words):
                break
            QTest.keyClick(view, Qt.Key.Key_Home)
            for _ in range(first):
                QTest.keyClick(view, Qt.Key.Key_Right)
            QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
            label = labels[n % len(labels)]
            QTest.keyClick(view, KEYS[label])
            report("SPAN", doc, words[first].start, words[first + 1].end, label)
            n += 1
        cls = classes[n % len(classes)]
        QTest.keyClick(view, CLASSES[cls])
        report("SENT", doc, cls)
        QTest.keyClick(view, Qt.Key.Key_Return)
        report("ACCEPT", doc)
        app.processEvents()


if __name__ == "__main__":
    main()
