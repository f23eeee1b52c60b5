"""Training again from a run (``--from-run``): the parent's head rows follow the labels by name,
a label added since gets a fresh row, a label removed is refused, the schedule is shorter, and
the run card and history record the lineage."""
from __future__ import annotations

import json
import pathlib
import shutil

import pytest
import torch

from inference_support import TINY_OVERRIDES, make_project, one_cpu, tiny_base
from runs_support import cli
from workbench.errors import UserError

_BUILT: dict = {}


def _config(project: pathlib.Path, root: pathlib.Path, **kw):
    from workbench.training import TrainConfig

    base = {"base_model": str(root / "base")} if "from_run" not in kw else {}
    return TrainConfig(project, kw.pop("task", "ner"), epochs=kw.pop("epochs", 6), batch_size=16, lr=3e-3,
                       embeddings="full", device="cpu", patience=0, output_dir=root / "runs", **base,
                       **TINY_OVERRIDES, **kw)


def _train(project: pathlib.Path, root: pathlib.Path, **kw):
    from workbench.training import train

    with one_cpu():
        return train(_config(project, root, **kw))


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    """A project (PER, ORG, LOC) and its first NER run, from the tiny base; copied per test."""
    root = tmp_path_factory.mktemp("continue")
    project = make_project(root / "project.db", n=120, unlabeled=0)
    tiny_base(root / "base")
    run = _train(project, root)
    return root, project, run


@pytest.fixture
def fresh(parent, tmp_path):
    root, project, run = parent
    copy = tmp_path / "project.db"
    shutil.copy2(project, copy)
    return root, copy, run


def _head(model_dir: str) -> tuple[list[str], torch.Tensor, torch.Tensor]:
    from safetensors.torch import load_file

    config = json.loads((pathlib.Path(model_dir) / "config.json").read_text())
    names = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    weights = load_file(str(pathlib.Path(model_dir) / "model.safetensors"))
    return names, weights["classifier.weight"], weights["classifier.bias"]


def test_an_added_label_gets_a_fresh_head_row_and_the_others_keep_theirs(fresh):
    from workbench.spans import Span
    from workbench.store import Store, queries
    from workbench.tasks import get
    from workbench.training.continuation import Parent, load_parent_model

    root, project, run = fresh
    old_names, old_w, old_b = _head(run.model_dir)
    with Store(project) as store:
        store.add_label("ner", "MISC")
        for doc, ann in list(queries.iter_documents(store, split="train", task="ner"))[:30]:
            at = doc.text.find(" . ")            # the sentiment half's first word becomes a MISC
            word_end = doc.text.find(" ", at + 3)
            store.set_spans(doc.id, [*ann["ner"], Span(at + 3, word_end, "MISC")], status="accepted")
    new_names = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    torch.manual_seed(0)
    model = load_parent_model(Parent(run.run_id, "ner", pathlib.Path(run.model_dir), old_names, "default"),
                              get("ner"), new_names)
    head = model.classifier
    assert head.out_features == 9 and model.num_labels == 9
    assert model.config.id2label[7] == "B-MISC" and model.config.label2id["I-MISC"] == 8
    for i, name in enumerate(old_names):
        assert torch.equal(head.weight[i], old_w[i]) and head.bias[i] == old_b[i], name
    fresh_rows = head.weight[7:].detach()
    assert fresh_rows.abs().sum() > 0 and float(fresh_rows.std()) < 0.1      # drawn small, like a new head
    assert torch.equal(head.bias[7:], torch.zeros(2))
    # a whole continued run over the grown label set trains, saves and predicts nine tags
    child = _train(project, root, from_run=run.run_id, epochs=1)
    assert _head(child.model_dir)[0] == new_names


def test_labels_in_another_order_keep_their_own_rows():
    from transformers import BertConfig, BertForTokenClassification

    from workbench.training.continuation import grow_head

    torch.manual_seed(1)
    model = BertForTokenClassification(BertConfig(vocab_size=40, hidden_size=8, num_hidden_layers=1,
                                                  num_attention_heads=2, intermediate_size=16, num_labels=3))
    before = model.classifier.weight.detach().clone()
    assert grow_head(model, ["O", "B-A", "I-A"], ["O", "I-A", "B-A"]) == []
    after = model.classifier.weight
    assert torch.equal(after[1], before[2]) and torch.equal(after[2], before[1]) and torch.equal(after[0], before[0])
    assert model.config.id2label == {0: "O", 1: "I-A", 2: "B-A"}


def test_a_label_removed_since_is_refused_before_anything_is_written(fresh):
    from workbench.store import Store
    from workbench.training.runs import list_runs

    root, project, run = fresh
    with Store(project) as store:
        store.merge_label("ner", "ORG", into="LOC")      # ORG folded into LOC: the project has no ORG now
        before = len(list_runs(store))
    with pytest.raises(UserError, match=r"cannot continue from run \d+: it was trained to predict the entity label "
                                        r"ORG, which is no longer in this project's"):
        _train(project, root, from_run=run.run_id, epochs=1)
    with Store(project) as store:
        assert len(list_runs(store)) == before


def test_the_continued_run_is_shorter_and_records_its_parent(fresh):
    from workbench.store import Store
    from workbench.training.runs import get_run, lineage, list_runs

    root, project, run = fresh
    fresh_epochs = _config(project, root, epochs=None).resolved("cpu", 96).epochs
    assert _config(project, root, epochs=None, from_run=run.run_id).resolved("cpu", 96).epochs == \
        -(-fresh_epochs // 2)
    child = _train(project, root, from_run=run.run_id, epochs=2)
    grandchild = _train(project, root, from_run=child.run_id, epochs=1)
    card = json.loads(pathlib.Path(grandchild.card_path).read_text())
    assert card["parent_run"] == child.run_id and card["config"]["from_run"] == child.run_id
    assert card["base_model"] == str(root / "base")             # where the line began
    assert json.loads((pathlib.Path(grandchild.model_dir) / "config.json").read_text())["workbench_word_case"]
    # a parent without word case is continued without it, whatever the (default) setting says
    plain = _train(project, root, word_case=False, epochs=1)
    child_of_plain = _train(project, root, from_run=plain.run_id, epochs=1)
    assert "workbench_word_case" not in json.loads((pathlib.Path(child_of_plain.model_dir) / "config.json").read_text())
    assert child_of_plain.config["word_case"] is False
    with Store(project) as store:
        rows = list_runs(store)
        assert get_run(store, child.run_id).parent_run == run.run_id
        assert lineage(get_run(store, grandchild.run_id), rows) == \
            f"#{grandchild.run_id} ← #{child.run_id} ← #{run.run_id} ← {root / 'base'}"
    assert grandchild.dev["score"] >= run.dev["score"] - 0.05      # it kept what the parent learned
    r = cli("runs", project)
    assert f"continued: #{grandchild.run_id} ← #{child.run_id} ← #{run.run_id}" in r.stdout


def test_the_command_line_refuses_what_cannot_be_continued(fresh, tmp_path):
    root, project, run = fresh
    r = cli("train", project, "--task", "ner", "--from-run", 99, "--output-dir", tmp_path)
    assert r.returncode == 1 and "cannot continue from run 99: there is no run 99 in this project" in r.stderr
    r = cli("train", project, "--task", "sentiment", "--from-run", run.run_id, "--output-dir", tmp_path)
    assert r.returncode == 1 and "it is a ner run, not sentiment" in r.stderr
    r = cli("train", project, "--task", "ner", "--from-run", run.run_id, "--base-model", str(root / "base"))
    assert r.returncode == 1 and "give --from-run or --base-model, not both" in r.stderr
