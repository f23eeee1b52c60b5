"""File → Import on a Chinese file with broken bytes: the preview names the line, the user
ticks the repair, the preview says how many lines it mends, and the import goes through."""
from __future__ import annotations

import pathlib

from PySide6.QtCore import Qt

SHOTS = pathlib.Path("/tmp/cjk_shots")
SHOTS.mkdir(exist_ok=True)
SURROGATE_EMOJI = "\ud83d\ude00".encode("utf-8", "surrogatepass")   # 😀 as two UTF-8 halves


def test_import_dialog_repairs_by_choice_and_reads_gb18030(qtbot, tmp_path: pathlib.Path) -> None:
    from ui.app import make_app
    from ui.dialogs.import_dialog import ImportDialog
    from workbench.store import Store

    make_app()
    project = tmp_path / "zh.db"
    Store.create(project, ["ner"], ["PER", "LOC"]).close()
    weibo = tmp_path / "weibo.bio"
    weibo.write_bytes("好 O\n".encode() + SURROGATE_EMOJI + " O\n\n张 B-PER\n三 I-PER\n在 O\n北 B-LOC\n京 I-LOC\n\n"
                      .encode())
    dialog = ImportDialog(project, None, str(weibo))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: "weibo.bio:2: not UTF-8 text" in dialog.status.text(), timeout=5000)
    assert dialog.fmt.currentData() == "conll"
    qtbot.mouseClick(dialog.repair, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "1 line will be repaired" in dialog.status.text(), timeout=5000)
    assert dialog.table.item(0, 0).text() == "好😀"
    assert dialog.table.item(1, 0).text() == "张三在北京" and dialog.table.item(1, 1).text() == "张三 (PER), 北京 (LOC)"
    dialog.grab().save(str(SHOTS / "cjk_import_repair.png"))
    with qtbot.waitSignal(dialog.imported, timeout=10000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.report.repaired_lines == 1 and "1 line repaired" in dialog.report.summary()

    # a GB18030 CSV: strict UTF-8 fails, choosing the encoding reads its header and rows
    gb = tmp_path / "reviews.csv"
    gb.write_bytes("评论,情感\n华为手机很好,正面\n".encode("gb18030"))
    dialog2 = ImportDialog(project, None, str(gb))
    qtbot.addWidget(dialog2)
    dialog2.show()
    qtbot.waitUntil(lambda: "not UTF-8 text" in dialog2.status.text() or "column" in dialog2.status.text(),
                    timeout=5000)
    dialog2.encoding.setCurrentIndex(dialog2.encoding.findData("gb18030"))
    dialog2.text_column.setEditText("评论")
    dialog2.text_column.lineEdit().editingFinished.emit()
    qtbot.waitUntil(lambda: "1 documents in the file" in dialog2.status.text(), timeout=5000)
    assert dialog2.table.item(0, 0).text() == "华为手机很好"
    with qtbot.waitSignal(dialog2.imported, timeout=10000):
        qtbot.mouseClick(dialog2.import_button, Qt.MouseButton.LeftButton)
    with Store.open(project) as store:
        assert store.document_count() == 3
