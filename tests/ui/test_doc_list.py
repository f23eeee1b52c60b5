"""The document list reads only what is on screen, however long the list."""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.ui


@pytest.fixture
def big_store(tmp_path: pathlib.Path):
    from workbench.store import NewDocument, Store

    store = Store.create(tmp_path / "big.db", ["ner", "sentiment"], ["ORG"], ["bad", "good"])
    store.add_documents(NewDocument(f"Review {i}: the Aria {i % 7} from Norvik is {'good' if i % 2 else 'bad'}.",
                                    classes={"sentiment": "good"} if i % 3 == 0 else {}) for i in range(20_000))
    yield store
    store.close()


def test_only_visible_pages_are_fetched(qtbot, big_store, monkeypatch) -> None:
    import ui.annotate.doc_list as doc_list
    from ui.annotate.doc_panel import DocPanel

    fetched: list[int] = []
    real = doc_list.doc_rows
    monkeypatch.setattr(doc_list, "doc_rows", lambda store, ids, *a: fetched.append(len(ids)) or real(store, ids, *a))
    panel = DocPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 700)
    panel.set_store(big_store)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.model.rowCount() == 20_000
    assert sum(fetched) <= 2 * doc_list.PAGE          # the first screenful
    panel.table.scrollToBottom()
    qtbot.wait(50)
    panel.table.viewport().repaint()
    assert sum(fetched) <= 4 * doc_list.PAGE          # ...and the last one, nothing in between
    last = panel.model.index(19_999, 0)
    assert panel.model.data(last) == panel.model.id_at(19_999)


def test_filters_on_a_big_list(qtbot, big_store) -> None:
    from ui.annotate.doc_panel import DocPanel

    panel = DocPanel()
    qtbot.addWidget(panel)
    panel.set_store(big_store)
    panel.label_box.setCurrentIndex(panel.label_box.findData("good"))
    assert panel.model.rowCount() == len(range(0, 20_000, 3))
    panel.label_box.setCurrentIndex(0)
    panel.search.setText("bad")                        # applied after a short pause in typing
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10_000, timeout=2000)
    assert all("bad" in big_store.document(i).text for i in panel.model.ids()[:50])
    panel.search.clear()
    panel.apply_filter()
    panel.status_box.setCurrentIndex(panel.status_box.findData("labeled"))
    assert panel.model.rowCount() == len(range(0, 20_000, 3))
    assert panel.model.data(panel.model.index(0, 3), Qt.ItemDataRole.DisplayRole) == "good"
