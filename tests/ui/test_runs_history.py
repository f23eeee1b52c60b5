"""The Train screen's run history shows broken and interrupted runs as such and deletes a run
(Delete key or context menu) after a confirmation; the Review screen lists a broken run greyed
out with its reason instead of failing."""
from __future__ import annotations

import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import train_panel
from runs_support import make_project, make_run_folder

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path(os.environ.get("WORKBENCH_SHOTS", pathlib.Path(__file__).resolve().parents[2] / "shots"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return make_run_folder(tmp_path_factory.mktemp("template") / "bundle-run1-ner")


@pytest.fixture
def project(tmp_path, template, workbench_home) -> pathlib.Path:
    """Runs: #1 done, #2 broken (config damaged after import), #3 interrupted (its process was killed)."""
    from workbench.store import Store
    from workbench.training import runs
    from workbench.training.run_import import import_run

    path = make_project(tmp_path / "p.db")
    with Store(path) as store:
        import_run(store, template)
        broken = import_run(store, template)
        pathlib.Path(runs.get_run(store, broken).model_dir, "config.json").write_text('{"id2label": ')
        killed = runs.start_run(store, "ner", "default", "CPU", {}, {})
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        store.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (gone.pid, killed))
    return path


@pytest.fixture
def panel(qtbot, project):
    with train_panel(qtbot, project, wait_device=False) as w:
        yield w


def answer(qtbot, button: str):  # noqa: ANN201
    """Click ``button`` ("Delete" or "Cancel") in the confirmation box as soon as it is up; returns
    a list that receives the box's text."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        if button == "Delete":
            SHOTS.mkdir(parents=True, exist_ok=True)
            box.grab().save(str(SHOTS / "train_history_delete_confirm.png"))
        target = next(b for b in box.buttons() if b.text() == button)
        target.click()

    QTimer.singleShot(0, click)
    return seen


def row_of(panel, run_id: int) -> int:
    return next(i for i, r in enumerate(panel.history.runs) if r.id == run_id)


def test_broken_and_interrupted_runs_are_shown_as_such(panel, project):
    history = panel.history
    assert [r.id for r in history.runs] == [3, 2, 1]
    assert history.status_text(row_of(panel, 1)) == "done"
    assert history.status_text(row_of(panel, 2)).startswith("broken: ")
    assert "config.json: not valid JSON" in history.item(row_of(panel, 2), 2).toolTip()
    assert history.status_text(row_of(panel, 3)).startswith("interrupted: ")
    assert "has ended" in history.item(row_of(panel, 3), 2).toolTip()
    offered = [panel.base_box.itemText(i) for i in range(panel.base_box.count())]
    assert any(t.startswith("Continue from run #1 ") for t in offered)   # a new run can start from run 1's model,
    assert not any("run #2 " in t for t in offered)                     # not from the broken one's
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(SHOTS / "train_history_broken_interrupted.png"))
    with sqlite3.connect(project) as conn:    # the interrupted status is in the project, not only on screen
        assert conn.execute("SELECT status FROM runs WHERE id = 3").fetchone() == ("interrupted",)
    conn.close()


def test_delete_key_asks_then_deletes_the_run_and_its_folder(qtbot, panel, project):
    from PySide6.QtCore import Qt

    history = panel.history
    folder = pathlib.Path(history.runs[row_of(panel, 2)].model_dir).parent
    history.selectRow(row_of(panel, 2))
    history.setFocus()
    seen = answer(qtbot, "Cancel")
    qtbot.keyClick(history, Qt.Key.Key_Delete)
    assert seen and "Delete run #2" in seen[0] and f"its folder {folder} is deleted" in seen[0]
    assert folder.is_dir() and [r.id for r in history.runs] == [3, 2, 1]      # cancelled: nothing happened

    history.selectRow(row_of(panel, 2))
    seen = answer(qtbot, "Delete")
    qtbot.keyClick(history, Qt.Key.Key_Delete)
    assert seen
    assert [r.id for r in history.runs] == [3, 1] and not folder.exists()
    assert any("removed its folder" in line for line in history.last_deleted)
    with sqlite3.connect(project) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY id")] == [1, 3]
    conn.close()


def test_context_menu_deletes_but_keeps_a_folder_the_app_did_not_write(qtbot, panel, project, tmp_path):
    from PySide6.QtCore import Qt

    from workbench.training.run_folders import MARKER

    history = panel.history
    # run 1's folder moved by the user to their own place: deleting the run must leave it
    row = history.runs[row_of(panel, 1)]
    mine = tmp_path / "my-models" / "keep-me"
    shutil.copytree(pathlib.Path(row.model_dir).parent, mine)
    (mine / MARKER).unlink()
    with sqlite3.connect(project) as conn:
        conn.execute("UPDATE runs SET model_dir = ? WHERE id = 1", (str(mine / "model"),))
    conn.close()
    panel.refresh_history()
    rect = history.visualItemRect(history.item(row_of(panel, 1), 0))
    qtbot.mouseClick(history.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    history.customContextMenuRequested.emit(rect.center())
    menu = history.context_menu
    (action,) = menu.actions()
    assert action.text() == "Delete run #1…" and action.isEnabled()
    SHOTS.mkdir(parents=True, exist_ok=True)
    menu.grab().save(str(SHOTS / "train_history_context_menu.png"))
    seen = answer(qtbot, "Delete")
    action.trigger()
    menu.close()
    assert seen and f"its folder {mine} stays on disk" in seen[0]
    assert [r.id for r in history.runs] == [3, 2]
    assert (mine / "model" / "config.json").is_file()
    assert any(f"left its folder {mine}" in line for line in history.last_deleted)
    # the Start box offers no model of a deleted run
    assert all("run #1 " not in panel.base_box.itemText(i) for i in range(panel.base_box.count()))


def test_review_lists_a_broken_run_greyed_out_with_its_reason(qtbot, project):
    from ui.review.panel import ReviewPanel
    from ui.workers import wait_all

    w = ReviewPanel(project)
    qtbot.addWidget(w)
    w.resize(1280, 760)
    w.show()
    qtbot.waitExposed(w)
    try:
        box = w.run_box
        texts = [box.itemText(i) for i in range(box.count())]
        assert len(texts) == 2 and "broken: " in texts[0] and "config.json" in texts[0]
        assert not box.model().item(0).isEnabled() and box.model().item(1).isEnabled()
        assert box.currentData() == 1                # the loadable run is the one shown
        qtbot.waitUntil(lambda: not w.jobs.busy and w.review is not None, timeout=60_000)
        assert w.review.run.run_id == 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        box.showPopup()
        w.grab().save(str(SHOTS / "review_broken_run_listed.png"))
        box.view().window().grab().save(str(SHOTS / "review_broken_run_popup.png"))
        box.hidePopup()
    finally:
        w.shutdown()
        wait_all()


def test_review_with_only_broken_runs_says_why_nothing_can_be_reviewed(qtbot, project):
    from ui.review.panel import ReviewPanel
    from ui.workers import wait_all
    from workbench.store import Store
    from workbench.training import runs

    with Store(project) as store:
        pathlib.Path(runs.get_run(store, 1).model_dir, "config.json").write_text("not json")
    w = ReviewPanel(project)
    qtbot.addWidget(w)
    try:
        assert w.run is None and w.run_box.count() == 2
        assert "broken" in w.summary.text() and "No finished run yet" not in w.summary.text()
    finally:
        w.shutdown()
        wait_all()
