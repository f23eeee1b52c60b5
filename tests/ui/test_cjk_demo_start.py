"""``workbench --demo zh`` (what ``./dev.sh start --demo zh`` runs): the Chinese demo is made on
first use beside the English one, opened, and the status bar says that the bundled model
cannot learn it and what to pick instead."""
from __future__ import annotations

import pathlib


def test_demo_zh_opens_the_chinese_demo_with_its_note(tmp_path: pathlib.Path, qtbot, monkeypatch) -> None:
    from ui.app import main
    from ui.settings import UserSettings
    from ui.status_bar import StatusBar
    from workbench.store import Store

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    said: list[str] = []
    original = StatusBar.showMessage
    monkeypatch.setattr(StatusBar, "showMessage", lambda self, text, timeout=0: (said.append(text),
                                                                                 original(self, text, timeout)))
    out = tmp_path / "zh.png"
    assert main(["--demo", "zh", "--screenshot", str(out)]) == 0
    demo = tmp_path / "projects" / "demo-zh.db"
    assert out.is_file() and demo.is_file() and not (tmp_path / "projects" / "demo.db").exists()
    assert UserSettings().recent_files()[0] == str(demo.resolve())
    with Store.open(demo) as store:
        assert "Chinese" in store.name and store.document_count() == 150
    assert any("cannot learn" in text and "Chinese model folder" in text for text in said), said
