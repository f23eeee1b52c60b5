"""The training settings: two basic knobs and an Advanced drawer.  UI thread only.

Every knob starts at "auto": the engine's measured defaults (docs/training-defaults.md)
for the device that trains.  Only what the user changes goes into the config.
"""
from __future__ import annotations

import pathlib

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QLineEdit, QSpinBox, QToolButton, QVBoxLayout, QWidget,
)

from workbench.errors import UserError
from workbench.training.config import TrainConfig, defaults_for


def _spin(lo: int, hi: int, value: int, auto: str | None = None, suffix: str = "") -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    if auto is not None:
        _auto(s, auto)
    if suffix:
        s.setSuffix(suffix)
    return s


def _auto(box: QSpinBox | QDoubleSpinBox, detail: str) -> None:
    """The minimum reads as a short "auto"; what auto means goes in the tooltip, so the
    boxes stay narrow and nothing is cut off."""
    short, _, rest = detail.partition(" (")
    box.setSpecialValueText(short)
    if rest:
        box.setToolTip(f"{short}: {rest.rstrip(')')}")


def _by_task(ner: object, sentiment_cpu: object, sentiment_gpu: object) -> str:
    """What "auto" means, per task: "NER 8; sentiment 16" (CPU and GPU apart only where they differ)."""
    sentiment = sentiment_cpu if sentiment_cpu == sentiment_gpu else f"CPU {sentiment_cpu}, GPU {sentiment_gpu}"
    return f"NER {ner}; sentiment {sentiment}"


