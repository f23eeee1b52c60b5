"""Where the word cursor may stop: words, never punctuation-only tokens.

A "." or "," is a token of its own (so a span never swallows it), but as a
cursor stop it only costs a key press and invites labeling it by mistake.
Moving by one or five words, to the first or last word, and snapping a click or
a line move all go through :class:`WordStops`.  Pure Python; built once per
document (one pass over its tokens), each move is a binary search.
"""
from __future__ import annotations

import bisect
import unicodedata
from typing import Sequence

from workbench.spans import Token


def is_word(text: str) -> bool:
    """False for a token made only of punctuation (".", "—", "、", "?!"); symbols such as "$" are words."""
    return text[:1].isalnum() or any(not unicodedata.category(c).startswith("P") for c in text)


class WordStops:
    """Token indices the cursor may stop on, in order (every token if none is a word)."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        # t[0] is the token's text; the inline isalnum() keeps 20,000 tokens at a few ms
        self.stops = [i for i, t in enumerate(tokens) if t[0][:1].isalnum() or is_word(t[0])] \
            or list(range(len(tokens)))

    def __bool__(self) -> bool:
        return bool(self.stops)

    def step(self, index: int, n: int) -> int:
        """The stop ``n`` words after ``index`` (before it when ``n`` < 0), clamped to the first/last."""
        stops = self.stops
        if n > 0:
            i = bisect.bisect_right(stops, index) + n - 1
        else:
            i = bisect.bisect_left(stops, index) + n
        return stops[max(0, min(i, len(stops) - 1))]

    def first(self) -> int:
        return self.stops[0]

    def last(self) -> int:
        return self.stops[-1]

    def nearest(self, index: int) -> int:
        """``index`` if it is a stop, else the closer neighbour (the earlier one on a tie)."""
        stops = self.stops
        i = bisect.bisect_left(stops, index)
        if i < len(stops) and stops[i] == index:
            return index
        before = stops[i - 1] if i > 0 else None
        after = stops[i] if i < len(stops) else None
        if before is None:
            return after  # type: ignore[return-value]
        if after is None or index - before <= after - index:
            return before
        return after
