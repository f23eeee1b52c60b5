"""When the store refuses a write (a read-only project, a full disk), the screen shows what the
file holds, says why, and does not move on as if the label had been saved."""
from __future__ import annotations

import pathlib

import pytest
from PySide6.QtCore import Qt

from workbench.store import StoreError

pytestmark = pytest.mark.ui


@pytest.fixture
def read_only_person(person_on, demo_path: pathlib.Path, monkeypatch):
    """The demo project as a user sees a project whose file they may not write (root ignores
    chmod, so the store is told what the OS would say)."""
    from workbench.store import opening

    monkeypatch.setattr(opening, "_why_read_only", lambda path: "the file is read-only")
    return person_on(demo_path)


def first_unlabeled(person) -> int:
    doc_id = next(d for d in person.screen.panel.model.ids() if person.status("ner", d) == "unlabeled")
    person.open(doc_id)
    return doc_id


def test_a_read_only_project_says_so_and_keeps_the_screen_true(read_only_person) -> None:
    person = read_only_person
    assert person.store.read_only
    assert "(read-only)" in person.win.windowTitle()
    doc_id = first_unlabeled(person)
    before = person.store.annotation(doc_id, "ner"), person.store.annotation(doc_id, "sentiment")
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_1)                         # a label
    person.key(Qt.Key.Key_Q)                         # a class
    person.key(Qt.Key.Key_Return)                    # accept
    assert (person.store.annotation(doc_id, "ner"), person.store.annotation(doc_id, "sentiment")) == before
    assert person.view.spans == [] and person.screen.session.spans == []
    assert person.doc_id == doc_id                   # it did not move on as if accepted
    assert person.screen.session.undo_group.activeStack().count() == 0
    assert "read-only" in person.win.statusBar().currentMessage()


def test_a_write_the_disk_refuses_is_reported_and_not_shown_as_saved(person, unlabeled_doc, monkeypatch) -> None:
    from ui.annotate import screen as screen_module

    warnings: list[str] = []
    monkeypatch.setattr(screen_module.QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    store = person.store
    real = store.set_spans

    def full_disk(*args, **kwargs):
        raise StoreError(f"{store.path}: the disk is full on the drive that holds it")

    monkeypatch.setattr(store, "set_spans", full_disk)
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_2)
    assert len(warnings) == 1 and "the disk is full" in warnings[0]
    assert person.screen.session.spans == [] and person.spans() == []
    assert person.screen.session.undo_group.activeStack().count() == 0     # no undo step for what was not saved
    person.key(Qt.Key.Key_Return)
    assert person.doc_id == unlabeled_doc and person.status("ner") == "unlabeled"

    monkeypatch.setattr(store, "set_spans", real)   # space again: the same keys save
    person.view.set_token_selection(0, 0, explicit=True)
    person.key(Qt.Key.Key_2)
    assert len(person.spans(unlabeled_doc)) == 1
    assert person.screen.session.undo_group.activeStack().count() == 1
