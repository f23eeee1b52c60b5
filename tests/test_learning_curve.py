"""Will more labels help?  The learning curve trains on growing parts of the labels (tiny model
built in the test) and says what the curve means; nothing is kept in the project."""
from __future__ import annotations

import json
import pathlib

import pytest

from inference_support import TINY_OVERRIDES, make_project, one_cpu, tiny_base
from runs_support import cli
from workbench.training.learning_curve import CurvePoint, LearningCurve, learning_curve_job


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, pathlib.Path]:
    root = tmp_path_factory.mktemp("curve")
    return {"project": make_project(root / "project.db", n=120, unlabeled=5), "base": tiny_base(root / "base")}


def _runs(project: pathlib.Path) -> int:
    import sqlite3

    with sqlite3.connect(project) as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_the_curve_trains_on_each_quarter_with_the_same_dev_set_and_keeps_nothing(tiny, tmp_path):
    from workbench.jobs import Progress
    from workbench.training.config import TrainConfig

    cfg = TrainConfig(tiny["project"], "sentiment", base_model=str(tiny["base"]), epochs=3, batch_size=16, lr=3e-3,
                      embeddings="full", device="cpu", patience=0, **TINY_OVERRIDES)
    seen: list[Progress] = []
    with one_cpu():
        curve = learning_curve_job(cfg, progress=seen.append)
    assert [p.documents for p in curve.points] == [24, 48, 72, 96]     # 96 accepted train documents
    assert [p.labels for p in curve.points] == [24, 48, 72, 96]        # one class per document
    assert curve.dev_documents == 24 and curve.dev_source == "dev split"
    assert all(0.0 <= p.score <= 1.0 for p in curve.points)
    assert curve.conclusion().startswith(("still rising: more labels will help", "flat: look at label quality"))
    # each finished part reports the points so far (what the Train screen plots)
    drawn = [len(p.detail.points) for p in seen if isinstance(p.detail, LearningCurve)]
    assert drawn == [1, 2, 3, 4]
    assert _runs(tiny["project"]) == 0


def test_the_conclusion_reads_the_last_quarter():
    def curve(*scores: float) -> LearningCurve:
        return LearningCurve("ner", "entity F1", 10, "dev split",
                             tuple(CurvePoint(f, 10 * i, 30 * i, s, 1.0) for i, (f, s) in
                                   enumerate(zip((0.25, 0.5, 0.75, 1.0), scores), 1)))

    assert curve(0.40, 0.55, 0.62, 0.70).conclusion() == \
        "still rising: more labels will help (entity F1 0.620 → 0.700 from 90 to 120 labels)"
    assert curve(0.40, 0.70, 0.80, 0.805).conclusion().startswith("flat: look at label quality instead")
    assert curve(0.50).rising is None


def test_the_cli_prints_the_curve_as_json_and_as_a_table(tiny):
    args = ["learning-curve", tiny["project"], "--task", "ner", "--base-model", tiny["base"], "--epochs", "2",
            "--batch-size", "16", "--lr", "3e-3", "--device", "cpu", "--freeze-layers", "0", "--quiet"]
    out = cli(*args, "--json", env={"OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr
    said = json.loads(out.stdout)
    assert said["task"] == "ner" and said["score_name"] == "entity F1"
    assert [p["fraction"] for p in said["points"]] == [0.25, 0.5, 0.75, 1.0]
    assert [p["documents"] for p in said["points"]] == [24, 48, 72, 96]
    assert said["points"][0]["labels"] > 24                              # entities, not documents
    assert said["conclusion"].split(":")[0] in ("still rising", "flat")
    out = cli(*args, env={"OMP_NUM_THREADS": "1"})
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ner: dev entity F1 on 24 documents") and lines[2].split()[:2] == ["25%", "24"]
    assert lines[-1].startswith(("Still rising: more labels will help", "Flat: look at label quality instead"))


def test_too_few_labels_is_refused_before_training(tmp_path):
    from workbench.store import Store

    path = tmp_path / "empty.db"
    Store.create(path, ["ner"], ["PER"]).close()
    out = cli("learning-curve", path, "--task", "ner", "--device", "cpu")
    assert out.returncode == 1 and "too few labeled documents" in out.stderr
