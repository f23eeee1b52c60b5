"""File menu: new project, import (preview, progress, the core's errors as-is), export,
recent files; and the user settings that persist with QSettings."""
from __future__ import annotations

import json
import pathlib

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.ui


def test_new_project_dialog_creates_and_opens(person, tmp_path: pathlib.Path) -> None:
    from ui.dialogs.new_project import NewProjectDialog
    from workbench.store import Store

    dialog = NewProjectDialog(person.win)
    person.qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.clear()
    person.qtbot.keyClicks(dialog.name, "Support tickets")
    dialog.location.setText(str(tmp_path / "tickets.db"))
    dialog.task_boxes["sentiment"].setChecked(False)
    dialog.label_edits["ner"].setText("PRODUCT, ISSUE, VERSION")
    person.shot(dialog, "new_project_dialog")
    dialog.create()
    assert dialog.created == tmp_path / "tickets.db"
    with Store(dialog.created) as store:
        assert store.tasks == ["ner"] and store.label_names("ner") == ["PRODUCT", "ISSUE", "VERSION"]
        assert store.name == "Support tickets"
    assert person.win.open_project(dialog.created)
    assert person.win.windowTitle().startswith("Support tickets")
    assert "sentiment" not in person.screen.class_bars and person.view.isVisible()
    assert person.screen.header.text().startswith("This project has no documents")


def test_new_project_refuses_bad_input(person) -> None:
    from ui.dialogs.new_project import NewProjectDialog

    dialog = NewProjectDialog(person.win)
    person.qtbot.addWidget(dialog)
    dialog.task_boxes["ner"].setChecked(False)
    dialog.task_boxes["sentiment"].setChecked(False)
    dialog.create()
    assert dialog.created is None and "at least one task" in dialog.error.text()


def _import_dialog(person, path: pathlib.Path):
    from ui.dialogs.import_dialog import ImportDialog

    dialog = ImportDialog(person.win.project_path, person.win, str(path))
    dialog.imported.connect(lambda _r: person.win.reload_project())
    person.qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_import_shows_preview_then_imports_with_labels(person, tmp_path: pathlib.Path) -> None:
    rows = [{"text": f"Kestrel Labs opened a store in Lyon number {i}.", "spans": [{"start": 0, "end": 12, "label": "ORG"}, {"start": 31, "end": 35, "label": "LOC"}],
             "sentiment": "neutral"} for i in range(30)] + [{"text": "An unlabeled one about the Aria 3."}]
    path = tmp_path / "more.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    before = person.store.document_count()
    dialog = _import_dialog(person, path)
    person.qtbot.waitUntil(lambda: dialog.table.rowCount() == 20, timeout=5000)
    assert "31 documents in the file" in dialog.status.text()
    assert dialog.table.item(0, 1).text() == "Kestrel Labs (ORG), Lyon (LOC)"
    person.shot(dialog, "import_dialog")
    with person.qtbot.waitSignal(dialog.imported, timeout=10000):
        person.qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.report.documents == 31 and dialog.report.labeled["ner"] == 30
    assert person.store.document_count() == before + 31
    model = person.screen.panel.model
    person.qtbot.waitUntil(lambda: model.complete, timeout=5000)   # the list reloaded (read in steps)
    assert model.rowCount() == before + 31
    assert person.screen.panel.count_label.text() == f"{before + 31} documents"


def test_import_error_is_shown_exactly_as_the_core_says(person, tmp_path: pathlib.Path) -> None:
    from workbench.formats import FormatError, import_file

    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "bad span", "spans": [{"start": 0, "end": 99, "label": "ORG"}]}\n',
                    encoding="utf-8")
    with pytest.raises(FormatError) as expected:
        import_file(person.store, path, "jsonl")
    before = person.store.document_count()
    dialog = _import_dialog(person, path)
    person.qtbot.waitUntil(lambda: dialog.status.text() == str(expected.value), timeout=5000)  # preview says it too
    person.qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    person.qtbot.waitUntil(lambda: dialog.error_box is not None and dialog.error_box.isVisible(), timeout=5000)
    assert dialog.error_box.text() == str(expected.value)
    assert str(expected.value).startswith(f"{path}:2: ")
    assert person.store.document_count() == before