class Knobs(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epochs = _spin(0, 200, 0, "auto (by data size)")
        self.epochs.setToolTip("Passes over the training documents; auto picks more for small projects. "
                               "Training stops early when the dev score stops improving.")
        self.time_limit = _spin(0, 24 * 60, 0, "none", " min")
        self.time_limit.setToolTip("Fit the whole run into this many minutes (the schedule is planned for it)")
        basic = QFormLayout()
        basic.addRow("Epochs", self.epochs)
        basic.addRow("Time limit", self.time_limit)

        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced ▸")
        self.advanced_button.setCheckable(True)
        self.advanced_button.toggled.connect(self._toggle)
        self.drawer = QFrame()
        self.drawer.setFrameShape(QFrame.Shape.StyledPanel)
        cpu, gpu = defaults_for("cpu", "sentiment"), defaults_for("cuda", "sentiment")
        self.lr = QLineEdit()
        ner = defaults_for("cpu", "ner")
        # NER and sentiment each take one measured recipe on CPU and GPU (where a value differs by
        # device, the tooltip says so)
        self.lr.setPlaceholderText("auto")
        self.lr.setToolTip(f"Peak learning rate; auto: {_by_task(f'{ner.lr:g}', f'{cpu.lr:g}', f'{gpu.lr:g}')}")
        self.batch_size = _spin(0, 1024, 0, f"auto ({_by_task(ner.batch_size, cpu.batch_size, gpu.batch_size)})")
        self.max_length = _spin(0, 4096, 0, f"auto ({cpu.max_length} CPU, {gpu.max_length} GPU)")
        self.warmup = QDoubleSpinBox()
        self.warmup.setRange(-0.01, 0.5)
        self.warmup.setSingleStep(0.01)
        self.warmup.setValue(-0.01)
        _auto(self.warmup, f"auto ({cpu.warmup_ratio:g})")
        self.weight_decay = QDoubleSpinBox()
        self.weight_decay.setRange(0, 1)
        self.weight_decay.setDecimals(3)
        self.weight_decay.setValue(0.01)
        self.grad_accum = _spin(1, 64, 1)
        self.patience = _spin(0, 50, 2, "never stop early")
        self.patience.setToolTip("Stop when the dev score has not improved for this many epochs (a tie counts as "
                                 "improved only when the dev loss fell by at least 0.01); 0: never stop early")
        self.seed = _spin(0, 2**31 - 1, 13)
        self.freeze = _spin(-1, 48, -1, f"auto ({_by_task(ner.freeze_layers, cpu.freeze_layers, gpu.freeze_layers)})")
        self.freeze.setToolTip("Lower transformer blocks left as pretrained (with the embeddings): faster steps. "
                               + self.freeze.toolTip())
        self.dropout = QDoubleSpinBox()
        self.dropout.setRange(-0.01, 0.9)
        self.dropout.setSingleStep(0.05)
        self.dropout.setValue(-0.01)
        _auto(self.dropout, f"auto ({_by_task(_drop(ner.dropout), _drop(cpu.dropout), _drop(gpu.dropout))})")
        self.average = QDoubleSpinBox()
        self.average.setRange(-0.001, 0.999)
        self.average.setDecimals(3)
        self.average.setSingleStep(0.005)
        self.average.setValue(-0.001)
        _auto(self.average, "auto (" + _by_task(_avg(ner.weight_average), _avg(cpu.weight_average),
                                                _avg(gpu.weight_average)) + ")")
        self.average.setToolTip("Score and keep a moving average of the weights (decay per step; 0: off). "
                                + self.average.toolTip())
        self.word_case = QCheckBox("given to the model (NER)")
        self.word_case.setChecked(True)
        self.word_case.setToolTip("An uncased model cannot see capitals, the strongest clue to a name; "
                                  "this gives it each word's case (CoNLL: +3.6 F1 points)")
        self.embeddings = QComboBox()
        for text, value in (("only words in my data (fast)", "sparse"), ("all words", "full"),
                            ("leave as they are", "frozen")):
            self.embeddings.addItem(text, value)
        self.embeddings.setToolTip("Which word vectors (rows of the embedding matrix) training may change: sparse = "
                                   "only the rows of word pieces that occur in the training data; full = all; "
                                   "frozen = none.  Ignored while the lower layers are frozen.")
        self.device_box = QComboBox()
        for text, value in (("auto (GPU if present)", "auto"), ("CPU", "cpu"), ("CUDA GPU", "cuda"),
                            ("Apple GPU (MPS)", "mps")):
            self.device_box.addItem(text, value)
        adv = QFormLayout(self.drawer)
        adv.addRow("Learning rate", self.lr)
        adv.addRow("Batch size", self.batch_size)
        adv.addRow("Max length", self.max_length)
        adv.addRow("Warm-up ratio", self.warmup)
        adv.addRow("Weight decay", self.weight_decay)
        adv.addRow("Grad. accumulation", self.grad_accum)
        adv.addRow("Early-stop patience", self.patience)
        adv.addRow("Seed", self.seed)
        adv.addRow("Frozen lower layers", self.freeze)
        adv.addRow("Dropout", self.dropout)
        adv.addRow("Weight averaging", self.average)
        adv.addRow("Word embeddings", self.embeddings)
        adv.addRow("Word case", self.word_case)
        adv.addRow("Device", self.device_box)
        self.drawer.hide()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(basic)
        lay.addWidget(self.advanced_button)
        lay.addWidget(self.drawer)

    def _toggle(self, on: bool) -> None:
        self.drawer.setVisible(on)
        self.advanced_button.setText("Advanced ▾" if on else "Advanced ▸")

    def device(self) -> str:
        return str(self.device_box.currentData())

    def config(self, store_path: pathlib.Path | None, task: str, base_model: str) -> TrainConfig:
        """The settings as a TrainConfig (UserError for a learning rate that is not a number)."""
        lr_text = self.lr.text().strip()
        try:
            lr = float(lr_text) if lr_text else None
        except ValueError:
            raise UserError(f"learning rate {lr_text!r} is not a number (e.g. 5e-5), or leave it empty") from None
        return TrainConfig(
            store_path=pathlib.Path(store_path or ""), task=task, base_model=base_model,
            epochs=self.epochs.value() or None, batch_size=self.batch_size.value() or None, lr=lr,
            max_length=self.max_length.value() or None,
            warmup_ratio=None if self.warmup.value() < 0 else self.warmup.value(),
            weight_decay=self.weight_decay.value(), grad_accum=self.grad_accum.value(),
            patience=self.patience.value(), seed=self.seed.value(), device=self.device(),
            time_budget_s=self.time_limit.value() * 60.0 or None, embeddings=str(self.embeddings.currentData()),
            freeze_layers=None if self.freeze.value() < 0 else self.freeze.value(),
            dropout=None if self.dropout.value() < 0 else self.dropout.value(),
            word_case=self.word_case.isChecked(),
            weight_average=None if self.average.value() < 0 else self.average.value(),
        )


def _drop(p: float | None) -> str:
    return "model's" if p is None else f"{p:g}"


def _avg(decay: float) -> str:
    return f"{decay:g}" if decay else "off"
