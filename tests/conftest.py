"""Fixtures shared by every test: a private data folder and a small project."""
from __future__ import annotations

import os
import pathlib

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

@pytest.fixture(autouse=True)
def workbench_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """Every test gets its own user data folder, never the real one."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path: pathlib.Path):
    """A fresh project with both tasks, entity labels PER/ORG/LOC/MISC and two classes."""
    from workbench.store import Store

    store = Store.create(tmp_path / "project.db", ["ner", "sentiment"], ["PER", "ORG", "LOC", "MISC"],
                         ["negative", "positive"])
    yield store
    store.close()
