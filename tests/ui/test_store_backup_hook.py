"""Opening a project in the app makes its daily backup on a worker thread (workbench/store/backups.py):
the window is usable at once, and the copy appears in the user data folder's backups/."""
from __future__ import annotations

import pathlib

import pytest

pytestmark = pytest.mark.ui


def test_opening_a_project_backs_it_up_in_the_background(qtbot, demo_path: pathlib.Path,
                                                         workbench_home: pathlib.Path) -> None:
    from ui.main_window import MainWindow
    from ui.workers import wait_all
    from workbench.store import Store, backups

    win = MainWindow()
    qtbot.addWidget(win)
    assert win.open_project(demo_path)
    assert wait_all(30_000)
    made = backups.newest_backup(demo_path)
    assert made is not None and made.parent.parent == workbench_home / "backups"
    with Store.open(made) as copy, Store.open(demo_path) as original:
        assert copy.document_count() == original.document_count()
    assert win.open_project(demo_path)                   # opened again the same day: no second copy
    assert wait_all(30_000)
    assert backups.list_backups(demo_path) == [made]
    win.close()
