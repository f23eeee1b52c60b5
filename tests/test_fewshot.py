"""Few-shot training (training/fewshot.py, fewshot_choice.py) as a user meets it: a project with
a handful of labels per class trains the SetFit way through ``workbench-cli train``, the run says
so, and its saved model predicts, explains, applies and exports like any other run's."""
from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
import torch

from workbench.cli import main as cli
from workbench.errors import UserError
from workbench.store import Store
from workbench.tasks import registry
from workbench.tasks.base import Example
from workbench.training.config import TrainConfig
from workbench.training.fewshot_choice import FEWSHOT_UP_TO, choose_method
from workbench.training.loop import train
from tiny_bert import TOY_WORDS, make_tiny_sentence_model, toy_sentiment_docs


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    """A small sentence model made in the test (a tiny BERT saved as a mean-pooled sentence model)."""
    return make_tiny_sentence_model(tmp_path_factory.mktemp("tiny"), TOY_WORDS, hidden=32, layers=2)


def sentiment_project(path: pathlib.Path, n: int = 16, dev: int = 8) -> pathlib.Path:
    with Store.create(path, ["sentiment"], [], ["negative", "positive"]) as store:
        store.add_documents(toy_sentiment_docs(n))
        store.add_documents(toy_sentiment_docs(dev, split="dev", offset=n))
    return path


def examples(**per_class: int) -> list[Example]:
    return [Example(i, f"text {i}", label=name) for name, n in per_class.items() for i in range(n)]


def test_a_project_with_few_labels_trains_few_shot_from_the_cli_and_the_run_is_an_ordinary_model(
        tmp_path, tiny, capsys):
    from workbench.inference.explain import attribution
    from workbench.inference.onnx_export import export_onnx
    from workbench.inference.predictor import Predictor, as_document

    project = sentiment_project(tmp_path / "p.db")   # 8 labels per class
    code = cli(["train", str(project), "--task", "sentiment", "--base-model", str(tiny), "--epochs", "15",
                "--lr", "3e-3", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    # the CLI says which method it took and why, and the phases of the run
    assert f"Few-shot (SetFit): 8 labels per sentiment class, {FEWSHOT_UP_TO} or fewer" in err
    assert "Few-shot, pairs:" in err and "Few-shot, head:" in err and "Scoring dev: 8 documents" in err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "done" and summary["method"] == "fewshot"
    assert summary["dev_accuracy"] == 1.0
    with Store(project) as store:
        from workbench.training import runs

        (row,) = runs.list_runs(store)
        assert row.status == "done" and row.config["method"] == "fewshot"
        assert row.counts["method_why"].startswith("Few-shot (SetFit): 8 labels")
        points = runs.run_points(store, row.id)
        assert points["train_loss"]["value"].size > 0 and len(points["dev_f1"]["value"]) == 1   # dev scored once
    folder = pathlib.Path(summary["model_dir"])
    config = json.loads((folder / "config.json").read_text())
    assert config["workbench_pooling"] == "mean" and config["workbench_task"] == "sentiment"
    # predictions, an explanation through the body, ONNX export
    predictor = Predictor(folder, device="cpu")
    docs = [as_document("the film with tom was great", 1), as_document("the film with eva was awful", 2)]
    assert [p.label for p in predictor.predict(docs)] == ["positive", "negative"]
    why = attribution(predictor, docs[0], steps=16)
    assert why.label == "positive" and why.words[int(np.argmax(why.scores))].text == "great"
    report = export_onnx(folder, tmp_path / "onnx")
    assert report.ok and (tmp_path / "onnx" / "model.onnx").is_file()


def test_the_saved_classifier_predicts_what_the_fitted_head_predicts(tmp_path, tiny, monkeypatch):
    """The logistic regression's weights become the model's linear layer: the saved model's class
    probabilities on the training texts are the regression's own."""
    from sklearn.linear_model import LogisticRegression

    from workbench.inference.predictor import Predictor, as_document
    from workbench.training import fewshot

    fitted = {}
    real_fit = LogisticRegression.fit

    def keep(self, x, y):
        fitted.update(head=real_fit(self, x, y), x=x.copy())
        return fitted["head"]

    monkeypatch.setattr(LogisticRegression, "fit", keep)
    project = sentiment_project(tmp_path / "p.db", n=12, dev=4)
    result = train(TrainConfig(store_path=project, task="sentiment", base_model=str(tiny), method="fewshot",
                               epochs=3, lr=1e-3, seed=5))
    assert result.config["method"] == "fewshot" and fewshot.FEWSHOT_BATCH == 16
    texts = [d.text for d in toy_sentiment_docs(12)]
    saved = np.stack([p.probs for p in Predictor(result.model_dir, device="cpu").predict(
        [as_document(t, i) for i, t in enumerate(texts)])])
    # the head was fitted on the training documents in import order, the order of ``texts``
    expected = fitted["head"].predict_proba(fitted["x"])
    # the head's columns are in the model's label order (negative, positive)
    assert list(fitted["head"].classes_) == [0, 1]
    np.testing.assert_allclose(saved, expected, atol=1e-4)


def test_a_three_class_head_keeps_each_class_in_its_row():
    from sklearn.linear_model import LogisticRegression

    from workbench.training.fewshot import install_head

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 8)).astype(np.float32)
    y = np.arange(30) % 3
    x[np.arange(30), y] += 3.0
    head = LogisticRegression(max_iter=1000).fit(x, y)
    layer = torch.nn.Linear(8, 3)
    install_head(layer, head.coef_, head.intercept_, [int(c) for c in head.classes_])
    probs = torch.softmax(layer(torch.from_numpy(x)), -1).detach().numpy()
    np.testing.assert_allclose(probs, head.predict_proba(x), atol=1e-5)


