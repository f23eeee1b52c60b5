"""Where the shared benchmark data sets are (beside the checkout, never inside it)."""
from __future__ import annotations

import pathlib

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_file(*parts: str) -> pathlib.Path:
    """A file of ../shared/data, or skip the test when the data is not beside this checkout."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data {path} is not present")
    return path
