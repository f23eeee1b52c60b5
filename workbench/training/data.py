"""From the store's accepted annotations to tokenized, label-aligned ``datasets.Dataset``s.

NER: words come from :func:`workbench.spans.tokenize` (the labeling screen's
words), their BIO tags from :func:`workbench.spans.spans_to_bio`; the fast
tokenizer's character offsets map each word piece to its word, and the first
piece of a word carries the word's tag while the rest are ignored (-100).
Sentiment: one class per document.

Runs on the training thread (it opens nothing itself; the caller passes a Store
opened on that thread).
"""
from __future__ import annotations

import dataclasses
import random
from typing import Any, Sequence

import datasets

from workbench.errors import UserError
from workbench.spans import Token, bio_label_names, first_pieces, piece_words, spans_to_bio, tokenize
from workbench.store import Store
from workbench.store import queries
from workbench.modeling.casing import piece_cases

IGNORE = -100
TRAIN_SPLITS = ("train", "unassigned")


@dataclasses.dataclass
class Example:
    doc_id: int
    text: str
    words: list[Token] = dataclasses.field(default_factory=list)   # NER
    tags: list[str] = dataclasses.field(default_factory=list)      # NER: one BIO tag per word
    label: str | None = None                                       # sentiment


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


def _examples(store: Store, task: str, splits: Sequence[str], limit: int | None = None) -> list[Example]:
    out: list[Example] = []
    for split in splits:
        for doc, ann in queries.iter_documents(store, split=split, task=task):
            if task == "ner":
                if ann["ner"] is None:
                    continue
                words = tokenize(doc.text, doc.pretokenized)
                out.append(Example(doc.id, doc.text, words, spans_to_bio(words, ann["ner"])))
            else:
                if ann["sentiment"] is None:
                    continue
                out.append(Example(doc.id, doc.text, label=ann["sentiment"]))
    out.sort(key=lambda e: e.doc_id)  # import order, whatever split a document came from
    return out[:limit] if limit else out


def load_splits(store: Store, task: str, *, max_train_docs: int | None = None, dev_fraction: float = 0.1,
                seed: int = 13, min_docs: int = 5) -> Splits:
    """Read the labeled documents and check that training can work (UserError says why not)."""
    if task not in store.tasks:
        raise UserError(f"this project has no {task} task (tasks: {', '.join(store.tasks) or 'none'})")
    labels = store.label_names(task)
    one, many = ("entity label", "entity labels") if task == "ner" else ("sentiment class", "sentiment classes")
    if task == "ner" and not labels:
        raise UserError("the project has no entity labels; add at least one before training")
    if task == "sentiment" and len(labels) < 2:
        raise UserError(f"sentiment needs at least two classes; the project has {len(labels)}")
    train = _examples(store, task, TRAIN_SPLITS, max_train_docs)
    dev = _examples(store, task, ("dev",))
    test = _examples(store, task, ("test",))
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
    seen = _label_counts(train, task)
    missing = [lab for lab in labels if not seen.get(lab)]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        raise UserError(
            f"{one if len(missing) == 1 else many} {names} ha{'s' if len(missing) == 1 else 've'} no examples "
            f"among the {len(train)} training documents; label some or remove {'it' if len(missing) == 1 else 'them'}"
        )
    names = bio_label_names(labels) if task == "ner" else list(labels)
    return Splits(train, dev, test, dev_source, names, list(labels))


def _label_counts(examples: Sequence[Example], task: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ex in examples:
        if task == "ner":
            for tag in ex.tags:
                if tag.startswith("B-"):
                    counts[tag[2:]] = counts.get(tag[2:], 0) + 1
        elif ex.label is not None:
            counts[ex.label] = counts.get(ex.label, 0) + 1
    return counts


def align_pieces(words: Sequence[Token], offsets: Sequence[tuple[int, int]], special: Sequence[int],
                 word_tags: Sequence[int]) -> tuple[list[int], list[int]]:
    """Piece labels (first piece of a word: its tag; every other piece: -100) and, for each
    labeled piece in order, the index of its word.

    ``offsets`` are the tokenizer's character offsets, ``special`` its special-tokens mask.
    A piece belongs to the word whose characters contain the piece's first character.
    """
    firsts = first_pieces(piece_words(offsets, special, [t.start for t in words], [t.end for t in words]))
    labels = [IGNORE] * len(offsets)
    for pos, w in firsts:
        labels[pos] = word_tags[w]
    return labels, [w for _, w in firsts]


def encode(examples: Sequence[Example], tokenizer: Any, task: str, label2id: dict[str, int],
           max_length: int, word_case: bool = False) -> datasets.Dataset:
    """Tokenize once; one row per example with ``input_ids``, ``labels``, ``length`` and, for NER,
    ``word_index`` (word of each labeled piece), ``gold`` (tag id per word) for word-level scoring,
    and with ``word_case`` the ``token_type_ids`` that carry each piece's word case (casing.py)."""
    texts = [e.text for e in examples]
    if not texts:
        return datasets.Dataset.from_dict({"input_ids": [], "labels": [], "length": [], "doc_id": []})
    enc = tokenizer(texts, truncation=True, max_length=max_length, return_offsets_mapping=(task == "ner"),
                    return_special_tokens_mask=(task == "ner"), return_attention_mask=False,
                    return_token_type_ids=False)
    ids = enc["input_ids"]
    cols: dict[str, list[Any]] = {"input_ids": ids, "length": [len(x) for x in ids],
                                  "doc_id": [e.doc_id for e in examples]}
    if task == "ner":
        labels, word_index, gold, cases = [], [], [], []
        for j, ex in enumerate(examples):
            tags = [label2id[t] for t in ex.tags]
            offsets, special = enc["offset_mapping"][j], enc["special_tokens_mask"][j]
            lab, widx = align_pieces(ex.words, offsets, special, tags)
            labels.append(lab)
            word_index.append(widx)
            gold.append(tags)
            if word_case:
                cases.append(piece_cases(ex.words, offsets, special))
        cols.update(labels=labels, word_index=word_index, gold=gold)
        if word_case:
            cols["token_type_ids"] = cases
    else:
        cols["labels"] = [label2id[e.label] for e in examples]
    return datasets.Dataset.from_dict(cols)

