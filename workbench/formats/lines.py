"""Reading a text file line by line, safely: UTF-8 (or the encoding chosen, see
encodings.py) checked per line, LF, CRLF and CR line endings, and a cap on the length of one
line so that a hostile file cannot fill memory.

Pure Python: safe on any thread.
"""
from __future__ import annotations

import pathlib
from typing import Iterator

from workbench.formats.encodings import Decoding, Utf8Stream
from workbench.formats.errors import FormatError

# Limits that keep a hostile file from filling memory: one line (a JSONL record, a CSV row,
# a text document) and one CSV field may be 16 MiB; a CoNLL line holds one token and its tags.
MAX_LINE_BYTES = 16 << 20
MAX_FIELD_CHARS = MAX_LINE_BYTES
MAX_CONLL_LINE_BYTES = 64 << 10
_CHUNK = 1 << 20


def _raw_lines(path: pathlib.Path, max_bytes: int, universal: bool, hint: str,
               decoding: Decoding) -> Iterator[tuple[int, bytes, bytes]]:
    """(line number, bytes, line ending), read in chunks so that a huge line is refused
    after ``max_bytes`` instead of being read whole.  ``universal``: a lone CR ends a
    line too (old Mac files), as in Python's universal newlines; else only LF does."""

    def too_long(number: int) -> FormatError:
        return FormatError(path, number, f"the line is longer than {max_bytes:,} bytes{hint}")

    number = 0
    rest = b""
    fh = open(path, "rb")
    if decoding.transcoded:
        fh = Utf8Stream(fh, decoding.encoding)  # type: ignore[assignment]
    with fh:
        while True:
            chunk = fh.read(_CHUNK)
            buf = rest + chunk if rest else chunk
            lines: list[tuple[bytes, bytes]] = []
            if universal:
                pieces = buf.splitlines(keepends=True)  # for bytes: LF, CRLF and CR only
                # before the end, the last piece may be unfinished, or a CR whose LF is in the next chunk
                rest = pieces.pop() if chunk and pieces and not pieces[-1].endswith(b"\n") else b""
                for piece in pieces:
                    text = piece.rstrip(b"\r\n")  # a piece holds one line ending at most
                    lines.append((text, piece[len(text):]))
            else:
                pieces = buf.split(b"\n")
                rest = pieces.pop()
                for piece in pieces:
                    lines.append((piece[:-1], b"\r\n") if piece.endswith(b"\r") else (piece, b"\n"))
            for text, ending in lines:
                number += 1
                if len(text) > max_bytes:
                    raise too_long(number)
                yield number, text, ending
            if not chunk:
                break
            if len(rest) > max_bytes + 1:
                raise too_long(number + 1)
    if rest:
        if len(rest) > max_bytes:
            raise too_long(number + 1)
        yield number + 1, rest, b""


# What a reader of a whole file (an import) can do about a line it cannot read.
IMPORT_ADVICE = "choose the file's encoding, or repair it (replacing what cannot be read) to import it anyway"


def _decode(path: pathlib.Path, number: int, raw: bytes, decoding: Decoding,
            advice: str = IMPORT_ADVICE) -> tuple[str, FormatError | None]:
    """One line as text, and what is wrong with it (a bad byte: decoded as U+FFFD; a NUL).
    With ``decoding.repair`` a bad byte is mended and counted instead."""
    if number == 1 and raw.startswith(b"\xef\xbb\xbf") and decoding.line_codec == "utf-8":
        raw = raw[3:]
    line, exc = decoding.decode_line(raw)
    if exc is not None:
        where = "" if decoding.transcoded else f" ({exc.reason} at byte {exc.start})"
        return line, FormatError(path, number, f"not {decoding.what()} text{where}; {advice}")
    if "\x00" in line:
        return line, FormatError(path, number, "the line holds a NUL byte: this is a binary file, or text that is not "
                                               f"{decoding.what()} (UTF-16?); choose the file's encoding")
    return line, None


def text_lines(path: pathlib.Path, max_bytes: int = MAX_LINE_BYTES, universal: bool = True,
               hint: str = "", decoding: Decoding | None = None) -> Iterator[tuple[int, str, str]]:
    """(line number, text, line ending) of a UTF-8 file (or one in ``decoding``'s encoding);
    a bad byte or a NUL names its line."""
    decoding = decoding or Decoding()
    for number, raw, ending in _raw_lines(path, max_bytes, universal, hint, decoding):
        line, problem = _decode(path, number, raw, decoding)
        if problem is not None:
            raise problem
        yield number, line, ending.decode("ascii")


def lines_or_problems(path: pathlib.Path, max_bytes: int = MAX_LINE_BYTES, universal: bool = True,
                      hint: str = "", advice: str = "skip the bad rows to go on"
                      ) -> Iterator[tuple[int, str, str, FormatError | None]]:
    """As :func:`text_lines`, but a line that is not UTF-8 or holds a NUL comes with its
    FormatError (its text decoded with U+FFFD) instead of ending the file, for a reader that
    may skip a bad line and go on (``workbench-cli apply --skip-bad``).  A line longer than
    ``max_bytes`` still ends it."""
    decoding = Decoding()
    for number, raw, ending in _raw_lines(path, max_bytes, universal, hint, decoding):
        line, problem = _decode(path, number, raw, decoding, advice)
        yield number, line, ending.decode("ascii"), problem


def read_lines(path: pathlib.Path, *, max_bytes: int = MAX_LINE_BYTES, universal: bool = True,
               hint: str = "", decoding: Decoding | None = None) -> Iterator[tuple[int, str]]:
    """(line number, text without its line ending); LF, CRLF and (when ``universal``) CR end lines."""
    for number, line, _ in text_lines(path, max_bytes, universal, hint, decoding):
        yield number, line
