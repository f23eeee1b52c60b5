"""The one place where NER annotations change shape.

The truth is always a list of character-offset spans ``(start, end, label)``
over the document text.  Word tokens, BIO tags and word-piece labels are
derived here and nowhere else, so the labeling screen (snapping a selection to
words) and the training code (labels per word) agree on what a word is.

Pure Python, no heavy imports: safe on any thread.
"""
from __future__ import annotations

import bisect
import re
from typing import Iterable, NamedTuple, Sequence


class Span(NamedTuple):
    start: int
    end: int
    label: str


class Token(NamedTuple):
    text: str
    start: int
    end: int


class SpanError(ValueError):
    """A span that cannot stand on its text (out of range, overlapping, unknown label)."""


# Scripts written without spaces: every Han character (with its radicals, strokes and
# compatibility forms), every Hiragana, Katakana (full- and half-width) and Bopomofo
# character and every CJK punctuation mark is a token of its own, the unit Chinese and
# Japanese NER label.  U+3000, the ideographic space, is a space and stays out.
_CJK = ("\u2e80-\u2fdf\u2ff0-\u2fff\u3001-\u303f\u3040-\u309f\u30a0-\u30ff\u3100-\u312f\u3190-\u31ff"
        "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff61-\uff9f\U0001b000-\U0001b16f"
        "\U00020000-\U000323af")
# What stays with the character before it: the combining kana voicing marks and the
# variation selectors that pick a Han glyph (葛\U000e0100).
_CJK_MARKS = "\u3099\u309a\ufe00-\ufe0f\U000e0100-\U000e01ef"
_CJK_UNIT = f"[{_CJK}][{_CJK_MARKS}]*"
# A word character of the scripts that do use spaces (Latin, digits, Hangul, ...).
_W = f"[^\\W{_CJK}]"
# Words keep inner apostrophes, hyphens, dots and commas between letters or digits
# ("don't", "e-mail", "U.S", "3.5", "1,000"); every other non-space character is a
# token of its own, so punctuation never sticks to a name.  Text without CJK characters
# tokenizes exactly as it did before they were split.
_WORD_RE = re.compile(rf"{_W}+(?:[.'’,\-]{_W}+)*|{_CJK_UNIT}|\S", re.UNICODE)
_CJK_UNIT_RE = re.compile(_CJK_UNIT)
# A CoNLL token may hold a no-break space ("New\u00a0York"): pretokenized text splits only on
# the ASCII blanks the CoNLL reader splits its columns on.
_WS_RE = re.compile(r"[^ \t\n\r\f\v]+")


def tokenize(text: str, pretokenized: bool = False) -> list[Token]:
    """Split ``text`` into word tokens with character offsets.

    Latin words, numbers and Hangul words are runs of word characters; each CJK
    character (Han, Hiragana, Katakana, CJK punctuation) is a token of its own, so
    "iPhone 15在上海发布" is ``iPhone``, ``15``, ``在``, ``上``, ``海``, ``发``, ``布``.
    ``pretokenized`` documents (imported from CoNLL, whose tokens were joined by
    single spaces) keep exactly their tokens, split on ASCII blanks only, which is
    what makes CoNLL round trips lossless.
    """
    rx = _WS_RE if pretokenized else _WORD_RE
    return [Token(m.group(), m.start(), m.end()) for m in rx.finditer(text)]


def is_cjk_unit(token: str) -> bool:
    """Whether ``token`` is one CJK character (with its combining marks): a token that
    :func:`tokenize` always splits off, so text needs no space around it."""
    return _CJK_UNIT_RE.fullmatch(token) is not None


def join_tokens(tokens: Sequence[str]) -> str:
    """The text of a token list as it is written: a space between two tokens, except next
    to a CJK character (a character-per-line CoNLL file gives back 张三在北京, not
    张 三 在 北 京).  Whether :func:`tokenize` gives the same tokens back is the caller's check."""
    out: list[str] = []
    prev_cjk = True
    for tok in tokens:
        cjk = is_cjk_unit(tok)
        if out and not (cjk or prev_cjk):
            out.append(" ")
        out.append(tok)
        prev_cjk = cjk
    return "".join(out)


