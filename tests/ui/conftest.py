"""Fixtures for driving the real window offscreen the way a person does:
keys on the focused widget, mouse presses and drags at the pixel positions
where the characters are drawn."""
from __future__ import annotations

import contextlib
import faulthandler
import os
import pathlib
import sys
from typing import Callable

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHOTS = pathlib.Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture(autouse=True, scope="session")
def _collect_on_ui_thread(qapp):  # noqa: ANN001 - pytest-qt's QApplication
    """As in the app (ui/app.py make_app): cycles are collected on the UI thread only."""
    from ui.ui_thread_gc import collect_on_ui_thread

    collector = collect_on_ui_thread(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def _no_thread_left_running():
    """A worker thread still running when the interpreter exits aborts it."""
    yield
    from ui.workers import wait_all

    assert wait_all(30_000)


def wait_for(qtbot, condition: Callable[[], bool], timeout_ms: int, shown: Callable[[], str]) -> None:  # noqa: ANN001
    """``qtbot.waitUntil``, and when it times out: what the screen shows instead (``shown()``),
    and every thread's stack on stderr, so a hang says where it waits."""
    try:
        qtbot.waitUntil(condition, timeout=timeout_ms)
    except qtbot.TimeoutError:
        faulthandler.dump_traceback(sys.stderr, all_threads=True)
        pytest.fail(f"not seen within {timeout_ms / 1000:.0f} s; the screen shows {shown()!r}")


@pytest.fixture
def demo_path(tmp_path: pathlib.Path) -> pathlib.Path:
    from workbench.demo import ensure_demo_project

    return ensure_demo_project(tmp_path / "demo.db")


def open_main_window(qtbot, path: pathlib.Path, width: int, height: int):  # noqa: ANN001, ANN201
    """The app's main window on ``path``, shown and exposed, styled as in the real app."""
    from ui.app import make_app
    from ui.main_window import MainWindow

    make_app()  # style sheet and icon, as in the real app
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(width, height)
    assert win.open_project(path)
    win.show()
    qtbot.waitExposed(win)
    return win


@contextlib.contextmanager
def train_panel(qtbot, path: pathlib.Path, *, wait_device: bool = True):  # noqa: ANN001, ANN201
    """The Train screen on ``path``, shown at 1280x760 (with ``wait_device``: once it has found
    the device); shut down, its workers ended, afterwards."""
    from ui.train.panel import TrainPanel
    from ui.workers import wait_all

    w = TrainPanel(path)
    qtbot.addWidget(w)
    w.resize(1280, 760)
    w.show()
    qtbot.waitExposed(w)
    if wait_device:
        qtbot.waitUntil(lambda: not w.device_label.text().endswith("checking…"), timeout=60000)
    try:
        yield w
    finally:
        w.shutdown()
        wait_all()


@pytest.fixture
def window(qtbot, demo_path: pathlib.Path):
    win = open_main_window(qtbot, demo_path, 1280, 800)
    win.annotate.view.setFocus()
    yield win
    win.close()


class Driver:
    """A person at the keyboard and mouse."""

    def __init__(self, qtbot, win) -> None:
        from PySide6.QtCore import Qt

        self.qtbot, self.win, self.Qt = qtbot, win, Qt
        self.screen = win.annotate
        self.view = win.annotate.view

    @property
    def store(self):
        return self.win.store

    @property
    def doc_id(self) -> int:
        return self.screen.session.doc_id

    def open(self, doc_id: int) -> None:
        self.screen.open_doc(doc_id)
        self.view.setFocus()

    def find(self, text: str, start: int = 0) -> tuple[int, int]:
        i = self.view.text.index(text, start)
        return i, i + len(text)

    def key(self, key, modifier=None, widget=None) -> None:
        widget = widget or self.win.focusWidget() or self.view
        mods = modifier if modifier is not None else self.Qt.KeyboardModifier.NoModifier
        self.qtbot.keyClick(widget, key, mods)

    def type(self, text: str, widget=None) -> None:
        self.qtbot.keyClicks(widget or self.win.focusWidget(), text)

    def click_char(self, char: int) -> None:
        self.qtbot.mouseClick(self.view.viewport(), self.Qt.MouseButton.LeftButton, pos=self.view.point_for_char(char))

    def double_click_char(self, char: int) -> None:
        self.qtbot.mouseDClick(self.view.viewport(), self.Qt.MouseButton.LeftButton, pos=self.view.point_for_char(char))

    def drag(self, start_char: int, end_char: int) -> None:
        """Press on ``start_char``, move in steps, release on ``end_char`` (both inside words)."""
        vp = self.view.viewport()
        a, b = self.view.point_for_char(start_char), self.view.point_for_char(end_char)
        left = self.Qt.MouseButton.LeftButton
        self.qtbot.mousePress(vp, left, pos=a)
        for k in range(1, 6):
            p = a + (b - a) * (k / 5)
            self.qtbot.mouseMove(vp, p)
        self.qtbot.mouseRelease(vp, left, pos=b)

    def spans(self, doc_id: int | None = None) -> list[tuple[str, str]]:
        """(covered text, label) of the stored spans."""
        doc_id = doc_id or self.doc_id
        text = self.store.document(doc_id).text
        return [(text[s.start:s.end], s.label) for s in self.store.annotation(doc_id, "ner").spans]

    def status(self, task: str = "ner", doc_id: int | None = None) -> str:
        return self.store.annotation(doc_id or self.doc_id, task).status

    def shot(self, widget, name: str) -> pathlib.Path:
        SHOTS.mkdir(exist_ok=True)
        path = SHOTS / f"{name}.png"
        assert widget.grab().save(str(path))
        return path


@pytest.fixture
def person(qtbot, window) -> Driver:
    return Driver(qtbot, window)


@pytest.fixture
def person_on(qtbot):
    """Open the main window on a project of the test's choosing: ``person_on(path)``."""
    opened = []

    def open_on(path: pathlib.Path, width: int = 1280, height: int = 800) -> Driver:
        win = open_main_window(qtbot, path, width, height)
        opened.append(win)
        win.annotate.view.setFocus()
        return Driver(qtbot, win)

    yield open_on
    for win in opened:
        win.close()


@pytest.fixture
def unlabeled_doc(person) -> int:
    """An unlabeled demo document with a product and an organisation in it, opened."""
    for doc_id in person.screen.panel.model.ids():
        ann = person.store.annotation(doc_id, "ner")
        text = person.store.document(doc_id).text
        if ann.status == "unlabeled" and "promised a fix for the" in text:
            person.open(doc_id)
            return doc_id
    raise AssertionError("the demo corpus should have such a document")


@pytest.fixture
def trained_window(qtbot, tmp_path):
    """The main window on a copy of the project the inference tests trained runs on."""
    from inference_support import copy_project, trained

    trained()
    w = open_main_window(qtbot, copy_project(tmp_path), 1400, 880)
    yield w
    panel = w.screen("Review")
    if panel is not None:
        panel.shutdown()
    w.close()
