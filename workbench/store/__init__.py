"""The project store: one SQLite file per project (see project.py)."""
from workbench.store.models import (
    PALETTE, SPLITS, STATUSES, Annotation, DocFilter, DocRow, Document, Label, NewDocument,
)
from workbench.store.project import Store, StoreError
from workbench.store.values import assign_split, text_hash

__all__ = [
    "PALETTE", "SPLITS", "STATUSES", "Annotation", "DocFilter", "DocRow", "Document", "Label",
    "NewDocument", "Store", "StoreError", "assign_split", "text_hash",
]