def validate_spans(
    text: str,
    spans: Iterable[Span | tuple[int, int, str]],
    labels: Iterable[str] | None = None,
) -> list[Span]:
    """Return the spans sorted by start, or raise :class:`SpanError` naming the bad one.

    Checks: inside the text, start < end, no overlaps, label known (when
    ``labels`` is given), no span that is only whitespace.
    """
    known = set(labels) if labels is not None else None
    out = sorted((Span(int(s), int(e), str(lab)) for s, e, lab in spans), key=lambda x: (x.start, x.end))
    prev: Span | None = None
    for sp in out:
        if sp.start < 0 or sp.end > len(text):
            raise SpanError(f"span {sp.start}-{sp.end} ({sp.label}) lies outside the text of {len(text)} characters")
        if sp.start >= sp.end:
            raise SpanError(f"span {sp.start}-{sp.end} ({sp.label}) is empty: start must be before end")
        if not text[sp.start:sp.end].strip():
            raise SpanError(f"span {sp.start}-{sp.end} ({sp.label}) covers only whitespace")
        if known is not None and sp.label not in known:
            raise SpanError(f"unknown label {sp.label!r} (known: {', '.join(sorted(known)) or 'none'})")
        if prev is not None and sp.start < prev.end:
            raise SpanError(f"span {sp.start}-{sp.end} ({sp.label}) overlaps span {prev.start}-{prev.end} ({prev.label})")
        prev = sp
    return out


def snap(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int] | None:
    """Widen a character selection to whole tokens; None when it touches no token."""
    hit = [t for t in tokens if t.start < end and t.end > start]
    if not hit and start == end:
        # a caret between two characters of a CJK run touches both: the one after it is meant
        hit = [t for t in tokens if t.start <= start <= t.end][-1:]
    if not hit:
        return None
    return hit[0].start, hit[-1].end


def place_span(spans: Iterable[Span], new: Span) -> list[Span]:
    """Add ``new``; any old span it overlaps is replaced (the labeling rule)."""
    kept = [s for s in spans if s.end <= new.start or s.start >= new.end]
    return sorted(kept + [new], key=lambda x: x.start)


def spans_to_bio(tokens: Sequence[Token], spans: Iterable[Span]) -> list[str]:
    """IOB2 tags, one per token.  A token that a span only partly covers is tagged as inside it."""
    tags = ["O"] * len(tokens)
    starts = [t.start for t in tokens]
    for sp in spans:
        i = bisect.bisect_right(starts, sp.start) - 1
        i = max(i, 0)
        first = True
        while i < len(tokens) and tokens[i].start < sp.end:
            if tokens[i].end > sp.start:
                tags[i] = ("B-" if first else "I-") + sp.label
                first = False
            i += 1
    return tags


def bio_to_spans(tokens: Sequence[Token], tags: Sequence[str]) -> list[Span]:
    """Character spans from per-token tags in IOB1, IOB2 or BIOES.

    Lenient on purpose (this is also how model output is repaired): an ``I-X``
    or ``E-X`` that does not continue an ``X`` entity starts a new one.
    """
    if len(tokens) != len(tags):
        raise SpanError(f"{len(tokens)} tokens but {len(tags)} tags")
    out: list[Span] = []
    cur_label: str | None = None
    cur_start = cur_end = 0

    def close() -> None:
        nonlocal cur_label
        if cur_label is not None:
            out.append(Span(cur_start, cur_end, cur_label))
        cur_label = None

    for tok, tag in zip(tokens, tags):
        prefix, _, label = tag.partition("-")
        if tag == "O" or not label:
            if tag != "O":
                raise SpanError(f"tag {tag!r} is not O or PREFIX-LABEL")
            close()
            continue
        if prefix not in ("B", "I", "E", "S"):
            raise SpanError(f"tag {tag!r} has prefix {prefix!r}; expected B, I, E or S")
        if prefix in ("B", "S") or cur_label != label:
            close()
            cur_label, cur_start = label, tok.start
        cur_end = tok.end
        if prefix in ("E", "S"):
            close()
    close()
    return out


def word_labels(tokens: Sequence[Token], spans: Iterable[Span], label2id: dict[str, int]) -> list[int]:
    """Integer BIO label per word token, for training."""
    return [label2id[t] for t in spans_to_bio(tokens, spans)]


def bio_label_names(labels: Sequence[str]) -> list[str]:
    """The tag set a token classifier predicts for entity ``labels``: O, then B-/I- per label."""
    names = ["O"]
    for lab in labels:
        names += [f"B-{lab}", f"I-{lab}"]
    return names


def piece_words(offsets: Sequence[tuple[int, int]], special: Sequence[int], words_start: Sequence[int],
                words_end: Sequence[int]) -> list[int | None]:
    """The word (index into ``spans.tokenize``'s words) each piece's first character falls in,
    from the tokenizer's character offsets; special tokens and stray pieces get None."""
    out: list[int | None] = []
    for (s, e), sp in zip(offsets, special):
        if sp or e <= s:
            out.append(None)
            continue
        w = bisect.bisect_right(words_start, s) - 1
        out.append(w if w >= 0 and s < words_end[w] else None)
    return out


def first_pieces(word_ids: Sequence[int | None]) -> list[tuple[int, int]]:
    """``(piece position, word)`` for the first piece of each word (``piece_words``' output):
    the pieces that carry a word's label in training and in prediction."""
    out: list[tuple[int, int]] = []
    prev: int | None = None
    for pos, w in enumerate(word_ids):
        if w is not None and w != prev:
            out.append((pos, w))
            prev = w
    return out
