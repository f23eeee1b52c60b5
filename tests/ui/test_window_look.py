"""What the window looks like: every drop-down list shows its current row (not a
blank white one), and a long status message or project path never widens the
window.  Each check also renders what it checks to shots/ for a person to look at."""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QComboBox, QLabel

pytestmark = pytest.mark.ui

SHOTS = pathlib.Path(__file__).resolve().parents[2] / "shots"
SELECTED = QColor("#dbe6fb")     # resources/style.qss: a selected row, in tables and drop-downs
LONG = ("The model saved in /home/anna/projects/customer-reviews/runs/run-0042/model was trained on 1,204 "
        "documents for 38 epochs; early stopping waited 5 epochs without a gain of 0.005 in dev F1 and then "
        "stopped, keeping the checkpoint of epoch 33 with dev F1 0.871 and a dev loss of 0.412 at the end.")[:300]


def _open_popup(qtbot, box: QComboBox) -> QImage:
    """The drop-down as it is drawn when opened: rows of the list view, the current one included."""
    box.showPopup()
    qtbot.waitUntil(lambda: box.view().isVisible(), timeout=3000)
    view = box.view()
    image = view.viewport().grab().toImage()
    box.hidePopup()
    return image


def _row(view, image: QImage, row: int) -> tuple[QColor, int]:
    """The row's background colour (its left margin) and its darkest lightness (the text)."""
    rect = view.visualRect(view.model().index(row, 0))
    y = rect.center().y()
    dark = min(image.pixelColor(x, yy).lightness() for x in range(rect.left() + 4, rect.right() - 4)
               for yy in range(rect.top() + 2, rect.bottom() - 1))
    return image.pixelColor(rect.left() + 2, y), dark


def _check_drop_downs(qtbot, where: str, widget, checked: dict[str, list[str]], shots: list[QImage]) -> None:
    for box in widget.findChildren(QComboBox):
        if not box.isVisible() or box.count() < 2:
            continue
        image = _open_popup(qtbot, box)
        view, current = box.view(), box.currentIndex()
        background, darkest = _row(view, image, current)
        name = f"{where}: {box.currentText()!r}"
        assert background == SELECTED, f"{name}: current row drawn {background.name()}"
        assert darkest < 110, f"{name}: no text drawn on the current row"
        other = next(r for r in range(box.count()) if r != current and box.itemText(r))
        other_bg, other_dark = _row(view, image, other)
        assert other_bg != SELECTED and other_dark < 110, f"{name}: row {other}"
        checked.setdefault(where, []).append(box.currentText())
        shots.append(image)


def test_every_drop_down_shows_its_current_row(trained_window, qtbot, tmp_path: pathlib.Path) -> None:
    from ui.dialogs.export_dialog import ExportDialog
    from ui.dialogs.import_dialog import ImportDialog

    win = trained_window
    checked: dict[str, list[str]] = {}
    shots: list[QImage] = []
    for i in range(win.tabs.count()):
        win.tabs.setCurrentIndex(i)
        title = win.tabs.tabText(i)
        qtbot.wait(50)
        _check_drop_downs(qtbot, title, win.screen(title), checked, shots)
    csv = tmp_path / "reviews.csv"
    csv.write_text("id,review,sentiment\n1,Fine.,positive\n", encoding="utf-8")
    for dialog in (ImportDialog(win.project_path, win, str(csv)), ExportDialog(win.project_path, win)):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        if isinstance(dialog, ImportDialog):   # the column choices come with the preview
            qtbot.waitUntil(lambda: dialog.text_column.count() == 3, timeout=5000)
        _check_drop_downs(qtbot, dialog.windowTitle(), dialog, checked, shots)
        dialog.close()
    # The boxes a user meets on each screen (status, label, Next, Task, Run, Show, ...) and in the dialogs.
    assert len(checked.get("Annotate", [])) >= 3 and len(checked.get("Train", [])) >= 1, checked
    assert len(checked.get("Review", [])) >= 2, checked
    assert "review" in checked.get("Import documents", []), checked   # an editable box (a plain list popup)
    _montage(shots, SHOTS / "drop_downs.png")


def _montage(images: list[QImage], path: pathlib.Path) -> None:
    width = max(i.width() for i in images)
    height = sum(i.height() + 8 for i in images)
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    sheet.fill(QColor("#9aa1ad"))
    painter = QPainter(sheet)
    y = 0
    for image in images:
        painter.drawImage(0, y, image)
        y += image.height() + 8
    painter.end()
    SHOTS.mkdir(exist_ok=True)
    assert sheet.save(str(path))


def _unchanged_width(qtbot, win, width: int = 1280) -> None:
    qtbot.wait(50)
    assert win.width() == width
    assert win.minimumSizeHint().width() <= width


def test_long_status_message_keeps_the_window_width(window, qtbot) -> None:
    assert window.width() == 1280
    window.annotate.message.emit(LONG)             # how the Annotate screen speaks
    _unchanged_width(qtbot, window)
    bar = window.statusBar()
    assert bar.currentMessage() == LONG and bar.message_label.toolTip() == LONG
    assert bar.message_label.displayed_text().endswith("…")
    assert bar.message_label.geometry().right() < bar.project_label.geometry().left()   # side by side
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "status_long_message.png"))
    bar.showMessage("Saved.")
    assert bar.message_label.displayed_text() == "Saved." and bar.message_label.toolTip() == ""


def test_long_train_status_keeps_the_window_width(window, qtbot) -> None:
    """The Train screen's status line (how a run ended, with the model's folder) is
    what widened the window to 1352 px and clipped "Base model" to "Base"."""
    window.tabs.setCurrentIndex(next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == "Train"))
    train = window.screen("Train")
    train.status_label.setText(LONG)
    _unchanged_width(qtbot, window)
    base = next(w for w in train.findChildren(QLabel) if w.text() == "Base model")
    assert base.width() >= base.minimumSizeHint().width()      # not clipped to "Base"
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "status_long_train.png"))


def test_deep_project_path_is_elided_in_the_middle(window, qtbot, demo_path, tmp_path) -> None:
    import shutil

    deep = tmp_path
    for part in ("customer-reviews-2024-and-2025-all-shops", "annotation-rounds", "round-03-second-pass",
                 "shared-with-the-team", "do-not-move-this-folder-please"):
        deep = deep / part
    deep.mkdir(parents=True)
    path = deep / ("product-reviews-" + "x" * 60 + ".db")
    shutil.copy(demo_path, path)
    assert window.open_project(path)
    window.annotate.message.emit("Document 2 accepted.")
    _unchanged_width(qtbot, window)
    bar = window.statusBar()
    shown = bar.project_label.displayed_text()
    assert "…" in shown and shown.endswith(".db")          # the file name stays; the tooltip has it all
    assert bar.project_label.toolTip() == str(path)
    assert bar.message_label.displayed_text() == "Document 2 accepted."   # room is left for messages
    window.grab().save(str(SHOTS / "status_deep_path.png"))
