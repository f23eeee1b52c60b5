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
