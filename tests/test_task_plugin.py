"""A third task plugs in from outside the app: "relevance" (relevant / not relevant) is declared
and registered here, in the test only, and then imported from a CSV, trained with the tiny
model, predicted, reviewed and listed by the CLI without one line of the app knowing it."""
from __future__ import annotations

import json
import pathlib

import pytest

from workbench import tasks as task_registry
from workbench.cli import main
from workbench.formats import import_file
from workbench.inference.batch import predict_job
from workbench.inference.review import build_review
from workbench.inference.run_model import open_run
from workbench.store import Store
from workbench.tasks.classification import ClassificationTask
from workbench.training.config import TrainConfig
from workbench.training.loop import train
from tiny_bert import make_tiny_bert

RELEVANT = ["the invoice is overdue please pay", "payment failed on my card", "refund for the double charge",
            "my bank charged a fee twice", "the invoice amount is wrong", "card payment was declined"]
OTHER = ["lovely weather in the park", "the cat sleeps on the sofa", "we watched a film last night",
         "the garden has new flowers", "my friend plays the piano", "the train was on time today"]
WORDS = sorted({w for t in RELEVANT + OTHER for w in t.split()})


class RelevanceTask(ClassificationTask):
    """A task of the classification family with a name, a title and keys of its own."""


RELEVANCE = RelevanceTask("relevance", "Relevance", noun="relevance class", nouns="relevance classes",
                          shortcut_pool="asdfgh")


@pytest.fixture
def relevance():
    task_registry.register(RELEVANCE)
    yield RELEVANCE
    task_registry.unregister(RELEVANCE.name)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), WORDS)


def write_csv(path: pathlib.Path, split_copies: int = 3) -> pathlib.Path:
    rows = ["text,relevance"]
    for k in range(split_copies):
        rows += [f"{t} {'now' if k else ''}".strip() + ",relevant" for t in RELEVANT]
        rows += [f"{t} {'now' if k else ''}".strip() + ",irrelevant" for t in OTHER]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_task_registered_by_a_test_imports_trains_and_predicts(tmp_path, relevance, tiny, workbench_home):
    project = tmp_path / "support.db"
    with Store.create(project, ["relevance"], labels={"relevance": ["relevant", "irrelevant"]}) as store:
        assert [lab.shortcut for lab in store.labels("relevance")] == ["a", "s"]     # its own keys
        report = import_file(store, write_csv(tmp_path / "tickets.csv"), label_column="relevance",
                             split="train")
        assert report.labeled == {"relevance": 36}
        import_file(store, write_csv(tmp_path / "dev.csv", 1), label_column="relevance", split="dev")

    result = train(TrainConfig(store_path=project, task="relevance", base_model=str(tiny), epochs=30,
                               batch_size=4, lr=5e-3, patience=0, seed=3))
    assert result.status == "done" and result.task == "relevance"
    assert result.dev["accuracy"] == 1.0 and set(result.dev["per_label"]) == {"relevant", "irrelevant"}
    config = json.loads((pathlib.Path(result.model_dir) / "config.json").read_text())
    assert config["workbench_task"] == "relevance"        # the saved model says which task it is for

    summary = predict_job(project, result.run_id, "dev")
    assert summary.predicted == 12
    with Store(project) as store:
        rs = build_review(store, open_run(store, result.run_id), "dev")
    assert rs.task == "relevance" and len(rs.reviews) == 12 and not any(r.errors for r in rs.reviews)
    assert rs.matrix_names == ["relevant", "irrelevant"] and rs.matrix.trace() == 12


def test_the_cli_offers_a_registered_task(tmp_path, relevance, capsys):
    project = tmp_path / "p.db"
    assert main(["init", str(project), "--task", "relevance", "--labels-for", "relevance=relevant,irrelevant"]) == 0
    assert main(["import", str(project), str(write_csv(tmp_path / "t.csv", 1)), "--label-column", "relevance"]) == 0
    assert "12 labeled for Relevance" in capsys.readouterr().out
    assert main(["stats", str(project), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["labels"]["relevance"] == {"relevant": 6, "irrelevant": 6}
    out = tmp_path / "out.jsonl"
    assert main(["export", str(project), str(out), "--format", "jsonl"]) == 0
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["relevance"] == "relevant"          # under the task's own JSONL key


def test_an_unregistered_task_is_refused_by_name(tmp_path, capsys):
    assert main(["init", str(tmp_path / "p.db"), "--task", "relevance"]) == 1
    assert "relevance" in capsys.readouterr().err


def test_models_saved_before_tasks_had_names_are_still_recognised():
    """A run folder from before models named their task (no ``workbench_task``) is matched by its
    head; a model naming a task this app lacks, or a head that contradicts its name, is not."""
    from workbench.tasks import NER, SENTIMENT, for_model

    assert for_model({"architectures": ["BertForTokenClassification"]}) is NER
    assert for_model({"architectures": ["BertForSequenceClassification"]}) is SENTIMENT
    assert for_model({"architectures": ["BertForSequenceClassification"], "workbench_task": "relevance"}) is None
    assert for_model({"architectures": ["BertForTokenClassification"], "workbench_task": "sentiment"}) is None
    assert for_model({"architectures": ["BertModel"]}) is None
