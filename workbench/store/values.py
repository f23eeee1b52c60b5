"""Values the store computes for a row: a text's content hash, its split, the time.  Any thread."""
from __future__ import annotations

import datetime as _dt
import hashlib


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def assign_split(digest: str, seed: int = 0, ratios: tuple[int, int, int] = (80, 10, 10)) -> str:
    """Deterministic train/dev/test split from a content hash (same text, same split)."""
    bucket = int(hashlib.sha1(f"{seed}:{digest}".encode()).hexdigest()[:8], 16) % sum(ratios)
    if bucket < ratios[0]:
        return "train"
    return "dev" if bucket < ratios[0] + ratios[1] else "test"
