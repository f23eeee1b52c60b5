"""The Train screen, driven like a person: pick a tiny model, Start, watch curves arrive, Stop.

While the run goes on, a 10 ms timer on the UI thread measures the longest gap
between its ticks: the event-loop stall a user would feel.
"""
from __future__ import annotations

import os
import pathlib

import pytest

from conftest import train_panel

from stall_meter import StallMeter
from workbench.store import Store
from workbench.training import runs
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path(__file__).resolve().parents[2] / "shots"
FROZEN_S = 1.0     # a window that does not answer for this long feels hung


@pytest.fixture
def project(tmp_path) -> pathlib.Path:
    path = tmp_path / "p.db"
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(60))
        store.add_documents(toy_ner_docs(20, split="dev", offset=60))
    return path


@pytest.fixture
def panel(qtbot, project):
    with train_panel(qtbot, project) as w:
        yield w


def test_start_see_curves_stop_and_stay_responsive(qtbot, panel, project, tmp_path):
    from PySide6.QtCore import Qt

    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=64, layers=2)
    assert panel.device_label.text().startswith("Device: CPU")
    assert panel.counts_label.text() == ("Labeled: 60 to train on · 20 to check progress (dev) · "
                                         "0 for the final test")
    panel.base_box.setEditText(str(tiny))
    panel.knobs.epochs.setValue(200)
    panel.knobs.batch_size.setValue(2)
    meter = StallMeter()
    meter.start()
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert panel.running and not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
    # train-loss points and at least two epochs of dev scores reach the curves and the table
    qtbot.waitUntil(lambda: panel.curves.data["dev_f1"].n >= 2 and panel.curves.point_count >= 5, timeout=60000)
    assert panel.label_table.rowCount() == 5   # PER, LOC, micro, macro, accuracy
    assert panel.label_table.cell_text(0, 0) in ("PER", "LOC")
    assert "tokens/s" in panel.status_label.text() and "left" in panel.status_label.text()
    # fine-tuning: the train and dev losses are both cross-entropy, drawn on one plot
    assert "cross-entropy" in panel.status_label.toolTip() and panel.curves.data["dev_loss"].n >= 2
    assert panel.curves.loss_plot.titleLabel.text == "Loss"
    assert [label.text for _sample, label in panel.curves.loss_plot.legend.items] == ["train", "train, smoothed", "dev"]
    assert panel.progress.value() > 0
    SHOTS.mkdir(exist_ok=True)
    panel.grab().save(str(SHOTS / "train_screen_running.png"))
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=30000)
    meter.stop()
    result = panel.last_result
    assert result is not None and result.status == "cancelled" and result.model_dir
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert "cancelled" in panel.status_label.text()
    with Store(project) as store:
        (run,) = runs.list_runs(store)
        assert run.status == "cancelled"
    assert panel.history.rowCount() == 1
    # Responsive means the window never froze.  The 100 ms target itself is a figure, measured
    # with the bundled model by tests/benchmarks/bench_train_screen.py, not a timed assertion.
    print(f"\nlongest UI stall while training: {meter.longest * 1000:.0f} ms over {meter.ticks} ticks "
          f"(load {os.getloadavg()[0]:.1f})")
    assert meter.ticks > 20, "the UI thread's timer hardly ran while training"
    assert meter.longest <= FROZEN_S, f"UI froze for {meter.longest * 1000:.0f} ms"


def test_a_flat_dev_score_stops_the_run_and_the_screen_says_why(qtbot, panel, project, tmp_path):
    """The toy dev set is learnt within a few epochs; then the score is flat while the loss
    creeps down.  The run stops (it used to go on for every planned epoch) and says why."""
    from PySide6.QtCore import Qt

    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    panel.base_box.setEditText(str(tiny))
    panel.knobs.epochs.setValue(60)
    panel.knobs.batch_size.setValue(4)
    panel.knobs.lr.setText("5e-3")
    assert panel.knobs.patience.value() == 2
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=120000)
    result = panel.last_result
    assert result is not None and result.status == "done", panel.last_error
    assert result.epochs_done < 60 and result.dev["f1"] == 1.0
    assert "stopped early: no gain in dev F1 for 2 epochs" in panel.status_label.text()
    assert f"Best: epoch {result.best_epoch}" in panel.status_label.text()
    panel.grab().save(str(SHOTS / "train_screen_stopped_early.png")) if SHOTS.exists() else None


def test_failure_shows_its_reason_in_the_window(qtbot, panel, tmp_path):
    from PySide6.QtCore import Qt

    not_a_model = tmp_path / "empty"
    not_a_model.mkdir()
    panel.base_box.setEditText(str(not_a_model))
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.running, timeout=30000)
    assert panel.error_label.isVisible()
    assert "not a Hugging Face model folder" in panel.error_label.text()
    assert panel.start_button.isEnabled()


def test_history_shows_one_run_and_overlays_two(qtbot, panel, project, tmp_path):
    from workbench.training.config import TrainConfig
    from workbench.training.loop import train

    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS)
    for lr in (5e-3, 1e-3):
        train(TrainConfig(store_path=project, task="ner", base_model=str(tiny), epochs=3, batch_size=8, lr=lr))
    panel.refresh_history()
    assert panel.history.rowCount() == 2
    panel.history.select_ids([panel.history.runs[0].id])
    assert panel.curves.data["dev_f1"].n == 3 and panel.curves.point_count > 0
    assert panel.label_table.rowCount() == 5
    panel.history.select_ids([r.id for r in panel.history.runs])
    assert len(panel.curves._overlay) == 6      # per run: train loss, dev loss, dev F1
    assert "Comparing" in panel.label_caption.text()
    panel.grab().save(str(SHOTS / "train_screen_compare.png")) if SHOTS.exists() else None
