"""The Train screen on a Chinese project: with the English default model it says, before any
run, that the model does not know the text and which model folders would suit; with a
Chinese model folder chosen the warning goes away."""
from __future__ import annotations

import pathlib


def test_train_screen_warns_about_the_default_model_on_chinese_text(qtbot, tmp_path: pathlib.Path) -> None:
    from tiny_bert import make_tiny_bert
    from ui.app import make_app
    from ui.train.panel import TrainPanel
    from ui.workers import wait_all
    from workbench.spans import Span
    from workbench.store import NewDocument, Store

    make_app()
    project = tmp_path / "zh.db"
    texts = ["张三在北京的华为公司工作。", "李四在上海的小米公司工作。"]
    with Store.create(project, ["ner"], ["PER", "LOC", "ORG"]) as store:
        store.add_documents([NewDocument(t, spans=[Span(0, 2, "PER")]) for t in texts])
    panel = TrainPanel(project)
    qtbot.addWidget(panel)
    panel.resize(1280, 760)
    panel.show()
    warning = panel.base_chooser.warning
    qtbot.waitUntil(warning.isVisible, timeout=60000)
    assert "does not know many characters" in warning.text() and "bert-base-chinese" in warning.text()
    shots = pathlib.Path("/tmp/cjk_shots")
    shots.mkdir(exist_ok=True)
    panel.grab().save(str(shots / "cjk_train_warning.png"))

    folder = make_tiny_bert(tmp_path / "zh_model", list("张三李四在北京上海的华为小米公司工作。"))
    panel.base_chooser.box.addItem(str(folder), str(folder))
    panel.base_chooser.box.setCurrentIndex(panel.base_chooser.box.count() - 1)
    qtbot.waitUntil(lambda: not warning.isVisible(), timeout=60000)
    panel.shutdown()
    wait_all()
