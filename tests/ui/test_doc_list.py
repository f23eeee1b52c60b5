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
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)      # the ids come in steps
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
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)
    assert panel.model.rowCount() == len(range(0, 20_000, 3))
    panel.label_box.setCurrentIndex(0)
    panel.search.setText("bad")                        # applied after a short pause in typing
    qtbot.waitUntil(lambda: panel.model.complete and panel.model.rowCount() == 10_000, timeout=5000)
    assert all("bad" in big_store.document(i).text for i in panel.model.ids()[:50])
    panel.search.clear()
    panel.apply_filter()
    panel.status_box.setCurrentIndex(panel.status_box.findData("labeled"))
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)
    assert panel.model.rowCount() == len(range(0, 20_000, 3))
    assert panel.model.data(panel.model.index(0, 3), Qt.ItemDataRole.DisplayRole) == "good"


def test_a_long_list_shows_its_first_rows_at_once_and_counts_the_rest(qtbot, big_store) -> None:
    """The first page is there as soon as the filter is; the count says it is still counting
    until every id is read, and the document asked for is selected once its row comes in."""
    from ui.annotate import doc_list
    from ui.annotate.doc_panel import DocPanel

    panel = DocPanel()
    qtbot.addWidget(panel)
    panel.set_store(big_store)
    assert panel.model.rowCount() == doc_list.FIRST_IDS and not panel.model.complete
    assert panel.count_label.text() == "20,000 documents"         # every document: a kept count
    panel.select_doc(19_990)                               # not read yet
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)
    assert panel.count_label.text() == "20,000 documents"
    assert panel.current_doc_id() == 19_990
    assert list(panel.model.ids()) == list(range(1, 20_001))
    panel.search.setText("Norvik")                         # in every document: counted as it is read
    panel.apply_filter()
    assert panel.count_label.text() == f"{doc_list.FIRST_IDS:,}+ of 20,000 documents (counting…)"
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)
    assert panel.count_label.text() == "20,000 documents"
    panel.search.setText("Aria 3")
    panel.apply_filter()
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)
    want = sum(1 for i in range(20_000) if i % 7 == 3 or str(i).startswith("3"))   # words match as prefixes
    assert panel.count_label.text() == f"{want:,} of 20,000 documents"


def test_the_whole_list_comes_even_without_a_reading_connection_of_its_own(qtbot, big_store, monkeypatch) -> None:
    """Where a second connection cannot be opened (a read-only folder whose log holds changes),
    the store's own connection reads the rest of the list."""
    import ui.annotate.doc_list as doc_list
    from ui.annotate.doc_panel import DocPanel
    from workbench.store import StoreError

    def refused(path):
        raise StoreError(f"{path}: the project is in a folder that cannot be written")

    monkeypatch.setattr(doc_list, "read_connection", refused)
    panel = DocPanel()
    qtbot.addWidget(panel)
    panel.set_store(big_store)
    qtbot.waitUntil(lambda: panel.model.complete, timeout=5000)
    assert list(panel.model.ids()) == list(range(1, 20_001))