def test_import_unknown_label_needs_the_checkbox(person, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "new_label.jsonl"
    path.write_text(json.dumps({"text": "Version 2.1 broke it.",
                                       "spans": [{"start": 0, "end": 11, "label": "VERSION"}]}) + "\n")
    dialog = _import_dialog(person, path)
    person.qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
    person.qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    person.qtbot.waitUntil(lambda: dialog.error_box is not None, timeout=5000)
    assert "unknown entity label 'VERSION'" in dialog.error_box.text()
    dialog.error_box.close()
    dialog.add_labels.setChecked(True)
    with person.qtbot.waitSignal(dialog.imported, timeout=10000):
        person.qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "VERSION" in person.store.label_names("ner")
    assert "VERSION" in person.screen.label_bar._chips              # the label bar picked it up


def test_csv_columns_are_chosen_from_the_header(person, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("note,verdict\nGreat sound.,positive\nBroke in a week.,negative\n", encoding="utf-8")
    dialog = _import_dialog(person, path)
    # No name it knows: the core's message, and the header's names to choose from.
    person.qtbot.waitUntil(lambda: "no text column" in dialog.status.text(), timeout=5000)
    assert _items(dialog.text_column) == ["note", "verdict"]
    assert _items(dialog.label_column) == ["", "note", "verdict"]
    for box, name in ((dialog.text_column, "note"), (dialog.label_column, "verdict")):
        box.setFocus()
        box.lineEdit().selectAll()
        person.qtbot.keyClicks(box.lineEdit(), name)
        person.qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Tab)
    person.qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    assert dialog.table.item(1, 0).text() == "Broke in a week." and dialog.table.item(1, 2).text() == "negative"
    assert dialog.text_column.currentText() == "note" and dialog.label_column.currentText() == "verdict"


def _items(box) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


def _typing_dialog(person, monkeypatch):
    """File → Import as a person meets it: an empty path field with the focus; the file
    browser is watched (opening it would be the bug)."""
    from PySide6.QtWidgets import QFileDialog

    from ui.dialogs.import_dialog import ImportDialog

    browsed: list[object] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (browsed.append(a), ("", ""))[1])
    dialog = ImportDialog(person.win.project_path, person.win)
    dialog.imported.connect(lambda _r: person.win.reload_project())
    person.qtbot.addWidget(dialog)
    dialog.show()
    person.qtbot.waitExposed(dialog)
    dialog.activateWindow()
    person.qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)  # keys go to the dialog, not the main window
    dialog.file.setFocus()
    assert dialog.file.hasFocus()
    return dialog, browsed


