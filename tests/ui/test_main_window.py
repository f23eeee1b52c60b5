"""The main window's contract with other screens: tabs, lazy screens, project changes, menus."""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

pytestmark = pytest.mark.ui


class FakeScreen(QLabel):
    made: list[pathlib.Path] = []

    def __init__(self, path: pathlib.Path) -> None:
        super().__init__(str(path))
        FakeScreen.made.append(path)
        self.projects = [path]

    def set_project(self, path: pathlib.Path) -> None:
        self.projects.append(path)
        self.setText(str(path))


def test_lazy_screen_is_built_on_first_show_and_follows_projects(window, tmp_path: pathlib.Path) -> None:
    from workbench.store import Store

    FakeScreen.made = []
    index = window.add_lazy_screen("Fake", FakeScreen)
    assert window.tabs.tabText(index) == "Fake" and FakeScreen.made == []      # nothing built at start
    seen: list[pathlib.Path] = []
    window.projectChanged.connect(seen.append)
    window.tabs.setCurrentIndex(index)
    assert FakeScreen.made == [window.project_path]
    other = tmp_path / "other.db"
    Store.create(other, ["ner"], ["PER"], []).close()
    assert window.open_project(other)
    screen = window.screen("Fake")
    assert screen.projects == [FakeScreen.made[0], other]                         # told, not rebuilt
    assert seen == [other]
    assert window.windowTitle().startswith("other")


def test_add_screen_and_menus(window) -> None:
    plain = QWidget()
    index = window.add_screen("Plain", plain)
    assert window.tabs.widget(index) is plain and window.screen("Plain") is plain
    assert window.tabs.tabText(0) == "Annotate"
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    file_items = [a.text().replace("&", "") for a in menus["File"].actions() if a.text()]
    assert file_items[:5] == ["New project…", "Open…", "Open Recent", "Import…", "Export…"]
    assert window.recent_menu.actions()[0].text() == str(window.project_path.resolve())
    assert window.windowTitle() == "Demo: product reviews — Text Workbench"


def test_main_window_screenshot(window, person) -> None:
    """The screenshot the README uses comes from the app itself; this one is for review."""
    labeled = next(d for d in person.screen.panel.model.ids() if len(person.store.annotation(d, "ner").spans) >= 3)
    person.open(labeled)
    person.key(Qt.Key.Key_Tab)                      # select the first span
    path = person.shot(window, "main_window")
    assert path.stat().st_size > 20_000
