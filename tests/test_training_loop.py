"""The training loop on a tiny BERT made in the test: overfit, cancel, early stop, NaN, outputs."""
from __future__ import annotations

import json
import pathlib

import pytest
import torch
from safetensors.torch import load_file, save_file

from workbench.jobs import Cancelled
from workbench.store import Store
from workbench.training import runs
from workbench.training.config import TrainConfig
from workbench.training.loop import TrainingDiverged, train
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs, toy_sentiment_docs


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), TOY_WORDS, hidden=32, layers=2)


def ner_project(path: pathlib.Path, n: int = 20, dev_copy: bool = True) -> pathlib.Path:
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        docs = toy_ner_docs(n)
        store.add_documents(docs)
        if dev_copy:  # the same sentences as dev: overfitting them is the point
            store.add_documents(toy_ner_docs(n, split="dev"))
    return path


def config(project: pathlib.Path, tiny: pathlib.Path, **kw) -> TrainConfig:
    base = dict(store_path=project, task="ner", base_model=str(tiny), epochs=25, batch_size=4, lr=5e-3,
                patience=0, seed=3)
    return TrainConfig(**{**base, **kw})


def test_overfits_twenty_sentences_and_writes_model_card_and_store_rows(tmp_path, tiny, workbench_home):
    project = ner_project(tmp_path / "p.db")
    reports = []
    result = train(config(project, tiny), progress=reports.append)
    events = [r.detail for r in reports]     # the run's own figures ride on the one Progress type
    assert result.status == "done" and result.message == "reached the planned 25 epochs"
    assert result.dev["f1"] == 1.0 and result.dev["micro"]["f1"] == 1.0
    assert set(result.dev["per_label"]) == {"PER", "LOC"}
    assert result.train_tokens > 0 and result.tokens_per_s > 0
    # progress: steps with loss, lr, speed and ETA, and a dev report per epoch
    steps = [e for e in events if e.kind == "step"]
    assert steps and all(e.loss is not None and e.lr > 0 and e.eta_s is not None for e in steps)
    assert [e.kind for e in events].count("epoch") == 25 and events[-1].kind == "done"
    assert all(r.done == e.step and r.total == e.total_steps for r, e in zip(reports, events))
    # the model folder: safetensors model + tokenizer that load as a stock token classifier
    model_dir = pathlib.Path(result.model_dir)
    assert model_dir.is_relative_to(workbench_home)
    assert (model_dir / "model.safetensors").is_file() and (model_dir / "tokenizer.json").is_file()
    assert not list(model_dir.glob("*.bin"))
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    assert model.config.id2label[1] == "B-PER" and model.config.label2id["I-LOC"] == 4
    card = json.loads(pathlib.Path(result.card_path).read_text())
    assert card["labels"] == ["PER", "LOC"] and card["data"]["train"] == 20 and card["data"]["dev"] == 20
    assert card["metrics"]["dev"]["f1"] == 1.0 and card["device"] == result.device
    assert card["config"]["lr"] == 5e-3 and card["duration_s"] > 0 and card["base_model"] == str(tiny)
    # the store: one finished run with its curve points
    with Store(project) as store:
        (row,) = runs.list_runs(store)
        assert row.status == "done" and row.model_dir == result.model_dir and row.dev_score == 1.0
        points = runs.run_points(store, row.id)
        assert len(points["dev_f1"]["value"]) == 25 and points["train_loss"]["value"].size > 0
        assert points["train_loss"]["value"][-1] < points["train_loss"]["value"][0]


def test_sentiment_learns_the_giveaway_word_and_scores_test_once(tmp_path, tiny):
    project = tmp_path / "s.db"
    with Store.create(project, ["sentiment"], [], ["negative", "positive"]) as store:
        store.add_documents(toy_sentiment_docs(30))
        store.add_documents(toy_sentiment_docs(10, split="test", offset=30))
    result = train(config(project, tiny, task="sentiment", epochs=15))
    assert result.counts["dev_source"].startswith("10% hold-out")
    assert result.counts["train"] == 27 and result.counts["dev"] == 3 and result.counts["test"] == 10
    assert result.test["accuracy"] == 1.0
    assert result.test["confusion"] == [[5, 0], [0, 5]]
    assert set(result.dev) >= {"accuracy", "f1", "per_label", "macro", "confusion"}


def test_cancel_takes_effect_within_one_step(tmp_path, tiny):
    project = ner_project(tmp_path / "p.db")
    calls = {"n": 0}

    def cancelled() -> bool:   # asked once per batch: say yes at the 6th
        calls["n"] += 1
        return calls["n"] > 5

    with pytest.raises(Cancelled) as stopped:     # the one way a job says it was stopped
        train(config(project, tiny), cancelled=cancelled)
    result = stopped.value.partial               # the run is still a run: its result rides on it
    assert result.status == "cancelled" and result.steps == 5
    assert result.model_dir == "" and "no model saved" in result.message
    with Store(project) as store:
        assert [r.status for r in runs.list_runs(store)] == ["cancelled"]


def test_early_stopping_keeps_the_best_epoch(tmp_path, tiny):
    project = ner_project(tmp_path / "p.db")
    result = train(config(project, tiny, lr=1e-12, epochs=10, patience=2))
    assert result.status == "done" and result.message == "stopped early: no gain in dev F1 for 2 epochs"
    assert len(result.history) == 3 and result.best_epoch == 1
    assert result.epochs_done == 3


