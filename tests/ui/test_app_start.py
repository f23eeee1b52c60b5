"""The app starts light (no torch/transformers until training needs them), creates
the demo project on first launch, and renders with --screenshot."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.ui

ROOT = pathlib.Path(__file__).resolve().parents[2]

PROBE = """
import sys
from ui.app import main
rc = main(sys.argv[1:])
heavy = [m for m in ("torch", "transformers", "datasets") if m in sys.modules]
print("HEAVY", heavy)
sys.exit(rc or (1 if heavy else 0))
"""


def _run(home: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", WORKBENCH_HOME=str(home))
    return subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120)


def test_first_launch_creates_demo_and_stays_light(tmp_path: pathlib.Path) -> None:
    from workbench.store import Store
    from workbench.store.queries import counts

    out = tmp_path / "first.png"
    result = _run(tmp_path, "--screenshot", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "HEAVY []" in result.stdout
    assert out.stat().st_size > 10_000
    demo = tmp_path / "projects" / "demo.db"
    with Store(demo) as store:
        c = counts(store)
        assert c["documents"] >= 200
        assert store.tasks == ["ner", "sentiment"]
        assert 40 <= c["tasks"]["ner"]["accepted"] < c["documents"]
        assert c["tasks"]["sentiment"]["accepted"] > 0
    # The second launch reopens the last project from the user's settings.
    assert (tmp_path / "settings.ini").exists()
    again = _run(tmp_path, "--screenshot", str(tmp_path / "second.png"))
    assert again.returncode == 0, again.stderr


def test_project_option_opens_that_project(tmp_path: pathlib.Path, qtbot) -> None:
    from ui.app import main
    from ui.settings import UserSettings
    from workbench.store import Store

    path = tmp_path / "reviews.db"
    Store.create(path, ["sentiment"], [], ["bad", "good"], name="Shop reviews").close()
    out = tmp_path / "shot.png"
    assert main(["--project", str(path), "--screenshot", str(out)]) == 0
    assert out.exists()
    assert UserSettings().recent_files()[0] == str(path.resolve())


def test_demo_corpus_spans_are_exact() -> None:
    from workbench.demo import demo_documents
    from workbench.spans import tokenize, validate_spans

    docs = demo_documents()
    labeled = [d for d in docs if d.spans is not None]
    assert len(docs) >= 200 and 50 <= len(labeled) <= 120
    for d in labeled:
        validate_spans(d.text, d.spans, ["PER", "ORG", "PRODUCT", "LOC"])
        starts = {t.start for t in tokenize(d.text)}
        ends = {t.end for t in tokenize(d.text)}
        assert all(s.start in starts and s.end in ends for s in d.spans), d.text
        assert d.classes.get("sentiment") in ("negative", "neutral", "positive")
