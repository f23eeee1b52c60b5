"""The Train screen says which method a run took and why: a sentiment project with eight labels
per class trains few-shot (SetFit), and the screen shows it in plain words."""
from __future__ import annotations

import os
import pathlib

import pytest

from conftest import train_panel

from workbench.store import Store
from workbench.training.fewshot_choice import FEWSHOT_UP_TO
from tiny_bert import TOY_WORDS, make_tiny_sentence_model, toy_sentiment_docs

pytestmark = pytest.mark.ui


def test_a_few_shot_run_shows_its_method_and_why(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    project = tmp_path / "p.db"
    with Store.create(project, ["sentiment"], [], ["negative", "positive"]) as store:
        store.add_documents(toy_sentiment_docs(16))
        store.add_documents(toy_sentiment_docs(8, split="dev", offset=16))
    tiny = make_tiny_sentence_model(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    with train_panel(qtbot, project) as panel:
        assert panel.method_label.isHidden()
        panel.base_box.setEditText(str(tiny))
        panel.knobs.epochs.setValue(10)
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not panel.running, timeout=120000)
        result = panel.last_result
        assert result is not None and result.status == "done" and result.config["method"] == "fewshot"
        assert not panel.method_label.isHidden()
        assert panel.method_label.text() == (f"Method: Few-shot (SetFit): 8 labels per sentiment class, "
                                             f"{FEWSHOT_UP_TO} or fewer")
        assert panel.curves.data["dev_f1"].n == 1      # dev scored once, at the end
        # the train line is the contrastive loss, and the plot says so; the classifier's dev
        # cross-entropy is another quantity and is not drawn on that scale
        assert panel.curves.data["train_loss"].n > 0 and panel.curves.data["dev_loss"].n == 0
        assert "contrastive" in panel.curves.loss_plot.titleLabel.text
        assert [label.text for _sample, label in panel.curves.loss_plot.legend.items] == ["train", "train, smoothed"]
        assert "contrastive loss" in panel.curves.toolTip()
        # one model, no epoch picked: the summary and the table's caption say no "epoch"
        assert "epoch" not in panel.status_label.text() and "Dev F1 1.000" in panel.status_label.text()
        assert panel.label_caption.text() == "Dev scores of the model (all of dev)"
        # the model the user typed is still the one chosen for the next run
        assert panel.base_box.currentText() == str(tiny) and panel.base_model() == str(tiny)
        shot = os.environ.get("WORKBENCH_SHOT_DIR")
        if shot:
            qtbot.wait(600)     # the curves redraw on a timer
            panel.grab().save(str(pathlib.Path(shot) / "train_fewshot.png"))