def test_patience_counts_epochs_without_a_real_gain():
    """The demo's run as reports: F1 1.000 from epoch 4 while the dev loss creeps toward zero.
    Every lower loss used to reset patience, so training went on for all planned epochs."""
    from workbench.training.evaluate import LOSS_MARGIN, Patience

    run = [(0.60, 0.300), (0.85, 0.150), (0.95, 0.080), (1.0, 0.050), (1.0, 0.044), (1.0, 0.041),
           (1.0, 0.039), (1.0, 0.037), (1.0, 0.036)]
    patience = Patience(2)
    kept, stopped_after = [], None
    for epoch, (score, loss) in enumerate(run, start=1):
        if patience.update({"score": score, "loss": loss}):
            kept.append(epoch)
        if patience.exhausted:
            stopped_after = epoch
            break
    # epoch 5 lowers the loss by 0.006 < LOSS_MARGIN: no progress; epoch 6 is 0.009 below epoch 4: none either
    assert LOSS_MARGIN > 0.009
    assert stopped_after == 6 and patience.bad_epochs == 2
    # which checkpoint to keep is a separate decision: the lowest loss on the tie still wins
    assert kept == [1, 2, 3, 4, 5, 6] and patience.best == {"score": 1.0, "loss": 0.041}


def test_patience_resets_on_a_score_gain_or_a_real_loss_gain_and_zero_never_stops():
    from workbench.training.evaluate import Patience

    patience = Patience(2)
    for score, loss in [(0.8, 0.5), (0.8, 0.45), (0.79, 0.40), (0.8, 0.48)]:
        patience.update({"score": score, "loss": loss})
    # a tie with a loss 0.05 lower is progress; a lower score is not, even with a lower loss
    assert patience.bad_epochs == 2 and patience.exhausted and patience.best == {"score": 0.8, "loss": 0.45}
    patience.update({"score": 0.81, "loss": 0.9})
    assert patience.bad_epochs == 0 and patience.best["score"] == 0.81
    never = Patience(0)
    for _ in range(10):
        never.update({"score": 1.0, "loss": 0.1})
    assert not never.exhausted


def test_flat_dev_score_stops_the_run_early_and_says_why(tmp_path, tiny):
    """Dev holds the training sentences, so F1 reaches 1.0 within a few epochs and stays there
    while the dev loss keeps falling a little: the run must stop, not use all 25 epochs."""
    project = ner_project(tmp_path / "p.db")
    reports = []
    result = train(config(project, tiny, epochs=25, patience=2), progress=reports.append)
    events = [r.detail for r in reports]
    assert result.status == "done"
    assert result.message == "stopped early: no gain in dev F1 for 2 epochs"
    assert result.epochs_done < 25 and len(result.history) < 25
    assert [h["f1"] for h in result.history[-3:]] == [1.0, 1.0, 1.0]
    assert result.dev["f1"] == 1.0 and result.best_epoch is not None
    assert any(e.kind == "status" and e.message == result.message for e in events)
    assert result.summary()["message"] == result.message     # what the CLI prints and --json carries
    with Store(project) as store:
        (row,) = runs.list_runs(store)
        assert row.metrics["summary"]["message"] == result.message


def test_nan_loss_stops_without_saving(tmp_path, tiny, workbench_home):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    weights = load_file(broken / "model.safetensors")
    key = next(k for k in weights if k.endswith("embeddings.LayerNorm.weight"))
    weights[key][0] = float("nan")
    save_file(weights, broken / "model.safetensors", metadata={"format": "pt"})
    project = ner_project(tmp_path / "p.db")
    with pytest.raises(TrainingDiverged, match="NaN"):
        train(config(project, broken))
    with Store(project) as store:
        (row,) = runs.list_runs(store)
        assert row.status == "failed" and "NaN" in row.error and row.model_dir == ""
        assert store.document_count() == 40
    assert not list((workbench_home / "runs").glob("*/model"))


def test_time_budget_shortens_the_schedule(tmp_path, tiny):
    project = ner_project(tmp_path / "p.db", n=40, dev_copy=False)
    result = train(config(project, tiny, epochs=400, time_budget_s=2.0, batch_size=2))
    assert result.status == "done"
    assert result.epochs_done < 400   # the plan cut the 400 requested epochs to what fits in 2 s (no wall-clock assertion)


def test_embedding_modes_all_train_and_save_stock_models(tmp_path, tiny):
    from transformers import AutoModelForTokenClassification

    project = ner_project(tmp_path / "p.db", n=10)
    for mode in ("sparse", "full", "frozen"):
        result = train(config(project, tiny, epochs=2, embeddings=mode))
        model = AutoModelForTokenClassification.from_pretrained(result.model_dir)
        assert type(model.get_input_embeddings()).__name__ == "Embedding"


def test_training_again_with_the_same_seed_gives_the_same_model(tmp_path, tiny):
    project = ner_project(tmp_path / "p.db")
    first, again = (train(config(project, tiny, epochs=3, seed=5, output_dir=tmp_path / f"r{i}")) for i in (1, 2))
    other = train(config(project, tiny, epochs=3, seed=6, output_dir=tmp_path / "r3"))
    weights = [load_file(pathlib.Path(r.model_dir) / "model.safetensors") for r in (first, again, other)]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert first.dev["loss"] == again.dev["loss"]
    assert not torch.equal(weights[0]["classifier.weight"], weights[2]["classifier.weight"])
