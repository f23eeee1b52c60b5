"""Train beyond the workstation: project -> bundle -> torchrun (2 CPU processes, gloo) -> import-run -> predict."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from workbench.store import Store
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs

TORCHRUN = shutil.which("torchrun", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("torchrun")


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *map(str, args)], capture_output=True, text=True,
                          env=env)


def make_project(path: pathlib.Path) -> pathlib.Path:
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(24, split="train") + toy_ner_docs(8, split="dev", offset=24))
    return path


def test_bundle_holds_data_labels_and_config(tmp_path):
    project = make_project(tmp_path / "p.db")
    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS)
    out = cli("export-bundle", project, tmp_path / "bundle", "--task", "ner", "--base-model", tiny, "--epochs", "3")
    assert out.returncode == 0, out.stderr
    meta = json.loads((tmp_path / "bundle" / "bundle.json").read_text())
    assert meta["label_names"] == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    assert meta["counts"]["train"] == 24 and meta["counts"]["dev"] == 8
    assert meta["config"]["epochs"] == 3 and meta["base_model_dir"] == "base_model"
    assert (tmp_path / "bundle" / "base_model" / "config.json").is_file()
    from workbench.training.bundle import read_bundle

    _, splits = read_bundle(tmp_path / "bundle")
    first = splits.train[0]
    assert [w.text for w in first.words] == ["John", "lives", "in", "Paris", "."]
    assert first.tags == ["B-PER", "O", "O", "B-LOC", "O"]
    # a second export into the same folder is refused, the first stays whole
    again = cli("export-bundle", project, tmp_path / "bundle", "--task", "ner")
    assert again.returncode == 1 and "not empty" in again.stderr


@pytest.mark.skipif(TORCHRUN is None, reason="torchrun is not installed")
def test_two_process_ddp_round_trip_back_into_the_project(tmp_path, workbench_home):
    project = make_project(tmp_path / "p.db")
    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS)
    assert cli("export-bundle", project, tmp_path / "bundle", "--task", "ner", "--base-model", tiny,
               "--epochs", "30", "--batch-size", "4", "--lr", "0.005").returncode == 0
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WORKBENCH_HOME": str(workbench_home)}
    run = subprocess.run(
        [TORCHRUN, "--nproc_per_node=2", "--standalone", "-m", "workbench.cli", "train-bundle", tmp_path / "bundle",
         "--device", "cpu", "--patience", "0", "--quiet", "--json", "--output-dir", tmp_path / "runs"],
        capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["status"] == "done" and summary["dev_f1"] > 0.9
    # 24 documents, batch 4 per process, 2 processes: 3 steps per epoch
    assert summary["steps"] == 3 * 30
    run_dirs = list((tmp_path / "runs").iterdir())
    assert len(run_dirs) == 1, "only rank 0 writes a run folder"
    card = json.loads((run_dirs[0] / "run_card.json").read_text())
    assert card["data"]["processes"] == 2 and card["points"]
    assert run.stdout.count('"run_id"') == 1, "only rank 0 reports"

    imported = cli("import-run", project, run_dirs[0])
    assert imported.returncode == 0, imported.stderr
    from workbench.training import runs

    with Store.open(project) as store:
        (row,) = runs.list_runs(store)
        assert row.status == "done" and row.metrics["dev"]["f1"] == card["metrics"]["dev"]["f1"]
        assert "dev_f1" in runs.run_points(store, row.id)
        model_dir = pathlib.Path(row.model_dir)
    assert model_dir.is_dir() and str(model_dir).startswith(str(workbench_home))
    predicted = cli("predict", project, "--run", row.id, "--split", "dev", "--json")
    assert predicted.returncode == 0, predicted.stderr
    assert json.loads(predicted.stdout.strip().splitlines()[-1])["report"]["f1"] > 0.9


def test_import_run_refuses_what_does_not_fit(tmp_path):
    project = make_project(tmp_path / "p.db")
    bad = cli("import-run", project, tmp_path)
    assert bad.returncode == 1 and "not a run folder" in bad.stderr
