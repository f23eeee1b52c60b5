"""The Train screen's "Will more labels help?": a learning curve run like a person does, its
points drawn as they come, its conclusion in words; Start waits while it runs."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from conftest import SHOTS, train_panel, wait_for
from test_train_screen import project  # noqa: F401 - the same toy project (60 train, 20 dev)
from tiny_bert import TOY_WORDS, make_tiny_bert
from workbench.store import Store
from workbench.training import runs

pytestmark = pytest.mark.ui


def test_the_learning_curve_plots_four_parts_and_says_what_it_means(qtbot, project, tmp_path):
    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    with train_panel(qtbot, project) as panel:
        panel.base_box.setEditText(str(tiny))
        panel.knobs.epochs.setValue(3)
        panel.knobs.batch_size.setValue(4)
        panel.knobs.lr.setText("5e-3")
        box = panel.curve_box
        qtbot.mouseClick(box.start_button, Qt.MouseButton.LeftButton)
        assert box.busy and not panel.start_button.isEnabled() and box.stop_button.isEnabled()
        qtbot.waitUntil(lambda: not box.busy, timeout=180_000)
        assert box.curve is not None and [p.documents for p in box.curve.points] == [15, 30, 45, 60]
        xs, ys = box.line.getData()
        assert list(xs) == [p.labels for p in box.curve.points] and len(ys) == 4
        assert box.verdict.text().startswith(("<b>Still rising</b>: more labels will help",
                                              "<b>Flat</b>: look at label quality instead"))
        assert panel.start_button.isEnabled() and box.start_button.isEnabled()
        SHOTS.mkdir(exist_ok=True)
        panel.grab().save(str(SHOTS / "train_learning_curve.png"))
    with Store(project) as store:
        assert runs.list_runs(store) == []     # nothing kept in the project


def test_stopping_the_curve_keeps_nothing_and_says_so(qtbot, project, tmp_path):
    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    with train_panel(qtbot, project) as panel:
        panel.base_box.setEditText(str(tiny))
        panel.knobs.epochs.setValue(200)
        box = panel.curve_box
        qtbot.mouseClick(box.start_button, Qt.MouseButton.LeftButton)
        assert box.busy and box.stop_button.isEnabled()
        wait_for(qtbot, lambda: "Training on 25%" in box.verdict.text(), 120_000, box.verdict.text)
        qtbot.mouseClick(box.stop_button, Qt.MouseButton.LeftButton)
        wait_for(qtbot, lambda: not box.busy, 60_000, box.verdict.text)
        assert box.verdict.text() == "Learning curve cancelled; nothing was kept."
        assert panel.start_button.isEnabled()