def _reviews_csv(tmp_path: pathlib.Path, name: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text("id,review,sentiment\nr1,The Zephyr 9 charges in an hour.,positive\n"
                    "r2,The strap of the Zephyr 9 snapped.,negative\n", encoding="utf-8")
    return path


def _sentiments(store, texts: list[str]) -> list[tuple[str, str | None]]:
    from workbench.store.queries import document_ids

    found = {store.document(i).text: i for i in document_ids(store)}
    return [(store.annotation(found[t], "sentiment").status, store.annotation(found[t], "sentiment").choice)
            if t in found else ("missing", None) for t in texts]


def test_typed_path_previews_with_header_choices_then_enter_imports(person, tmp_path: pathlib.Path,
                                                                     monkeypatch) -> None:
    path = _reviews_csv(tmp_path, "zephyr.csv")
    before = person.store.document_count()
    dialog, browsed = _typing_dialog(person, monkeypatch)
    person.qtbot.keyClicks(dialog.file, str(path))
    # The preview comes while the cursor is still in the path field (no Tab, no click).
    person.qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
    assert dialog.file.hasFocus()
    assert dialog.fmt.currentData() == "csv" and "2 documents in the file" in dialog.status.text()
    assert _items(dialog.text_column) == ["id", "review", "sentiment"]
    assert _items(dialog.label_column) == ["", "id", "review", "sentiment"]
    assert dialog.text_column.currentText() == "review" and dialog.label_column.currentText() == "sentiment"
    assert dialog.table.item(0, 2).text() == "positive"
    person.shot(dialog, "import_dialog_csv_columns")
    with person.qtbot.waitSignal(dialog.imported, timeout=10000):
        person.qtbot.keyClick(dialog.file, Qt.Key.Key_Return)
    assert browsed == []
    assert person.store.document_count() == before + 2
    assert _sentiments(person.store, ["The Zephyr 9 charges in an hour.", "The strap of the Zephyr 9 snapped."]) == [
        ("accepted", "positive"), ("accepted", "negative")]


def test_enter_right_after_typing_imports_with_the_same_guesses(person, tmp_path: pathlib.Path, monkeypatch) -> None:
    path = _reviews_csv(tmp_path, "quick.csv")
    before = person.store.document_count()
    dialog, browsed = _typing_dialog(person, monkeypatch)
    assert dialog.import_button.isDefault()
    person.qtbot.keyClicks(dialog.file, str(path))
    with person.qtbot.waitSignal(dialog.imported, timeout=10000):
        person.qtbot.keyClick(dialog.file, Qt.Key.Key_Enter)   # the keypad's Enter, before any preview
    assert browsed == []
    assert dialog.report.documents == 2 and dialog.report.labeled["sentiment"] == 2
    assert person.store.document_count() == before + 2


def test_export_writes_the_file(person, tmp_path: pathlib.Path) -> None:
    from ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(person.win.project_path, person.win)
    person.qtbot.addWidget(dialog)
    dialog.show()
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("jsonl"))
    target = tmp_path / "out.jsonl"
    dialog.path.setText(str(target))
    person.qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    person.qtbot.waitUntil(lambda: dialog.written is not None, timeout=10000)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == person.store.document_count() == dialog.written
    assert f"Wrote {person.store.document_count()} documents" in dialog.status.text()


def test_recent_files_annotator_and_geometry_persist(qtbot, demo_path: pathlib.Path, tmp_path: pathlib.Path) -> None:
    from ui.main_window import MainWindow
    from ui.settings import UserSettings
    from workbench.store import Store

    other = tmp_path / "other.db"
    Store.create(other, ["sentiment"], [], ["bad", "good"]).close()
    win = MainWindow(UserSettings())
    qtbot.addWidget(win)
    win.open_project(demo_path)
    win.open_project(other)
    win.settings.set_annotator("maya")
    win.show()
    win.resize(win.width(), 520)   # the offscreen screen is 800x600: only the height is free to choose
    win.close()

    again = MainWindow(UserSettings())          # a new session reads the same settings
    qtbot.addWidget(again)
    assert again.settings.recent_files()[:2] == [str(other.resolve()), str(demo_path.resolve())]
    assert again.settings.last_project() == other.resolve()
    assert [a.text() for a in again.recent_menu.actions()][:2] == [str(other.resolve()), str(demo_path.resolve())]
    assert again.height() == 520
    assert again.annotate.session.annotator == "maya"
    again.open_project(other)
    again.annotate.toggle_class("sentiment", "good")
    assert again.store.annotation(1, "sentiment").annotator == "maya" if again.store.document_count() else True


def test_opening_a_bad_file_says_why_and_forgets_it(qtbot, tmp_path: pathlib.Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    bad = tmp_path / "notes.db"
    bad.write_text("not a database")
    win = MainWindow()
    qtbot.addWidget(win)
    assert not win.open_project(bad)
    assert shown and "not a workbench project" in shown[0]
