"""The training settings: two basic knobs and an Advanced drawer.  UI thread only.

The knobs are made from their descriptions (workbench/training/config_fields.knobs()): a
setting's label, tooltip, bounds and "auto" are declared once, on TrainConfig.  A box at its
"auto" position (its lowest, shown as the word) leaves the setting None: the engine's measured
default for the task and the device that trains (docs/training-defaults.md).
"""
from __future__ import annotations

import math
import pathlib
from typing import Any, Mapping

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QLineEdit, QSpinBox, QToolButton, QVBoxLayout, QWidget,
)

from workbench.errors import UserError
from workbench.training.config import TrainConfig
from workbench.training.config_fields import Knob, knobs


def make_box(knob: Knob) -> QWidget:
    """The widget for one knob, showing its default."""
    box: QWidget
    if knob.kind == "choice":
        box = QComboBox()
        for value, words in knob.choices:
            box.addItem(words, value)
    elif knob.kind == "check":
        box = QCheckBox(knob.special)
    elif knob.kind == "number":
        box = QLineEdit()
        box.setPlaceholderText(knob.none_word)
    else:
        box = QSpinBox() if knob.kind == "int" else QDoubleSpinBox()
        if isinstance(box, QDoubleSpinBox):
            box.setDecimals(knob.decimals)
        # "auto" sits one step below the lowest real value and reads as the word (one step up is
        # the lowest value); what it means is in the tooltip, so the boxes stay narrow
        box.setRange(knob.lo - (knob.step if knob.none_word else 0), knob.hi)
        box.setSingleStep(knob.step)
        box.setSpecialValueText(knob.none_word or knob.special)
        if knob.suffix:
            box.setSuffix(knob.suffix)
    box.setToolTip(knob.tooltip)
    set_box(knob, box, knob.value(knob.default))
    return box


def set_box(knob: Knob, box: QWidget, value: Any) -> None:
    """Show the setting's ``value`` (None: auto)."""
    shown = value if value is None or knob.scale == 1 else value / knob.scale
    if isinstance(box, QComboBox):
        box.setCurrentIndex(max(0, box.findData(shown)))
    elif isinstance(box, QCheckBox):
        box.setChecked(bool(shown))
    elif isinstance(box, QLineEdit):
        box.setText("" if shown is None else f"{shown:g}")
    elif isinstance(box, (QSpinBox, QDoubleSpinBox)):
        box.setValue(box.minimum() if shown is None else shown)


def box_value(knob: Knob, box: QWidget) -> Any:
    """The setting's value the box shows (None: auto); UserError for typed text that is no number."""
    if isinstance(box, QComboBox):
        return box.currentData()
    if isinstance(box, QCheckBox):
        return box.isChecked()
    if isinstance(box, QLineEdit):
        text = box.text().strip()
        if not text or text.lower() == knob.none_word:
            return None
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise UserError(f"{knob.label.lower()} {text!r} is not a number (e.g. 5e-5), "
                            f"or leave it empty for {knob.none_word}")
        return number
    assert isinstance(box, (QSpinBox, QDoubleSpinBox))
    if knob.none_word and box.value() < knob.lo:   # also a typed value between auto and the lowest
        return None
    return knob.value(box.value())


class Knobs(QWidget):
    """One box per knob: ``boxes[name]``, also an attribute of that name (``device_box`` for the
    device, whose name is taken by :meth:`device`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.knobs = {k.name: k for k in knobs()}
        self.boxes = {name: make_box(k) for name, k in self.knobs.items()}
        for name, box in self.boxes.items():
            setattr(self, f"{name}_box" if hasattr(type(self), name) else name, box)
        basic = QFormLayout()
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced ▸")
        self.advanced_button.setCheckable(True)
        self.advanced_button.toggled.connect(self._toggle)
        self.drawer = QFrame()
        self.drawer.setFrameShape(QFrame.Shape.StyledPanel)
        advanced = QFormLayout(self.drawer)
        for name, knob in self.knobs.items():
            (basic if knob.group == "basic" else advanced).addRow(knob.label, self.boxes[name])
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
        return str(self.boxes["device"].currentData())

    def values(self) -> dict[str, Any]:
        """Every knob's setting, by TrainConfig field name (None: auto)."""
        return {name: box_value(self.knobs[name], box) for name, box in self.boxes.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show these settings (names without a knob are left out)."""
        for name, value in values.items():
            if name in self.boxes:
                set_box(self.knobs[name], self.boxes[name], value)

    def config(self, store_path: pathlib.Path | None, task: str, base_model: str) -> TrainConfig:
        """The settings as a TrainConfig (UserError for a typed number that is not one)."""
        return TrainConfig(store_path=pathlib.Path(store_path or ""), task=task, base_model=base_model,
                           **self.values())
