"""A tiny BERT base-model folder made from scratch (no download): for tests and smoke checks.

``make_tiny_bert(folder, words)`` writes a WordPiece vocabulary holding
``words`` (lower-cased) plus the special tokens, a fast tokenizer, and a
2-layer BERT with random weights saved as safetensors.  It loads like any base
model, so a test can train end to end in seconds.  Safe on any thread.
"""
from __future__ import annotations

import pathlib
from typing import Iterable

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PUNCT = list(".,;:!?'\"()-/&$%")


def make_tiny_bert(folder: str | pathlib.Path, words: Iterable[str] = (), *, hidden: int = 32, layers: int = 2,
                   heads: int = 2, seed: int = 0, pieces: Iterable[str] = ()) -> pathlib.Path:
    """Write the model folder and return its path."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = list(SPECIAL)
    seen = set(vocab)
    for w in [*PUNCT, *(w.lower() for w in words), *pieces]:
        if w and w not in seen:
            seen.add(w)
            vocab.append(w)
    # single letters and digits, whole and as continuations, so any word splits into pieces
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        for tok in (ch, "##" + ch):
            if tok not in seen:
                seen.add(tok)
                vocab.append(tok)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # transformers 5: the vocabulary goes in as ``vocab`` (a dict), not ``vocab_file``
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True)
    tok.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=hidden * 2, max_position_embeddings=128,
                        pad_token_id=0)
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    return folder


def make_tiny_sentence_model(folder: str | pathlib.Path, words: Iterable[str] = (), **kw) -> pathlib.Path:
    """A tiny BERT saved as a sentence-transformers model pooled by the mean (as the bundled
    all-MiniLM-L6-v2 is): ``1_Pooling/config.json`` and ``modules.json`` beside the weights."""
    import json

    folder = make_tiny_bert(folder, words, **kw)
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": kw.get("hidden", 32), "pooling_mode_mean_tokens": True}), encoding="utf-8")
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]),
        encoding="utf-8")
    return folder


NAMES = ["john", "mary", "paul", "anna", "lena", "mark", "sara", "tom", "eva", "ivan"]
CITIES = ["paris", "rome", "oslo", "lima", "kyiv", "bonn", "riga", "nice", "bern", "lyon"]
TOY_WORDS = NAMES + CITIES + ["lives", "in", "visited", "and", "loves", "great", "awful", "film", "the", "was"]


def toy_ner_docs(n: int = 20, split: str | None = "train", offset: int = 0) -> list:
    """``n`` short sentences like "Mary visited Rome ." with PER and LOC spans (store NewDocuments)."""
    from workbench.spans import Span
    from workbench.store import NewDocument

    docs = []
    for i in range(offset, offset + n):
        name, city = NAMES[i % len(NAMES)].title(), CITIES[(i * 3 + i // len(NAMES)) % len(CITIES)].title()
        verb = ("lives in", "visited", "loves")[i % 3]
        text = f"{name} {verb} {city} ."
        city_at = len(name) + len(verb) + 2
        docs.append(NewDocument(text=text, split=split,
                                spans=[Span(0, len(name), "PER"), Span(city_at, city_at + len(city), "LOC")]))
    return docs


def toy_sentiment_docs(n: int = 20, split: str | None = "train", offset: int = 0) -> list:
    """``n`` sentences whose class is given away by one word ("great" / "awful")."""
    from workbench.store import NewDocument

    docs = []
    for i in range(offset, offset + n):
        good = i % 2 == 0
        text = f"the film with {NAMES[i % len(NAMES)]} was {'great' if good else 'awful'}"
        docs.append(NewDocument(text=text, split=split, classes={"sentiment": "positive" if good else "negative"}))
    return docs
