"""Sentiment, accept/skip/paging, the document list and its filters, progress."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.ui


def test_sentiment_keys_choose_highlight_and_clear(person, unlabeled_doc) -> None:
    bar = person.screen.class_bars["sentiment"]
    person.key(Qt.Key.Key_E)                        # positive
    assert person.store.annotation(unlabeled_doc, "sentiment").choice == "positive"
    assert person.status("sentiment") == "draft"
    assert bar.chip("positive").isChecked() and not bar.chip("negative").isChecked()
    person.key(Qt.Key.Key_Q)                        # negative replaces it
    assert person.store.annotation(unlabeled_doc, "sentiment").choice == "negative"
    assert bar.chip("negative").isChecked() and not bar.chip("positive").isChecked()
    person.qtbot.mouseClick(bar.chip("negative"), Qt.MouseButton.LeftButton)   # clicking the choice clears it
    ann = person.store.annotation(unlabeled_doc, "sentiment")
    assert (ann.choice, ann.status) == (None, "unlabeled")
    person.key(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert person.store.annotation(unlabeled_doc, "sentiment").choice == "negative"


def test_enter_accepts_both_tasks_and_moves_to_next_unlabeled(person, unlabeled_doc) -> None:
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_2)                        # ORG
    person.key(Qt.Key.Key_W)                        # neutral
    person.key(Qt.Key.Key_Return)
    ner, sent = (person.store.annotation(unlabeled_doc, t) for t in ("ner", "sentiment"))
    assert (ner.status, sent.status, sent.choice) == ("accepted", "accepted", "neutral")
    assert len(ner.spans) == 1
    nxt = person.doc_id
    assert nxt > unlabeled_doc and person.status("ner", nxt) == "unlabeled"
    assert all(person.status("ner", d) != "unlabeled" for d in range(unlabeled_doc + 1, nxt))
    assert person.screen.panel.current_doc_id() == nxt      # the list follows


def test_accept_with_no_entities_is_a_labeled_document(person, unlabeled_doc) -> None:
    person.key(Qt.Key.Key_Enter)
    ann = person.store.annotation(unlabeled_doc, "ner")
    assert (ann.status, ann.spans) == ("accepted", ())


def test_skip_key_and_paging_do_not_accept(person, unlabeled_doc) -> None:
    person.key(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert person.status("ner", unlabeled_doc) == "skipped"
    assert person.status("sentiment", unlabeled_doc) == "skipped"
    here = person.doc_id
    assert here != unlabeled_doc
    paged_over = person.status("ner", here + 1)
    person.key(Qt.Key.Key_PageDown)
    assert person.doc_id == here + 1
    person.key(Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert person.doc_id == here + 2
    person.key(Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    person.key(Qt.Key.Key_PageUp)
    assert person.doc_id == here
    assert person.status("ner", here + 1) == paged_over


def test_selecting_a_row_opens_the_document(person) -> None:
    table = person.screen.panel.table
    row = 6
    rect = table.visualRect(person.screen.panel.model.index(row, 6))
    person.qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert person.doc_id == person.screen.panel.model.id_at(row)
    assert person.view.text == person.store.document(person.doc_id).text


def test_search_box_keeps_its_keys_and_filters(person, qtbot) -> None:
    panel = person.screen.panel
    start = person.doc_id
    before = person.spans(start)
    person.key(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    person.type("Lisbon 1", panel.search)
    person.key(Qt.Key.Key_Backspace, widget=panel.search)
    person.key(Qt.Key.Key_Backspace, widget=panel.search)
    person.key(Qt.Key.Key_Return, widget=panel.search)
    assert panel.search.text() == "Lisbon"
    # nothing labeled or accepted
    assert person.spans(start) == before and person.status("ner", start) == "unlabeled"
    ids = panel.model.ids()
    assert ids and all("lisbon" in person.store.document(i).text.lower() for i in ids)


def test_filters_status_label_split(person) -> None:
    panel = person.screen.panel
    total = person.store.document_count()
    panel.status_box.setCurrentIndex(panel.status_box.findData("labeled"))
    labeled = panel.model.ids()
    assert 0 < len(labeled) < total
    assert all(person.status("ner", d) == "accepted" or person.status("sentiment", d) == "accepted" for d in labeled)
    panel.status_box.setCurrentIndex(panel.status_box.findData("unlabeled"))
    assert len(panel.model.ids()) == total - len(labeled)
    panel.status_box.setCurrentIndex(0)
    panel.label_box.setCurrentIndex(panel.label_box.findData("LOC"))
    with_loc = panel.model.ids()
    assert with_loc and all(any(s.label == "LOC" for s in person.store.annotation(d, "ner").spans) for d in with_loc)
    panel.label_box.setCurrentIndex(0)
    panel.split_box.setCurrentIndex(panel.split_box.findData("dev"))
    assert all(person.store.document(d).split == "dev" for d in panel.model.ids())
    assert person.store.document(person.doc_id).split == "dev"      # the open document follows the filter
    assert panel.count_label.text().endswith(f"of {total} documents")
    person.shot(person.win, "annotate_filtered")


def test_enter_follows_the_filtered_list(person) -> None:
    panel = person.screen.panel
    panel.split_box.setCurrentIndex(panel.split_box.findData("test"))
    test_ids = panel.model.ids()
    person.open(test_ids[0])
    person.key(Qt.Key.Key_Return)
    assert person.store.document(person.doc_id).split == "test"


def test_progress_and_counts_follow_edits(person, unlabeled_doc, qtbot) -> None:
    bar = person.screen.progress.bar("ner")
    before = bar.value()
    loc_before = person.screen.label_bar.chip("LOC").count
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_4)
    person.key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bar.value() == before + 1, timeout=2000)
    assert person.screen.label_bar.chip("LOC").count == loc_before + 1
    assert f"{before + 1} / {person.store.document_count()}" in bar.format()


def test_list_row_shows_new_status_at_once(person, unlabeled_doc) -> None:
    model = person.screen.panel.model
    row = model.row_of(unlabeled_doc)
    person.key(Qt.Key.Key_Return)
    assert model.doc_row(row).statuses.get("ner") == "accepted"
    assert model.data(model.index(row, 2), Qt.ItemDataRole.ToolTipRole) == "Sentiment: unlabeled"
