"""Metrics, schedule, batching and time-budget arithmetic (no model)."""
from __future__ import annotations

import datasets
import pytest
import torch

from workbench.training.batching import Batcher
from workbench.tasks.metrics import class_report, entity_report, format_report
from workbench.training.schedule import LinearSchedule, steps_that_fit


def test_ner_report_is_entity_level_per_type_with_micro_and_macro():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-MISC", "I-MISC"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O", "B-MISC", "O"]]
    r = entity_report(gold, pred, "ner")
    assert r["per_label"]["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert r["per_label"]["LOC"]["recall"] == 0.0 and r["per_label"]["LOC"]["support"] == 1
    assert r["per_label"]["ORG"]["precision"] == 0.5 and r["per_label"]["ORG"]["recall"] == 1.0
    assert r["per_label"]["MISC"]["f1"] == 0.0   # a partly found entity counts as missed
    # micro: 2 right of 4 predicted and of 4 gold
    assert r["micro"]["precision"] == pytest.approx(0.5) and r["micro"]["recall"] == pytest.approx(0.5)
    assert r["f1"] == r["score"] == pytest.approx(0.5)
    assert r["macro"]["f1"] == pytest.approx((1.0 + 0 + 2 / 3 + 0) / 4)
    assert r["accuracy"] == pytest.approx(6 / 8)
    text = format_report(r)
    assert "micro avg" in text and "macro avg" in text and "PER" in text


def test_sentiment_report_accuracy_macro_f1_and_confusion():
    r = class_report([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], ["neg", "pos", "neu"], "sentiment")
    assert r["accuracy"] == pytest.approx(3 / 5)
    assert r["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert r["per_label"]["pos"]["precision"] == pytest.approx(2 / 3) and r["per_label"]["pos"]["recall"] == 1.0
    assert r["per_label"]["neu"]["f1"] == 0.0
    assert r["f1"] == pytest.approx((0.5 + 0.8 + 0) / 3)
    assert "confusion" in format_report(r)


def test_linear_schedule_warms_up_then_decays_to_zero():
    s = LinearSchedule(1.0, 100, 0.1)
    lrs = [s.lr(i) for i in range(100)]
    assert lrs[0] == pytest.approx(1 / 11) and max(lrs) == pytest.approx(1.0)
    assert all(a <= b for a, b in zip(lrs[:10], lrs[1:11]))
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:])) and lrs[-1] == pytest.approx(1 / 90)
    s.retarget(50, 20)
    assert s.lr(49) < s.lr(30) and s.lr(50) == 0.0


def test_steps_that_fit_counts_scoring_after_each_epoch():
    # 10 steps per epoch of 1 s, scoring 5 s: 100 s hold 6 epochs (60 + 30) + 9 more steps... minus the final scoring
    n = steps_that_fit(100, 0.0, 0, 1.0, 10, 5.0, 1000, margin=0.0)
    assert n == 65   # 6 epochs = 90 s; then 5 steps + a final scoring of 5 s = 100 s
    assert steps_that_fit(100, 0.0, 0, 1.0, 10, 5.0, 30, margin=0.0) == 30      # capped by the epochs asked for
    assert steps_that_fit(10, 9.5, 3, 1.0, 10, 5.0, 100, margin=0.0) == 3       # nothing more fits: stop now
    assert steps_that_fit(20, 9.5, 3, 1.0, 10, 5.0, 100, margin=0.0) == 8       # 5 steps + the final scoring


def test_length_grouped_batches_pad_little_and_cover_every_example():
    lengths = [3, 30, 4, 31, 5, 29, 6, 28] * 10
    ds = datasets.Dataset.from_dict({"input_ids": [[7] * n for n in lengths], "labels": [[1] * n for n in lengths],
                                     "length": lengths})
    b = Batcher(ds, "ner", pad_id=0)
    batches = b.train_batches(4, seed=1, epoch=0)
    assert sorted(i for bt in batches for i in bt) == list(range(80))
    assert max(lengths[i] for i in batches[0]) == 31   # the longest batch first
    assert all(max(lengths[i] for i in bt) - min(lengths[i] for i in bt) <= 3 for bt in batches)
    assert b.train_batches(4, seed=1, epoch=1) != batches
    inputs = b.collate(batches[1])
    n = max(lengths[i] for i in batches[1])
    assert inputs["input_ids"].shape == (4, n) and inputs["labels"].shape == (4, n)
    assert torch.equal(inputs["attention_mask"].sum(1), torch.tensor([lengths[i] for i in batches[1]]))
    assert (inputs["labels"][inputs["attention_mask"] == 0] == -100).all()


def test_smaller_length_groups_mix_lengths_and_still_cover_every_example():
    lengths = [3, 30, 4, 31, 5, 29, 6, 28] * 10
    ds = datasets.Dataset.from_dict({"input_ids": [[7] * n for n in lengths], "labels": [[1] * n for n in lengths],
                                     "length": lengths})
    b = Batcher(ds, "ner", pad_id=0)

    def spread(group: int) -> float:
        batches = b.train_batches(4, seed=1, epoch=0, group=group)
        assert sorted(i for bt in batches for i in bt) == list(range(80))
        return sum(max(lengths[i] for i in bt) - min(lengths[i] for i in bt) for bt in batches) / len(batches)

    assert spread(100) <= 3 < spread(2) < spread(1)   # a pool of one batch: batches as shuffled
