"""Byte dropout: the CPU's cheap dropout drops the share it says, keeps the expected value and
leaves a model that saves as a stock one."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from workbench.training.dropout import ByteDropout, use_byte_dropout
from tiny_bert import TOY_WORDS, make_tiny_bert


def test_drops_a_tenth_and_keeps_the_mean():
    torch.manual_seed(0)
    drop = ByteDropout(0.1).train()
    x = torch.ones(400, 1000)
    y = drop(x)
    dropped = float((y == 0).float().mean())
    assert dropped == pytest.approx(26 / 256, abs=0.003)     # 0.1 rounded to 1/256
    assert float(y.mean()) == pytest.approx(1.0, abs=0.005)  # kept values scaled up
    values = torch.unique(y).tolist()
    assert len(values) == 2 and values[0] == 0.0 and values[1] == pytest.approx(256 / 230)


def test_every_byte_of_the_random_words_is_used_evenly():
    torch.manual_seed(1)
    y = ByteDropout(0.5).train()(torch.ones(8 * 200_000)).view(-1, 8)
    shares = (y == 0).float().mean(0)
    assert torch.allclose(shares, torch.full((8,), 0.5), atol=0.005)


def test_off_in_eval_mode_and_at_zero_and_gradients_follow_the_mask():
    x = torch.randn(4, 7, requires_grad=True)
    assert torch.equal(ByteDropout(0.3).eval()(x), x)
    assert torch.equal(ByteDropout(0.0).train()(x), x)
    torch.manual_seed(2)
    y = ByteDropout(0.3).train()(x)
    y.sum().backward()
    kept = y != 0
    assert torch.allclose(x.grad[kept], torch.full_like(x.grad[kept], 256 / (256 - 77)))
    assert torch.all(x.grad[~kept] == 0)


def test_seeded_runs_draw_the_same_masks():
    drop = ByteDropout(0.1).train()
    torch.manual_seed(5)
    a = drop(torch.ones(1000))
    torch.manual_seed(5)
    assert torch.equal(a, drop(torch.ones(1000)))


def test_swaps_every_dropout_of_a_bert_and_keeps_its_probability(tmp_path):
    from transformers import AutoModelForSequenceClassification

    folder = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2)
    before = [m.p for m in model.modules() if isinstance(m, nn.Dropout)]
    assert use_byte_dropout(model) == len(before) > 0
    after = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    assert all(type(m) is ByteDropout for m in after) and [m.p for m in after] == before
    model.train()
    out = model(input_ids=torch.tensor([[2, 5, 6, 3]]), labels=torch.tensor([1]))
    out.loss.backward()
    assert torch.isfinite(out.loss)
