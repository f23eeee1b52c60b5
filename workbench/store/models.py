"""Plain records that go in and out of the store (no SQL here)."""
from __future__ import annotations

import dataclasses
from typing import Any

from workbench.spans import Span

SPLITS = ("train", "dev", "test", "unassigned")
STATUSES = ("unlabeled", "draft", "accepted", "skipped")

# A palette that stays readable under black text; labels cycle through it.
PALETTE = (
    "#8ecae6", "#ffb703", "#90be6d", "#f28482", "#cdb4db",
    "#f9c74f", "#83c5be", "#e5989b", "#a3c4f3", "#ffd6a5",
)


@dataclasses.dataclass(frozen=True)
class Label:
    id: int
    task: str
    name: str
    color: str
    shortcut: str
    position: int


@dataclasses.dataclass(frozen=True)
class Document:
    id: int
    text: str
    source: str = ""
    external_id: str = ""
    split: str = "unassigned"
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    pretokenized: bool = False


@dataclasses.dataclass
class NewDocument:
    """A parsed record on its way into the store.

    ``spans`` are for the project's span-labeling task: None means "not labeled",
    ``spans=[]`` means "labeled: no entities".  ``classes`` maps a classification
    task's name to the document's class (a task left out: not labeled).  ``line``
    is where the record started in its file, for error messages.
    """

    text: str
    source: str = ""
    external_id: str = ""
    split: str | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    pretokenized: bool = False
    spans: list[Span] | None = None
    classes: dict[str, str] = dataclasses.field(default_factory=dict)
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Annotation:
    doc_id: int
    task: str
    status: str
    spans: tuple[Span, ...] = ()
    choice: str | None = None           # a classification task's class
    annotator: str = ""
    updated: str | None = None


@dataclasses.dataclass(frozen=True)
class DocFilter:
    """What the document list shows.  None means "any"."""

    task: str | None = None          # with status: which task's status to filter on
    status: str | None = None        # unlabeled / draft / accepted / skipped / labeled
    label: str | None = None         # has a span or a class with this name
    split: str | None = None
    search: str | None = None        # full-text (FTS5) query


@dataclasses.dataclass(frozen=True)
class DocRow:
    """One line of the document list: each task's status, each classification task's class."""

    id: int
    split: str
    preview: str
    statuses: dict[str, str]
    classes: dict[str, str]
    entity_count: int
