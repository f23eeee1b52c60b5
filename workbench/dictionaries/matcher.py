"""Finding many terms in a text in one pass (Aho-Corasick, the pyahocorasick package).

A :class:`Matcher` holds two automata: one over the case-sensitive terms as written, one over
the others folded to lower case (matched on the folded text).  A term marked whole-word
matches only where it starts at the start of a token and ends at the end of one, the tokens
being :func:`workbench.spans.tokenize`'s: "York" is not found in "Yorkshire", and in Chinese,
where every character is a token, any run of characters is whole words.  Where matches
overlap, the leftmost wins, then the longest, then the term added first, so the result never
overlaps and can be shown as suggestions.  Safe on any thread; one matcher may be shared by
threads that only read it.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, NamedTuple, Sequence

from workbench.spans import Span, Token, tokenize


class TermRule(NamedTuple):
    term: str
    label: str
    case_sensitive: bool = False
    whole_word: bool = True


@dataclasses.dataclass(frozen=True)
class ListMatch:
    """A dictionary match, shown like a model suggestion but marked as coming from the list."""

    start: int
    end: int
    label: str
    confidence: float = 1.0

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.label)

    @property
    def tag(self) -> str:
        """The text of its tag in the Annotate view (a model's says "PER? 0.93")."""
        return f"{self.label}? list"


def fold(text: str) -> str:
    """Lower case with every character kept in place (offsets in the folded text are offsets
    in ``text``): a character whose lower case is longer (İ) stays as it is."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def token_edges(tokens: Sequence[Token]) -> tuple[set[int], set[int]]:
    """Where tokens start and where they end: a whole-word match begins in the first set and
    ends in the second."""
    return {t.start for t in tokens}, {t.end for t in tokens}


def leftmost_longest(found: Iterable[tuple[int, int, int, str]]) -> list[ListMatch]:
    """Non-overlapping matches from ``(start, end, order, label)`` candidates: the leftmost,
    then the longest, then the lowest ``order`` wins."""
    out: list[ListMatch] = []
    end = -1
    for s, e, _order, label in sorted(found, key=lambda c: (c[0], c[0] - c[1], c[2])):
        if s >= end:
            out.append(ListMatch(s, e, label))
            end = e
    return out


def find_occurrences(text: str, tokens: Sequence[Token], term: str) -> list[tuple[int, int]]:
    """Every place ``term`` occurs in ``text`` as written (case-sensitive) and as whole tokens,
    not overlapping each other: what "label all occurrences" labels."""
    if not term:
        return []
    starts, ends = token_edges(tokens)
    out, i = [], text.find(term)
    while i >= 0:
        j = i + len(term)
        if i in starts and j in ends:
            out.append((i, j))
            i = text.find(term, j)
        else:
            i = text.find(term, i + 1)
    return out


class Matcher:
    """Every term of a project's lists, ready to match (built once, matched per document)."""

    def __init__(self, rules: Iterable[TermRule]) -> None:
        import ahocorasick

        # key -> [(order, label, whole_word)]: one key may carry several labels or options
        exact: dict[str, list[tuple[int, str, bool]]] = {}
        folded: dict[str, list[tuple[int, str, bool]]] = {}
        self.size = 0
        for order, rule in enumerate(rules):
            table, key = (exact, rule.term) if rule.case_sensitive else (folded, fold(rule.term))
            table.setdefault(key, []).append((order, rule.label, rule.whole_word))
            self.size += 1
        self._automata = []
        for table, folds in ((exact, False), (folded, True)):
            if not table:
                continue
            automaton = ahocorasick.Automaton()
            for key, entries in table.items():
                automaton.add_word(key, (len(key), tuple(entries)))
            automaton.make_automaton()
            self._automata.append((automaton, folds))

    def __len__(self) -> int:
        return self.size

    def match(self, text: str, pretokenized: bool = False, tokens: Sequence[Token] | None = None) -> list[ListMatch]:
        """The terms found in ``text``, leftmost-longest and never overlapping (see the module)."""
        if not self._automata or not text:
            return []
        found: list[tuple[int, int, int, str]] = []
        edges: tuple[set[int], set[int]] | None = None
        for automaton, folds in self._automata:
            for last, (length, entries) in automaton.iter(fold(text) if folds else text):
                start, end = last + 1 - length, last + 1
                for order, label, whole_word in entries:
                    if whole_word:
                        if edges is None:   # tokenized only when a whole-word term is found
                            edges = token_edges(tokens if tokens is not None else tokenize(text, pretokenized))
                        if start not in edges[0] or end not in edges[1]:
                            continue
                    found.append((start, end, order, label))
        return leftmost_longest(found)
