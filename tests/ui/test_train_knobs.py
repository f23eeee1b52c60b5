"""The Train screen's knobs are made from the settings' one declaration: each starts at the
setting's default, "auto" is the same value as on the command line, and the Advanced drawer
still reads well (its picture goes to shots/train_knobs_advanced.png)."""
from __future__ import annotations

import pathlib

import pytest

from workbench.cli import build_parser
from workbench.errors import UserError
from workbench.training import config_fields
from workbench.training.config import TrainConfig

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path(__file__).resolve().parents[2] / "shots"
P = pathlib.Path("p.db")


@pytest.fixture
def knobs(qtbot):
    from ui.train.knobs import Knobs

    w = Knobs()
    qtbot.addWidget(w)
    w.resize(360, 600)
    w.show()
    qtbot.waitExposed(w)
    return w


def cli_config(*flags: str) -> TrainConfig:
    args = build_parser().parse_args(["train", str(P), "--task", "ner", *flags])
    return TrainConfig(store_path=P, **config_fields.values(args, "train"))


def test_untouched_knobs_train_what_the_command_line_trains_with_no_flags(knobs):
    assert knobs.config(P, "ner", "default") == cli_config() == TrainConfig(P, "ner")


def test_the_knobs_and_the_command_line_agree_on_auto(qtbot, knobs):
    from PySide6.QtCore import Qt

    knobs.advanced_button.click()
    # the user steps dropout up from "auto" and back down: the box says auto, the config has None,
    # the same value `--dropout auto` gives on the command line
    box = knobs.dropout
    assert box.text() == "auto"
    box.setFocus()
    for _ in range(3):
        qtbot.keyClick(box, Qt.Key.Key_Up)
    assert knobs.config(P, "ner", "default").dropout == pytest.approx(0.1)   # auto -> 0 -> 0.05 -> 0.1
    for _ in range(3):
        qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.text() == "auto"
    assert knobs.config(P, "ner", "default").dropout is None is cli_config("--dropout", "auto").dropout
    # and so for every knob that has an auto
    for knob in config_fields.knobs():
        if not knob.none_word or knob.kind == "number":
            continue
        box = knobs.boxes[knob.name]
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Up)
        assert getattr(knobs.config(P, "ner", "default"), knob.name) is not None, knob.name
        qtbot.keyClick(box, Qt.Key.Key_Down)
        assert box.text() == knob.none_word, knob.name
        flag = config_fields.flag(knob.name)
        assert getattr(knobs.config(P, "ner", "default"), knob.name) is None
        assert getattr(cli_config(flag, knob.none_word), knob.name) is None, knob.name
    qtbot.keyClicks(knobs.lr, "auto")
    assert knobs.config(P, "ner", "default").lr is None is cli_config("--lr", "auto").lr


def test_what_the_user_sets_reaches_the_config(qtbot, knobs):
    from PySide6.QtCore import Qt

    knobs.advanced_button.click()
    qtbot.keyClicks(knobs.lr, "3e-4")
    knobs.time_budget_s.setFocus()
    qtbot.keyClick(knobs.time_budget_s, Qt.Key.Key_Up)          # none -> 1 min
    knobs.word_case.click()
    knobs.device_box.setCurrentIndex(knobs.device_box.findData("mps"))
    config = knobs.config(P, "sentiment", "my-model")
    assert (config.lr, config.time_budget_s, config.word_case, config.device) == (3e-4, 60.0, False, "mps")
    assert (config.task, config.base_model) == ("sentiment", "my-model")
    # every knob shows what it is given and gives it back (the minutes box in seconds)
    wanted = dict(epochs=12, time_budget_s=300.0, lr=2e-05, batch_size=6, max_length=96, warmup_ratio=0.2,
                  weight_decay=0.05, grad_accum=2, patience=0, seed=99, freeze_layers=3, dropout=0.15,
                  weight_average=0.99, embeddings="full", method="fewshot", finetune="lora", lora_rank=32,
                  word_case=False,
                  device="cpu")
    assert set(wanted) == set(knobs.boxes), "give every knob a value here"
    knobs.set_values(wanted)
    assert knobs.values() == pytest.approx(wanted)
    assert knobs.patience.text() == "never stop early"


@pytest.mark.parametrize("typed", ["fast", "nan", "1e999"])
def test_a_typed_learning_rate_that_is_no_number_is_refused(qtbot, knobs, typed):
    qtbot.keyClicks(knobs.lr, typed)
    with pytest.raises(UserError, match=f"learning rate '{typed}' is not a number"):
        knobs.config(P, "ner", "default")


def test_the_advanced_drawer_renders(qtbot, knobs):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFormLayout, QLabel

    assert not knobs.drawer.isVisible()
    qtbot.mouseClick(knobs.advanced_button, Qt.MouseButton.LeftButton)
    assert knobs.drawer.isVisible() and knobs.advanced_button.text() == "Advanced ▾"
    form = knobs.drawer.layout()
    assert isinstance(form, QFormLayout)
    labels = [form.itemAt(i, QFormLayout.ItemRole.LabelRole).widget().text() for i in range(form.rowCount())]
    assert labels == [k.label for k in config_fields.knobs("advanced")]
    assert labels[:3] == ["Learning rate", "Batch size", "Max length"] and labels[-1] == "Device"
    for i in range(form.rowCount()):   # every label and box has the room it needs
        label = form.itemAt(i, QFormLayout.ItemRole.LabelRole).widget()
        box = form.itemAt(i, QFormLayout.ItemRole.FieldRole).widget()
        assert isinstance(label, QLabel) and label.width() >= label.sizeHint().width(), label.text()
        assert box.width() >= box.minimumSizeHint().width(), label.text()
        assert box.toolTip(), label.text()
    assert "Auto: " in knobs.batch_size.toolTip()
    knobs.resize(360, knobs.sizeHint().height())
    SHOTS.mkdir(exist_ok=True)
    knobs.grab().save(str(SHOTS / "train_knobs_advanced.png"))
