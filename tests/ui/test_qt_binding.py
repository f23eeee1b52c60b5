"""Guards against a Qt binding that corrupts the interpreter.

PySide6 6.12.0 on Python < 3.12 returns ``None`` from void methods without
taking a reference; every ``widget.update()`` then drops None's refcount by one
and the app aborts ("none_dealloc") a few seconds into painting.  pyproject pins
the binding below it; this test fails loudly if a future upgrade brings it back.
"""
from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.ui


def test_void_methods_keep_none_alive(qtbot) -> None:
    from PySide6.QtWidgets import QWidget

    w = QWidget()
    qtbot.addWidget(w)
    before = sys.getrefcount(None)
    for _ in range(2000):
        w.update()
        w.setFixedWidth(10)
    # Other threads may take or drop a few references meanwhile; a binding with the
    # bug loses 4000.
    assert abs(sys.getrefcount(None) - before) < 100
