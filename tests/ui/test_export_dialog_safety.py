"""File → Export follows the core's rule: it refuses the project, SQLite files, devices and
folders it did not write with a message, and asks before replacing what is there."""
from __future__ import annotations

import os
import pathlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

pytestmark = pytest.mark.ui


def _dialog(person, fmt: str, target: pathlib.Path):
    from ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(person.win.project_path, person.win)
    person.qtbot.addWidget(dialog)
    dialog.show()
    dialog.fmt.setCurrentIndex(dialog.fmt.findData(fmt))
    dialog.path.setText(str(target))
    return dialog


def _refused(person, dialog, shot: str = "") -> str:
    person.qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.error_box is not None and dialog.error_box.isVisible()
    if shot:
        person.shot(dialog.error_box, shot)
    text = dialog.error_box.text()
    dialog.error_box.close()
    dialog.error_box = None
    return text


def test_export_refuses_the_project_sqlite_files_devices_and_foreign_folders(person, tmp_path):
    from workbench.store import Store

    project = person.win.project_path
    size = project.stat().st_size
    dialog = _dialog(person, "jsonl", project)
    text = _refused(person, dialog, "export_refused_project")
    assert "open project itself" in text and project.stat().st_size == size

    Store.create(tmp_path / "other.db", ["ner"], ["PER"], []).close()
    dialog.path.setText(str(tmp_path / "other.db"))
    assert "SQLite database" in _refused(person, dialog)

    os.mkfifo(tmp_path / "pipe.jsonl")
    dialog.path.setText(str(tmp_path / "pipe.jsonl"))
    assert "not a regular file" in _refused(person, dialog)

    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "chapter1.txt").write_text("mine")
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("hf"))
    dialog.path.setText(str(tmp_path / "thesis"))
    person.qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    person.shot(dialog.error_box, "export_refused_foreign_folder")
    assert "not written by this program" in dialog.error_box.text()
    assert (tmp_path / "thesis" / "chapter1.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "thesis").iterdir()) == ["chapter1.txt"]
    assert dialog.written is None            # nothing was exported anywhere


@pytest.mark.parametrize("fmt, name", [("jsonl", "out.jsonl"), ("hf", "out_hf")])
def test_export_asks_before_replacing_and_keeps_it_on_cancel(person, tmp_path, fmt, name):
    target = tmp_path / name
    dialog = _dialog(person, fmt, target)
    person.qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    person.qtbot.waitUntil(lambda: dialog.written is not None, timeout=20000)
    assert dialog.confirm_box is None                    # a new target: nothing to ask
    stamp = os.stat(target / ".workbench-output.json" if fmt == "hf" else target).st_mtime_ns
    dialog.written = None

    person.qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    person.shot(box, f"export_replace_question_{fmt}")
    assert "Replace" in box.button(QMessageBox.StandardButton.Yes).text()
    person.qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert dialog.written is None and dialog.export_button.isEnabled()
    assert os.stat(target / ".workbench-output.json" if fmt == "hf" else target).st_mtime_ns == stamp

    person.qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    person.qtbot.mouseClick(dialog.confirm_box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    person.qtbot.waitUntil(lambda: dialog.written is not None, timeout=20000)
    assert os.stat(target / ".workbench-output.json" if fmt == "hf" else target).st_mtime_ns != stamp
    assert dialog.error_box is None
