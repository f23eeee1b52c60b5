"""From the store's accepted annotations to tokenized, label-aligned ``datasets.Dataset``s.

The task's spec (workbench/tasks/) turns each accepted annotation into an example and
each example into its label columns: for entities the words of
:func:`workbench.spans.tokenize` with their BIO tags, carried by each word's first word
piece (the fast tokenizer's character offsets map pieces to words); for a classification
task one class per document.

Runs on the training thread (it opens nothing itself; the caller passes a Store
opened on that thread).
"""
from __future__ import annotations

import dataclasses
import random
from typing import Any, Sequence

import datasets

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.modeling.casing import piece_cases
from workbench.store import Store
from workbench.store import queries
from workbench.tasks.base import Example, TaskSpec

TRAIN_SPLITS = ("train", "unassigned")


@dataclasses.dataclass
class Splits:
    train: list[Example]
    dev: list[Example]
    test: list[Example]
    dev_source: str            # "dev split" or "10% hold-out of train"
    label_names: list[str]     # what the model predicts: BIO tags (NER) or classes (sentiment)
    labels: list[str]          # entity types (NER) or classes (sentiment), as the project lists them

    def counts(self) -> dict[str, Any]:
        return {"train": len(self.train), "dev": len(self.dev), "test": len(self.test), "dev_source": self.dev_source}


def _examples(store: Store, spec: TaskSpec, splits: Sequence[str], limit: int | None = None) -> list[Example]:
    out: list[Example] = []
    for split in splits:
        for doc, ann in queries.iter_documents(store, split=split, task=spec.name):
            if ann[spec.name] is not None:
                out.append(spec.example(doc.id, doc.text, doc.pretokenized, ann[spec.name]))
    out.sort(key=lambda e: e.doc_id)  # import order, whatever split a document came from
    return out[:limit] if limit else out


def load_splits(store: Store, task: str, *, max_train_docs: int | None = None, dev_fraction: float = 0.1,
                seed: int = 13, min_docs: int = 5) -> Splits:
    """Read the labeled documents and check that training can work (UserError says why not)."""
    if task not in store.tasks:
        raise UserError(f"this project has no {task} task (tasks: {', '.join(store.tasks) or 'none'})")
    spec = task_registry.get(task)
    labels = store.label_names(task)
    spec.check_label_set(labels)
    train = _examples(store, spec, TRAIN_SPLITS, max_train_docs)
    dev = _examples(store, spec, ("dev",))
    test = _examples(store, spec, ("test",))
    if len(train) < min_docs:
        raise UserError(
            f"too few labeled documents to train {task}: {len(train)} accepted in the train split, "
            f"at least {min_docs} needed"
        )
    dev_source = "dev split"
    if not dev:
        rng = random.Random(seed)
        order = list(range(len(train)))
        rng.shuffle(order)
        n_dev = max(1, round(len(train) * dev_fraction))
        held = set(order[:n_dev])
        dev = [e for i, e in enumerate(train) if i in held]
        train = [e for i, e in enumerate(train) if i not in held]
        dev_source = f"{round(dev_fraction * 100)}% hold-out of train"
    seen = spec.label_counts(train)
    missing = [lab for lab in labels if not seen.get(lab)]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise UserError(
            f"{spec.noun if len(missing) == 1 else spec.nouns} {names} ha{'s' if len(missing) == 1 else 've'} "
            f"no examples among the {len(train)} training documents; label some or remove "
            f"{'it' if len(missing) == 1 else 'them'}"
        )
    return Splits(train, dev, test, dev_source, spec.model_labels(labels), list(labels))


def encode(examples: Sequence[Example], tokenizer: Any, task: str, label2id: dict[str, int],
           max_length: int, word_case: bool = False) -> datasets.Dataset:
    """Tokenize once; one row per example with ``input_ids``, ``length``, ``doc_id``, the task's
    label columns (``labels`` and, for entities, ``word_index`` and ``gold`` for word-level
    scoring) and, with ``word_case``, the ``token_type_ids`` that carry each piece's word case
    (modeling/casing.py)."""
    spec = task_registry.get(task)
    texts = [e.text for e in examples]
    if not texts:
        return datasets.Dataset.from_dict({"input_ids": [], "labels": [], "length": [], "doc_id": []})
    offsets = spec.head is task_registry.Head.TOKEN or word_case   # pieces must be mapped to words
    enc = tokenizer(texts, truncation=True, max_length=max_length, return_offsets_mapping=offsets,
                    return_special_tokens_mask=offsets, return_attention_mask=False, return_token_type_ids=False)
    ids = enc["input_ids"]
    cols: dict[str, list[Any]] = {"input_ids": ids, "length": [len(x) for x in ids],
                                  "doc_id": [e.doc_id for e in examples]}
    cols.update(spec.targets(examples, enc, label2id))
    if word_case:
        cols["token_type_ids"] = [piece_cases(ex.words, enc["offset_mapping"][j], enc["special_tokens_mask"][j])
                                  for j, ex in enumerate(examples)]
    return datasets.Dataset.from_dict(cols)
