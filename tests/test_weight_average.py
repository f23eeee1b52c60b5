"""Weight averaging: the averaged weights are what is scored, kept and saved."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from workbench.errors import UserError
from workbench.inference.predictor import Predictor
from workbench.store import Store, queries
from workbench.training.averaging import WeightAverage
from workbench.training.config import TrainConfig, defaults_for
from workbench.training.loop import train
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_sentiment_docs


def test_average_follows_the_weights_and_swaps_back():
    layer = torch.nn.Linear(2, 1, bias=False)
    frozen = torch.nn.Linear(2, 1, bias=False)
    frozen.weight.requires_grad_(False)
    model = torch.nn.Sequential(layer, frozen)
    with torch.no_grad():
        layer.weight.fill_(0.0)
    avg = WeightAverage(model, decay=0.5, every=1)
    assert list(avg.average) == ["0.weight"]            # only what training changes
    for value in (1.0, 1.0, 3.0, 3.0):
        with torch.no_grad():
            layer.weight.fill_(value)
        avg.update()
    # only visited weights count (the untrained start, 0, does not):
    # (1/8 * 1 + 1/4 * 1 + 1/2 * 3 + 3) / (1/8 + 1/4 + 1/2 + 1)
    expected = 2.6
    assert avg.average["0.weight"][0, 0].item() == pytest.approx(expected)
    with avg.swapped_in():
        assert layer.weight[0, 0].item() == pytest.approx(expected)
    assert layer.weight[0, 0].item() == 3.0           # training goes on from its own weights
    state = avg.state()
    assert state["0.weight"].device.type == "cpu" and state["0.weight"] is not avg.average["0.weight"]


def test_folding_every_few_steps_is_the_same_average_while_the_weights_stand_still():
    def run(every: int) -> float:
        layer = torch.nn.Linear(1, 1, bias=False)
        with torch.no_grad():
            layer.weight.fill_(0.0)
        avg = WeightAverage(layer, decay=0.9, every=every)
        for value in (1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0):   # 9 steps: the last one is not folded yet
            with torch.no_grad():
                layer.weight.fill_(value)
            avg.update()
        return avg.state()["weight"].item()       # state() folds what is pending

    assert run(4) == pytest.approx(run(1))
    assert 1.0 < run(4) < 3.0


def test_a_short_run_averages_over_its_last_quarter():
    assert WeightAverage(torch.nn.Linear(1, 1), decay=0.99, total_steps=40).decay == pytest.approx(0.9)
    assert WeightAverage(torch.nn.Linear(1, 1), decay=0.99, total_steps=4000).decay == 0.99


def test_a_decay_outside_zero_to_one_is_refused(tmp_path):
    with pytest.raises(UserError, match="weight averaging"):
        TrainConfig(store_path=tmp_path / "p.db", task="sentiment", weight_average=1.5).check()
    with pytest.raises(ValueError):
        WeightAverage(torch.nn.Linear(1, 1), decay=1.0)


def test_sentiment_on_cpu_averages_by_default_and_ner_does_not():
    assert 0 < defaults_for("cpu", "sentiment").weight_average < 1
    assert defaults_for("cpu", "ner").weight_average == 0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), TOY_WORDS, hidden=32, layers=2)


def test_the_saved_model_is_the_averaged_one_that_was_scored(tmp_path, tiny):
    project = tmp_path / "s.db"
    with Store.create(project, ["sentiment"], [], ["negative", "positive"]) as store:
        store.add_documents(toy_sentiment_docs(30))
        store.add_documents(toy_sentiment_docs(10, split="dev", offset=30))
    base = dict(store_path=project, task="sentiment", base_model=str(tiny), epochs=12, batch_size=4, lr=5e-3,
                patience=0, seed=3, freeze_layers=0, output_dir=tmp_path / "runs",
                # fp32: on a CPU with a bf16 unit, auto scores dev under bf16 autocast, a loss that differs
                # from the fp32 Predictor's in the third digit; this test is about which weights are saved
                precision="fp32")
    plain = train(TrainConfig(**base, weight_average=0.0))
    averaged = train(TrainConfig(**base, weight_average=0.9))
    assert plain.status == averaged.status == "done" and averaged.config["weight_average"] == 0.9
    head = "classifier.weight"
    w_plain = load_file(pathlib.Path(plain.model_dir) / "model.safetensors")[head]
    w_avg = load_file(pathlib.Path(averaged.model_dir) / "model.safetensors")[head]
    assert not torch.allclose(w_plain, w_avg)       # same seed and data: only the averaging differs
    # the dev loss reported is the loss of the model on disk, not of the last raw weights
    with Store(project) as store:
        dev = list(queries.iter_documents(store, split="dev", task="sentiment"))
    for result in (plain, averaged):
        predicted = Predictor(pathlib.Path(result.model_dir), device="cpu").predict([d for d, _ in dev])
        loss = -np.mean([np.log(p.gold_probability(ann["sentiment"])) for p, (_, ann) in zip(predicted, dev)])
        assert loss == pytest.approx(result.dev["loss"], rel=1e-3)
    assert plain.dev["loss"] != pytest.approx(averaged.dev["loss"], rel=1e-3)
