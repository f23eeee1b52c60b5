"""A model folder that asks to run its own code (config.json ``auto_map`` + a .py file) never
gets to, even when the user answers "y" on standard input: `train --base-model`, `import-run`
and `predict` refuse it with a message that says why."""
from __future__ import annotations

import ast
import json
import pathlib
import shutil

import pytest

from runs_support import ROOT, cli, make_project, make_run_folder, runs_table
from workbench.modeling.model_folder import REMOTE_CODE
from tiny_bert import TOY_WORDS, make_tiny_bert


def make_evil(folder: pathlib.Path, marker: pathlib.Path, classifier: bool) -> pathlib.Path:
    """Turn a model folder into one whose config names its own classes in evil.py, which would
    write ``marker`` the moment transformers imported it."""
    (folder / "evil.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('the model folder ran its own code')\n"
        "from transformers import BertConfig, BertForTokenClassification, BertModel\n"
        "class EvilConfig(BertConfig):\n    model_type = 'evilbert'\n"
        "class EvilModel(BertModel):\n    config_class = EvilConfig\n"
        "class EvilForTokenClassification(BertForTokenClassification):\n    config_class = EvilConfig\n")
    config = json.loads((folder / "config.json").read_text())
    # an unknown model type: transformers has no code of its own for it, so it would ask to run evil.py
    config["model_type"] = "evilbert"
    config["auto_map"] = {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel",
                          "AutoModelForTokenClassification": "evil.EvilForTokenClassification"}
    if classifier:
        config["architectures"] = ["EvilForTokenClassification"]
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture
def marker(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "EVIL_CODE_RAN"


def test_train_with_an_evil_base_model_refuses_even_with_yes(tmp_path, marker):
    project = make_project(tmp_path / "p.db")
    evil = make_evil(make_tiny_bert(tmp_path / "evil", TOY_WORDS), marker, classifier=False)
    out = cli("train", project, "--task", "ner", "--base-model", evil, "--epochs", "1", "--device", "cpu",
              stdin="y\ny\ny\n")
    assert not marker.exists(), "code from the model folder ran"
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert REMOTE_CODE in out.stderr and "config.json" in out.stderr
    assert runs_table(project) == []


def test_import_run_refuses_a_run_folder_with_its_own_code(tmp_path, marker, workbench_home):
    project = make_project(tmp_path / "p.db")
    run_dir = make_run_folder(tmp_path / "server-run")
    make_evil(run_dir / "model", marker, classifier=True)
    out = cli("import-run", project, run_dir, stdin="y\n")
    assert out.returncode == 1 and REMOTE_CODE in out.stderr, out.stderr
    assert runs_table(project) == []
    out = cli("predict", project, "--task", "ner", stdin="y\ny\ny\n")
    assert out.returncode == 1 and "no finished ner run" in out.stderr
    assert not marker.exists()


def test_predict_refuses_a_run_whose_folder_gained_code_after_import(tmp_path, marker, workbench_home):
    project = make_project(tmp_path / "p.db")
    assert cli("import-run", project, make_run_folder(tmp_path / "server-run")).returncode == 0
    ((run_id, _, _, model_dir, _),) = runs_table(project)
    make_evil(pathlib.Path(model_dir), marker, classifier=True)
    for args in (("predict", project, "--run", run_id), ("predict", project, "--task", "ner"),
                 ("export-onnx", project, "--run", run_id)):
        out = cli(*args, stdin="y\ny\ny\n")
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert REMOTE_CODE in out.stderr
        assert not marker.exists(), f"code from the model folder ran on {args[0]}"
    listed = json.loads(cli("runs", project, "--json").stdout)["runs"]
    assert listed[0]["status"] == "broken" and REMOTE_CODE in listed[0]["reason"]


def test_every_from_pretrained_in_the_core_passes_trust_remote_code_false():
    """A new loader added without it would let transformers ask on stdin again."""
    calls = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "from_pretrained":
                flags = {k.arg: getattr(k.value, "value", None) for k in node.keywords}
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", flags.get("trust_remote_code", "missing")))
    assert len(calls) >= 4
    assert [c for c in calls if c[1] is not False] == []
