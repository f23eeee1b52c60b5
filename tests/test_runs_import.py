"""`workbench-cli import-run` with run folders that are damaged, hostile or simply taken.

Each refusal is one `error: ...` line naming the file and the problem, and leaves
nothing behind: no run row ("failed" or otherwise), no folder in the runs folder.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil

import pytest

from runs_support import cli, make_project, make_run_folder, runs_table
from workbench.training.run_folders import MARKER


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return make_run_folder(tmp_path_factory.mktemp("template") / "bundle-run1-ner")


@pytest.fixture
def run_dir(template: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    return pathlib.Path(shutil.copytree(template, tmp_path / "server-run", symlinks=True))


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    return make_project(tmp_path / "p.db")


def runs_folder(home: pathlib.Path) -> list[pathlib.Path]:
    folder = home / "runs"
    return sorted(folder.iterdir()) if folder.exists() else []


def refused(out, *needles: str) -> str:
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr, out.stderr
    for needle in needles:
        assert needle in out.stderr, out.stderr
    return out.stderr


def edit_card(run_dir: pathlib.Path, **changes) -> None:
    card = json.loads((run_dir / "run_card.json").read_text())
    card.update(changes)
    (run_dir / "run_card.json").write_text(json.dumps(card))


def test_import_then_predict(project, run_dir, workbench_home):
    out = cli("import-run", project, run_dir)
    assert out.returncode == 0, out.stderr
    ((run_id, task, status, model_dir, error),) = runs_table(project)
    assert (task, status, error) == ("ner", "done", "")
    folder = pathlib.Path(model_dir).parent
    assert folder.parent == workbench_home / "runs" and (folder / MARKER).is_file()
    assert (folder / "run_card.json").read_bytes() == (run_dir / "run_card.json").read_bytes()
    predicted = cli("predict", project, "--run", run_id, "--split", "dev", "--json")
    assert predicted.returncode == 0, predicted.stderr
    assert json.loads(predicted.stdout.splitlines()[-1])["documents"] == 6


def test_two_projects_named_alike_import_the_same_run(tmp_path, run_dir, workbench_home):
    """Both are p.db (or one was deleted and made again): each import gets a folder of its own."""
    first = make_project(tmp_path / "a" / "p.db")
    second = make_project(tmp_path / "b" / "p.db")
    for project in (first, second, second):
        out = cli("import-run", project, run_dir)
        assert out.returncode == 0, out.stderr
    folders = [pathlib.Path(r[3]).parent for p in (first, second) for r in runs_table(p)]
    assert len(set(folders)) == 3 and all(f.is_dir() and (f / MARKER).is_file() for f in folders)
    assert sorted(folders) == runs_folder(workbench_home)


CARDS = {
    "a list, not an object": "[1, 2, 3]",
    "not JSON": '{"task": "ner", "labels": ["PER"',
    "task is a number": {"task": 5},
    "labels is text": {"labels": "PER"},
    "a point with a text step": {"points": [["dev_f1", "two", 1.0, 0.5]]},
    "a history entry without numbers": {"points": [], "history": [{"step": "two", "epoch": "one"}]},
    "a dev report of the wrong shape": {"metrics": {"dev": {"per_label": 3}}},
    "duration is text": {"duration_s": "long"},
    "config is a list": {"config": ["epochs", 2]},
    "epochs in the summary is text": {"summary": {"epochs": "two"}},
    "max_length is text": {"config": {"max_length": "long"}},
    "a lone surrogate as the base model": '"base_model": "\\ud800"',
    "nested 100,000 levels deep": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("shape", sorted(CARDS))
def test_bad_run_card_is_refused_and_leaves_nothing(shape, project, run_dir, workbench_home):
    change = CARDS[shape]
    if isinstance(change, str) and change.startswith('"'):     # one raw JSON field, spliced into the card
        text = (run_dir / "run_card.json").read_text()
        (run_dir / "run_card.json").write_text(text.replace('"base_model": ', change + ', "was": ', 1))
    elif isinstance(change, str):
        (run_dir / "run_card.json").write_text(change)
    else:
        edit_card(run_dir, **change)
    refused(cli("import-run", project, run_dir), "run_card.json")
    assert runs_table(project) == [], "a refused import leaves no run row (not even a 'failed' one)"
    assert runs_folder(workbench_home) == []


def _config(run_dir: pathlib.Path, **changes) -> None:
    path = run_dir / "model" / "config.json"
    config = json.loads(path.read_text())
    config.update(changes)
    path.write_text(json.dumps(config))


def _bin_only(run_dir: pathlib.Path) -> None:
    (run_dir / "model" / "model.safetensors").rename(run_dir / "model" / "pytorch_model.bin")


MODELS = {
    "config.json is not JSON": (lambda d: (d / "model" / "config.json").write_text("{'not': json}"),
                                ["config.json", "not valid JSON", "line 1"]),
    "labels differ from the card": (lambda d: _config(d, id2label={"0": "O", "1": "B-ORG", "2": "I-ORG"},
                                                      label2id={"O": 0, "B-ORG": 1, "I-ORG": 2}),
                                    ["config.json", "B-ORG"]),
    "weights only as pickle": (_bin_only, ["pytorch_model.bin", "pickle", "never loads"]),
    "weights not safetensors": (lambda d: (d / "model" / "model.safetensors").write_bytes(b"\0" * 64),
                                ["model.safetensors", "not a safetensors file"]),
    "no tokenizer": (lambda d: (d / "model" / "tokenizer.json").unlink(), ["tokenizer.json", "missing"]),
    "a config asking to run its own code": (lambda d: _config(d, auto_map={"AutoConfig": "evil.EvilConfig"}),
                                            ["config.json", "never runs code from a model folder"]),
    "a sentiment model in a NER card": (lambda d: _config(d, architectures=["BertForSequenceClassification"]),
                                        ["sentiment"]),
}


@pytest.mark.parametrize("problem", sorted(MODELS))
def test_bad_model_folder_is_refused_and_leaves_nothing(problem, project, run_dir, workbench_home):
    damage, needles = MODELS[problem]
    damage(run_dir)
    refused(cli("import-run", project, run_dir), *needles)
    assert runs_table(project) == []
    assert runs_folder(workbench_home) == []


def test_a_link_to_a_file_outside_is_refused_and_its_content_never_copied(tmp_path, project, run_dir,
                                                                         workbench_home):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret-hash:19000:0:99999:7:::\n")
    os.symlink(secret, run_dir / "model" / "leak_shadow")
    refused(cli("import-run", project, run_dir), "leak_shadow", "symbolic link")
    assert runs_table(project) == []
    assert runs_folder(workbench_home) == []
    copied = [p for p in workbench_home.rglob("*") if p.is_file() and b"secret-hash" in p.read_bytes()]
    assert copied == []


def test_a_link_loop_is_refused_without_a_traceback(project, run_dir, workbench_home):
    os.symlink("loop", run_dir / "model" / "loop")              # a link to itself
    os.symlink("..", run_dir / "model" / "up")                   # a folder link back up: a cycle
    refused(cli("import-run", project, run_dir), "symbolic link")
    assert runs_table(project) == [] and runs_folder(workbench_home) == []


def test_a_linked_run_folder_is_refused(tmp_path, project, run_dir, workbench_home):
    link = tmp_path / "link-to-run"
    os.symlink(run_dir, link)
    refused(cli("import-run", project, link), "symbolic link")
    assert runs_table(project) == []


def test_a_pipe_in_the_folder_is_refused_without_hanging(project, run_dir, workbench_home):
    os.mkfifo(run_dir / "model" / "fifo")
    refused(cli("import-run", project, run_dir, timeout=60), "fifo", "not a regular file")
    assert runs_table(project) == []
