"""File → Import, then Cancel while it runs: the job stops (workbench/jobs.py Cancelled), the
dialog says so in a sentence and stays open, and the project holds nothing of the file."""
from __future__ import annotations

import json
import pathlib
import time

from PySide6.QtCore import Qt


def test_cancel_while_importing_writes_nothing_and_says_so(qtbot, tmp_path: pathlib.Path, monkeypatch,
                                                           workbench_home: pathlib.Path) -> None:
    from ui.dialogs.import_dialog import ImportDialog
    from workbench.formats import importer
    from workbench.store import Store
    from workbench.store.staging import ImportStage

    project = tmp_path / "p.db"
    Store.create(project, ["ner"], ["PER"]).close()
    source = tmp_path / "reviews.jsonl"
    source.write_text("".join(json.dumps({"text": f"Ada met Bob in town number {i}."}) + "\n" for i in range(20000)),
                      encoding="utf-8")
    monkeypatch.setattr(importer, "CHUNK", 200)      # a hundred steps: room to click Cancel between two
    add = ImportStage.add

    def slow_add(self, docs):  # noqa: ANN001, ANN202 - a slow disk
        time.sleep(0.02)
        return add(self, docs)

    monkeypatch.setattr(ImportStage, "add", slow_add)
    dialog = ImportDialog(project, path=str(source))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "documents in the file" in dialog.status.text(), timeout=30_000)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=30_000)     # it is importing
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.imports.busy, timeout=30_000)
    assert dialog.status.text() == "Import cancelled; nothing was written."
    assert dialog.isVisible() and dialog.report is None and dialog.import_button.isEnabled()
    assert dialog.progress.isHidden()
    with Store(project) as store:
        assert store.document_count() == 0
