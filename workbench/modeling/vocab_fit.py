"""Does this base model's tokenizer know this project's text?

The bundled base model is English: on Chinese text its tokenizer maps most characters to the
unknown token, and a model trained on unknown tokens cannot learn.  Before a run, the CLI
and the Train screen measure the share of the training text's characters that fall in
unknown-token pieces and, above :data:`THRESHOLD`, say so in plain words with model folders
that would suit.  Nothing is downloaded: a hub id is not checked.

This module measures a tokenizer on texts; workbench/training/vocab_check.py reads a
project's training text and runs it as a job (the Train screen's worker).  Any thread.
"""
from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any, Iterable

from workbench.spans import is_cjk_unit

THRESHOLD = 0.05           # unknown characters above this share: the model is the wrong one
SAMPLE_CHARS = 200_000     # enough text to measure, read from the start of the training set
# Model folders that would suit, by the script the unknown characters are in (BERT-family
# models the training code loads like the default one; the user downloads one and picks it).
SUGGESTIONS = {
    "Chinese": ("bert-base-chinese", "hfl/chinese-roberta-wwm-ext", "bert-base-multilingual-cased"),
    "Japanese": ("bert-base-multilingual-cased", "tohoku-nlp/bert-base-japanese-char-v3"),
    "Korean": ("klue/bert-base", "bert-base-multilingual-cased"),
    "": ("bert-base-multilingual-cased",),
}
_LANGUAGE_WORDS = {"Chinese": "a Chinese", "Japanese": "a Japanese", "Korean": "a Korean", "": "a multilingual"}


def _script(ch: str) -> str:
    code = ord(ch)
    if 0x3040 <= code <= 0x30FF or 0xFF66 <= code <= 0xFF9F:
        return "Japanese"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "Korean"
    return "Chinese" if is_cjk_unit(ch) else ""


@dataclasses.dataclass(frozen=True)
class VocabFit:
    """What the tokenizer made of the text: characters checked and those in unknown pieces."""

    model: str
    checked_chars: int
    unknown_chars: int
    script: str = ""             # the script most unknown characters are in ("Chinese", "Japanese", ...)
    examples: str = ""           # a few unknown characters, as the user would see them

    @property
    def share(self) -> float:
        return self.unknown_chars / self.checked_chars if self.checked_chars else 0.0

    @property
    def fits(self) -> bool:
        return self.share <= THRESHOLD

    @property
    def suggestions(self) -> tuple[str, ...]:
        return SUGGESTIONS.get(self.script, SUGGESTIONS[""])

    def warning(self) -> str:
        """Plain words for the user, or "" when the model knows the text."""
        if self.fits:
            return ""
        most = "most" if self.share > 0.5 else "many"
        return (f"The base model does not know {most} characters of this project's text ({self.share:.0%} of "
                f"{self.checked_chars:,} characters are unknown to it, e.g. {self.examples}): training with it "
                f"cannot learn them. Pick {_LANGUAGE_WORDS.get(self.script, 'a multilingual')} model folder, for "
                f"example {', '.join(self.suggestions)} (download one and choose its folder as the base model).")


def load_vocab_tokenizer(folder: str | pathlib.Path) -> tuple[Any, int | None]:
    """A model folder's tokenizer as a ``tokenizers.Tokenizer`` and its unknown token's id
    (None: it has none).  Read from tokenizer.json by the tokenizers library alone, not through
    transformers, so a check on a worker thread never imports transformers while a run (or the
    Train screen's device check) is importing it too; a folder with only vocab.txt is converted
    by transformers, as training does."""
    folder = pathlib.Path(folder)
    path = folder / "tokenizer.json"
    if path.is_file():
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))
        model = json.loads(path.read_text(encoding="utf-8")).get("model") or {}
        unk = tok.token_to_id(model["unk_token"]) if model.get("unk_token") else model.get("unk_id")
    else:
        from workbench.modeling.loading import load_tokenizer

        hf = load_tokenizer(str(folder))
        tok, unk = hf.backend_tokenizer, hf.unk_token_id
    tok.no_truncation()
    tok.no_padding()
    return tok, unk


def measure(tokenizer: Any, unk: int | None, texts: Iterable[str], model: str = "",
            sample_chars: int = SAMPLE_CHARS) -> VocabFit:
    """The share of non-space characters of ``texts`` (up to ``sample_chars``) that ``tokenizer``
    (a ``tokenizers.Tokenizer``) maps to the unknown token ``unk``.  A tokenizer without one
    (byte-level BPE) knows every character."""
    checked = unknown = 0
    scripts: dict[str, int] = {}
    seen: list[str] = []
    for text in texts:
        if checked >= sample_chars:
            break
        text = text[: max(0, sample_chars - checked) + 1000]   # a huge document: its start is enough
        checked += sum(1 for c in text if not c.isspace())
        if unk is None:
            continue
        enc = tokenizer.encode(text, add_special_tokens=False)
        for piece, (start, end) in zip(enc.ids, enc.offsets):
            if piece != unk:
                continue
            for ch in text[start:end]:
                if ch.isspace():
                    continue
                unknown += 1
                scripts[_script(ch)] = scripts.get(_script(ch), 0) + 1
                if len(seen) < 8 and ch not in seen:
                    seen.append(ch)
    script = max(scripts, key=scripts.get) if scripts else ""
    return VocabFit(model, checked, unknown, script, " ".join(seen))