def test_auto_takes_few_shot_below_the_threshold_and_fine_tuning_above():
    spec = registry.get("sentiment")
    method, why = choose_method("auto", spec, examples(negative=16, positive=16))
    assert method == "fewshot" and why == f"Few-shot (SetFit): 16 labels per sentiment class, {FEWSHOT_UP_TO} or fewer"
    method, why = choose_method("auto", spec, examples(negative=FEWSHOT_UP_TO + 1, positive=200))
    assert method == "finetune" and "in the smallest sentiment class (negative)" in why
    # a base model that is not a sentence-embedding model fine-tunes on auto (few-shot only when asked)
    method, why = choose_method("auto", spec, examples(negative=8, positive=8), sentence_model=False)
    assert method == "finetune" and "not a sentence-embedding model" in why
    assert choose_method("fewshot", spec, examples(negative=8, positive=8), sentence_model=False)[0] == "fewshot"
    # an entity task never takes it, nor a run continued from another
    assert choose_method("auto", registry.get("ner"), [])[0] == "finetune"
    assert choose_method("auto", spec, examples(negative=4, positive=4), continued=True)[0] == "finetune"
    assert choose_method("fewshot", spec, examples(negative=500, positive=500))[0] == "fewshot"
    assert choose_method("finetune", spec, examples(negative=4, positive=4))[0] == "finetune"


def test_a_class_with_one_label_cannot_train_few_shot(tmp_path, tiny):
    spec = registry.get("sentiment")
    # auto: fine-tuning, which can learn from one label, and the reason in words
    method, why = choose_method("auto", spec, examples(negative=1, positive=9))
    assert method == "finetune" and "'negative' has 1" in why
    # asked for: refused before anything is written, with what to do
    project = tmp_path / "p.db"
    with Store.create(project, ["sentiment"], [], ["negative", "positive"]) as store:
        docs = toy_sentiment_docs(12)
        store.add_documents([d for d in docs if d.classes["sentiment"] == "positive"] + docs[1:2])
        store.add_documents(toy_sentiment_docs(4, split="dev", offset=12))
    with pytest.raises(UserError, match=r"at least 2 training labels in every sentiment class.*'negative' has 1"
                                         r".*--method finetune"):
        train(TrainConfig(store_path=project, task="sentiment", base_model=str(tiny), method="fewshot"))
    with Store(project) as store:
        from workbench.training import runs

        assert runs.list_runs(store) == []
    with pytest.raises(UserError, match="classifies whole documents"):
        choose_method("fewshot", registry.get("ner"), [])


def test_stopping_a_few_shot_run_keeps_no_model_and_says_so(tmp_path, tiny):
    from workbench.jobs import Cancelled

    project = sentiment_project(tmp_path / "p.db")
    seen = []

    def progress(report):
        seen.append(report.detail)

    with pytest.raises(Cancelled) as stop:
        train(TrainConfig(store_path=project, task="sentiment", base_model=str(tiny), epochs=50, lr=1e-3),
              progress=progress, cancelled=lambda: sum(e.kind == "step" for e in seen) >= 2)
    assert stop.value.partial.status == "cancelled" and not stop.value.partial.model_dir
    assert any(e.kind == "method" and e.message.startswith("Few-shot") for e in seen)


def test_a_time_budget_cuts_the_pairs_short_and_still_gives_a_model(tmp_path, tiny):
    project = sentiment_project(tmp_path / "p.db")
    result = train(TrainConfig(store_path=project, task="sentiment", base_model=str(tiny), epochs=50,
                               time_budget_s=0.001))
    assert result.status == "done" and result.config["method"] == "fewshot" and result.model_dir
    assert result.steps == 1      # the first step is always taken; then the budget is spent
