"""File → Apply model to a file: pick a run and a file, preview the first rows, apply it with a
progress bar, open the output's folder; refused outputs get a message and nothing is written."""
from __future__ import annotations

import csv
import pathlib

import pytest
from PySide6.QtCore import Qt

from inference_support import copy_project, one_cpu, trained

pytestmark = pytest.mark.ui
SHOTS = pathlib.Path("/tmp/apply-dialog-shots")
TEXTS = ["alice visited acme in berlin .", "the bob joined globex in tokyo .", "carol met initech in lima .",
         "dave works at umbrella in paris ."]


@pytest.fixture
def dialog(qtbot, tmp_path):
    from ui.app import make_app
    from ui.dialogs.apply_dialog import ApplyDialog

    make_app()
    with one_cpu():
        trained()
        project = copy_project(tmp_path)
        d = ApplyDialog(project)
        qtbot.addWidget(d)
        d.show()
        qtbot.waitExposed(d)
        yield d
        d.close()


def write_input(tmp_path: pathlib.Path) -> pathlib.Path:
    src = tmp_path / "messages.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"]] + [[str(i), t] for i, t in enumerate(TEXTS * 3)] + [["99", ""]])
    return src


def choose_run(dialog, task: str) -> None:
    run_id = trained()[task].run_id
    dialog.run_box.setCurrentIndex(dialog.run_box.findData(run_id))


def test_preview_then_apply_writes_every_row_and_opens_the_folder(dialog, qtbot, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("ui.dialogs.apply_dialog.QDesktopServices.openUrl", lambda url: opened.append(url))
    choose_run(dialog, "ner")
    src = write_input(tmp_path)
    dialog.set_input(str(src))
    assert dialog.output.text() == str(tmp_path / "messages_predictions.csv")
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 10, timeout=60_000)
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    assert headers == ["line", "text", "spans", "entities"]
    assert dialog.table.item(0, 3).text() == "alice [PER], acme [ORG], berlin [LOC]"
    qtbot.waitUntil(lambda: dialog.apply_button.isEnabled(), timeout=10_000)
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "apply_preview.png"))

    dialog.skip_bad.setChecked(True)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=60_000)
    assert dialog.summary.rows == 12 and dialog.summary.skipped == 1
    assert "Wrote 12 rows" in dialog.status.text() and "messages.csv:14: the text is empty" in dialog.status.text()
    with open(tmp_path / "messages_predictions.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [str(i) for i in range(12)]
    qtbot.waitUntil(lambda: dialog.folder_button.isEnabled() and dialog.progress.isHidden(), timeout=10_000)
    dialog.grab().save(str(SHOTS / "apply_done.png"))
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(tmp_path.resolve())]


def test_a_bad_row_stops_the_run_with_its_line_and_writes_nothing(dialog, qtbot, tmp_path):
    choose_run(dialog, "sentiment")
    src = write_input(tmp_path)
    dialog.set_input(str(src))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "messages.csv:14" in dialog.status.text(), timeout=60_000)
    assert "the text is empty" in dialog.status.text() and "nothing was written" in dialog.status.text()
    assert not (tmp_path / "messages_predictions.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_input_or_the_project_as_output_is_refused_with_a_message(dialog, qtbot, tmp_path):
    src = write_input(tmp_path)
    dialog.set_input(str(src))
    before = src.read_bytes()
    dialog.output.setText(str(src))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert dialog.message_box is not None and "is the input file" in dialog.message_box.text()
    dialog.message_box.close()
    (tmp_path / "project.csv").symlink_to(dialog.project)
    dialog.output.setText(str(tmp_path / "project.csv"))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "open project itself" in dialog.message_box.text()
    assert src.read_bytes() == before and dialog.summary is None and dialog.progress.isHidden()


def test_stop_ends_the_run_and_writes_nothing(dialog, qtbot, tmp_path):
    choose_run(dialog, "ner")
    src = tmp_path / "many.txt"
    src.write_text("\n".join(TEXTS * 5000) + "\n", encoding="utf-8")
    dialog.set_input(str(src))
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "rows/s" in dialog.status.text(), timeout=60_000)
    assert dialog.stop_button.isVisible() and not dialog.progress.isHidden()
    qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text(), timeout=60_000)
    assert "nothing was written" in dialog.status.text() and dialog.summary is None
    assert not (tmp_path / "many_predictions.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
