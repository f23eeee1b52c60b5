"""JSON this program writes for other programs to read: never NaN or Infinity (not JSON at all).

A project's metadata may hold them (Python's json reads ``NaN``); written out they become null.
"""
from __future__ import annotations

import json
import math
from typing import Any


def json_safe(value: Any) -> Any:
    """``value`` with every NaN or infinite float (at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`json_safe`'s copy; ``allow_nan=False`` guards against a NaN slipping past it."""
    return json.dumps(json_safe(value), allow_nan=False, **kwargs)
