"""Which text encoding a file is read in, and the repair of broken ones, by choice.

The default is strict UTF-8: a bad byte stops the import at its line.  A user who knows the
file is GB18030, Big5, UTF-16 or Latin-1 names it (``--encoding``); one who wants the import
to go on anyway asks for a repair (``--repair-encoding``): surrogate halves written as UTF-8
(emoji saved by a program that encoded UTF-16 code units one by one, "CESU-8") are put back
together, and what still cannot be decoded becomes U+FFFD.  A :class:`Decoding` counts the
lines a repair touched, so the import can say so.

Pure Python: safe on any thread; one :class:`Decoding` per file read.
"""
from __future__ import annotations

import codecs
import dataclasses
import re
from typing import BinaryIO

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "latin-1")
# Encodings whose line ends are the bytes LF / CR and whose multi-byte characters never hold
# those bytes: their lines are split as bytes and decoded one by one.  UTF-16 is transcoded.
_BYTE_LINES = {"utf-8", "utf-8-sig", "gb18030", "big5", "latin-1"}
# A UTF-16 surrogate (U+D800..U+DFFF) written as three UTF-8 bytes: ED A0..BF 80..BF
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")
_REPAIR = "workbench-repair"
# What the UTF-16 transcoder writes for bytes it cannot decode: a lone low surrogate as
# UTF-8, which the per-line step then refuses (strict) or replaces and counts (repair).
_UNDECODABLE = "\udcff"


def _repair_handler(exc: UnicodeError) -> tuple[str, int]:
    """Decoding errors: a surrogate written as UTF-8 becomes that surrogate (paired up later);
    any other bad byte becomes U+FFFD."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    found = _SURROGATE_BYTES.match(exc.object, exc.start)
    if found:
        return found.group().decode("utf-8", "surrogatepass"), found.end()
    return "\ufffd", exc.start + 1


codecs.register_error(_REPAIR, _repair_handler)
_MARK = "workbench-mark-undecodable"
codecs.register_error(_MARK, lambda exc: (_UNDECODABLE, exc.end))


def _pair_surrogates(text: str) -> str:
    """High + low surrogate become the character they encode; a lone half becomes U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@dataclasses.dataclass
class Decoding:
    """How a file's lines are decoded, and (after reading) how many lines a repair changed."""

    encoding: str = "utf-8"
    repair: bool = False
    repaired_lines: int = 0

    def __post_init__(self) -> None:
        try:
            name = codecs.lookup(self.encoding or "utf-8").name
        except LookupError:
            name = ""
        canonical = {codecs.lookup(e).name: e for e in ENCODINGS}
        if name not in canonical:
            raise ValueError(f"unknown encoding {self.encoding!r}; use one of {', '.join(ENCODINGS)}")
        self.encoding = canonical[name]

    @property
    def transcoded(self) -> bool:
        """Whether the file is turned into UTF-8 before its lines are split (UTF-16)."""
        return self.encoding not in _BYTE_LINES

    @property
    def line_codec(self) -> str:
        """The codec one line's bytes are decoded with."""
        return "utf-8" if self.transcoded or self.encoding == "utf-8-sig" else self.encoding

    def decode_line(self, raw: bytes) -> tuple[str, UnicodeDecodeError | None]:
        """One line's text; with a repair, the line mended and counted, else the error (and the
        line decoded with U+FFFD, for a reader that reports it and goes on)."""
        try:
            return raw.decode(self.line_codec), None
        except UnicodeDecodeError as exc:
            if not self.repair:
                return raw.decode(self.line_codec, "replace"), exc
        self.repaired_lines += 1
        if self.line_codec != "utf-8":
            return raw.decode(self.line_codec, "replace"), None
        return _pair_surrogates(raw.decode("utf-8", _REPAIR)), None

    def what(self) -> str:
        """The encoding as a message names it: "UTF-8", "GB18030"."""
        return self.encoding.upper().replace("UTF-8-SIG", "UTF-8")


class Utf8Stream:
    """A binary file in another encoding (UTF-16) read as UTF-8 bytes, chunk by chunk, so that
    the line splitter stays one.  Bytes that cannot be decoded become a lone surrogate, which
    the line's own decoding then refuses or repairs."""

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=_MARK)
        self._done = False

    def read(self, size: int) -> bytes:
        while not self._done:
            chunk = self._raw.read(size)
            self._done = not chunk
            text = self._decoder.decode(chunk, final=self._done)
            if text:
                return text.encode("utf-8", "surrogatepass")
        return b""

    def __enter__(self) -> "Utf8Stream":
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()
