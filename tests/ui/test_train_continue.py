"""The Train screen's "Continue from run #N": pick it, Start, and the history shows the new run
as continued from that one, with its whole line in the tooltip; a label the parent knew that
the project has dropped stops the run with the reason in the window."""
from __future__ import annotations

import pathlib

import pytest

from conftest import train_panel

from workbench.store import Store
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path(__file__).resolve().parents[2] / "shots"


@pytest.fixture
def project(tmp_path) -> pathlib.Path:
    path = tmp_path / "p.db"
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(40))
        store.add_documents(toy_ner_docs(12, split="dev", offset=40))
    return path


@pytest.fixture
def panel(qtbot, project):
    with train_panel(qtbot, project) as w:
        yield w


def _train(qtbot, panel) -> object:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=120000)
    return panel.last_result


def _choose(panel, text: str) -> None:
    from PySide6.QtCore import Qt

    idx = panel.base_box.findText(text, flags=Qt.MatchFlag.MatchStartsWith)
    assert idx >= 0, [panel.base_box.itemText(i) for i in range(panel.base_box.count())]
    panel.base_box.setCurrentIndex(idx)


def test_continue_from_a_run_and_see_the_lineage(qtbot, panel, tmp_path):
    from PySide6.QtCore import Qt

    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    panel.base_box.setEditText(str(tiny))
    panel.knobs.epochs.setValue(3)
    first = _train(qtbot, panel)
    assert first is not None and first.status == "done", panel.last_error
    _choose(panel, f"Continue from run #{first.run_id} (dev ")
    assert "half the epochs" in panel.base_box.itemData(panel.base_box.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    config = panel.config()
    assert config.from_run == first.run_id and config.base_model == "default"
    panel.knobs.epochs.setValue(1)
    second = _train(qtbot, panel)
    assert second is not None and second.status == "done", panel.last_error
    assert second.config["from_run"] == first.run_id and second.base_model == str(tiny)
    history = panel.history
    row = next(i for i, r in enumerate(history.runs) if r.id == second.run_id)
    cell = history.item(row, history.MODEL_COLUMN)
    assert cell.text() == f"continued from #{first.run_id}"
    assert cell.toolTip() == f"Trained from: #{second.run_id} ← #{first.run_id} ← {tiny}"
    SHOTS.mkdir(exist_ok=True)
    panel.grab().save(str(SHOTS / "train_continue_lineage.png"))


def test_a_dropped_label_stops_the_continued_run_with_the_reason(qtbot, panel, project, tmp_path):
    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    panel.base_box.setEditText(str(tiny))
    panel.knobs.epochs.setValue(2)
    first = _train(qtbot, panel)
    assert first is not None and first.status == "done", panel.last_error
    with Store(project) as store:
        store.add_label("ner", "CITY")
        store.merge_label("ner", "LOC", into="CITY")
    panel.set_project(project)
    _choose(panel, f"Continue from run #{first.run_id}")
    runs_before = panel.history.rowCount()
    assert _train(qtbot, panel) is None
    assert "it was trained to predict the entity label LOC, which is no longer in this project" in panel.last_error
    assert panel.history.rowCount() == runs_before
