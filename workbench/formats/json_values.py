"""One JSON Lines record, parsed strictly: what parses is stored and exported exactly.

Refused, with the reason: NaN and Infinity (not JSON), numbers too large to read or to
hold, keys given twice, nesting deeper than ``MAX_JSON_DEPTH``, lone surrogates
("\\ud800": half a character, which SQLite cannot store) and NUL characters.
Pure Python: safe on any thread.
"""
from __future__ import annotations

import json
import math
import pathlib
import re
from typing import Any

from workbench.formats.errors import FormatError

MAX_JSON_DEPTH = 100


class _Refused(ValueError):
    """A JSON value that parses but cannot be stored exactly; the text says why."""


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"the key {short(key)} appears twice in one object")
        out[key] = value
    return out


def _json_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # Python refuses to read integers of thousands of digits
        raise _Refused(f"a number with {len(digits):,} digits is too long") from None


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:30]} is too large")
    return value


def _json_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number (write null, or leave the key out)")


_JSON = json.JSONDecoder(object_pairs_hook=_json_object, parse_int=_json_int, parse_float=_json_float,
                         parse_constant=_json_constant)
# Lone surrogates (half a UTF-16 pair, from a "\ud800" escape) cannot be stored or printed;
# NUL is not text.
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


def short(value: Any) -> str:
    """A JSON value for a message, shortened; escapes what cannot be printed."""
    text = json.dumps(value, ensure_ascii=False)
    if _BAD_CHAR.search(text):
        text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_record(path: pathlib.Path, number: int, line: str) -> Any:
    """The JSON value on line ``number``, or FormatError naming the line and what is wrong."""
    try:
        record = _JSON.decode(line)
    except json.JSONDecodeError as exc:
        raise FormatError(path, number, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except _Refused as exc:
        raise FormatError(path, number, f"not valid JSON: {exc}") from None
    except RecursionError:
        raise FormatError(path, number, f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    stack: list[tuple[Any, tuple[Any, ...]]] = [(record, ())]
    while stack:
        value, where = stack.pop()
        if len(where) >= MAX_JSON_DEPTH:
            raise FormatError(path, number, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            # (what a message would name is worked out only for a bad string: a million good
            # records must not pay for it)
            if isinstance(key, str) and _BAD_CHAR.search(key):
                _check_string(path, number, key, f"the key {short(key)}")
            if isinstance(item, (dict, list)):
                stack.append((item, where + (key,)))
            elif isinstance(item, str) and _BAD_CHAR.search(item):
                _check_string(path, number, item, _json_where(where + (key,)))
    return record


def _json_where(keys: tuple[Any, ...]) -> str:
    """``("spans", 0, "label")`` as ``"spans"[0]["label"]``."""
    parts = [f"[{json.dumps(k)}]" for k in keys]
    return parts[0][1:-1] + "".join(parts[1:])


def _check_string(path: pathlib.Path, number: int, text: str, where: str) -> None:
    bad = _BAD_CHAR.search(text)
    if bad is None:
        return
    char = bad.group()
    if char == "\x00":
        raise FormatError(path, number, f"{where} holds a NUL character (\\u0000), which is not text")
    raise FormatError(path, number, f"{where} holds \\u{ord(char):04x} at character {bad.start()}: half of a "
                                    "UTF-16 surrogate pair, not a character (the file was written by a tool that "
                                    "split a character such as an emoji in two)")
