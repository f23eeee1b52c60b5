"""Word case as a model input, for base models whose tokenizer lowercases.

An uncased model (the bundled MiniLM is one) sees "Apple" and "apple" as the
same pieces, yet capitals are the strongest single clue to a name.  For NER on
such a model, each word piece also gets the case of its word (lower,
Capitalized, ALL CAPS, or none of these), fed through BERT's token-type
embeddings: the table is widened from 2 to 4 rows, every row starting as the
pretrained row 0 (so the model begins exactly as pretrained) and learning what a
case adds.  The saved model is a stock Hugging Face model (``type_vocab_size`` 4,
plus ``workbench_word_case`` in its config.json, which tells the app's predictor
to compute the same ``token_type_ids``); other tools load it as usual and should
pass the case ids too.

Measured on CoNLL-2003 (docs/training-defaults.md): see "Word case".
Runs on whichever thread encodes (training thread, inference workers).
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from workbench.spans import Token, piece_words

CONFIG_KEY = "workbench_word_case"
NONE, LOWER, CAPITALIZED, UPPER = 0, 1, 2, 3
N_CASES = 4


def word_case(word: str) -> int:
    """0 no letters, 1 lower, 2 Capitalized (also a single capital: "I", "A"), 3 ALL CAPS."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return NONE
    if all(c.isupper() for c in letters):
        return UPPER if len(letters) > 1 else CAPITALIZED
    if letters[0].isupper():
        return CAPITALIZED
    return LOWER


def piece_cases(words: Sequence[Token], offsets: Sequence[tuple[int, int]],
                special: Sequence[int]) -> list[int]:
    """The case of the word each piece belongs to (0 for special tokens and padding)."""
    return cases_of(words, piece_words(offsets, special, [w.start for w in words], [w.end for w in words]))


def cases_of(words: Sequence[Token], word_ids: Sequence[int | None]) -> list[int]:
    """The same, from each piece's word (``spans.piece_words``) when the caller has it already."""
    cases = [word_case(w.text) for w in words]
    return [cases[w] if w is not None else NONE for w in word_ids]


def lowercases(tokenizer: Any) -> bool:
    """Whether the tokenizer folds case ("Paris" and "paris" give the same ids)."""
    try:
        return tokenizer("Paris London", add_special_tokens=False)["input_ids"] == \
            tokenizer("paris london", add_special_tokens=False)["input_ids"]
    except Exception:  # noqa: BLE001 - an odd tokenizer simply does not get the feature
        return False


def _type_embeddings(model: nn.Module) -> nn.Embedding | None:
    emb = getattr(getattr(model, "base_model", model), "embeddings", None)
    table = getattr(emb, "token_type_embeddings", None)
    return table if isinstance(table, nn.Embedding) else None


def add_word_case(model: nn.Module, tokenizer: Any) -> bool:
    """Widen the token-type table to the word cases when the tokenizer lowercases and the
    model has such a table; True when the model now expects case ids."""
    table = _type_embeddings(model)
    if table is None or not lowercases(tokenizer):
        return False
    with torch.no_grad():
        wide = nn.Embedding(N_CASES, table.embedding_dim, device=table.weight.device, dtype=table.weight.dtype)
        wide.weight.copy_(table.weight[0].expand(N_CASES, -1))
    model.base_model.embeddings.token_type_embeddings = wide
    model.config.type_vocab_size = N_CASES
    setattr(model.config, CONFIG_KEY, True)
    return True


def uses_word_case(config: Any) -> bool:
    return bool(getattr(config, CONFIG_KEY, False))


def keep_trainable(model: nn.Module) -> None:
    """The case rows are new: they learn even when the embeddings are frozen."""
    table = _type_embeddings(model)
    if table is not None and uses_word_case(model.config):
        table.weight.requires_grad_(True)
