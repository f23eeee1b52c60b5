"""LoRA fine-tuning (training/lora.py) on a tiny BERT: what trains, the merge, and a LoRA run's
saved folder used as any other model (prediction, ONNX export)."""
from __future__ import annotations

import copy
import pathlib

import pytest
import torch
from safetensors.torch import load_file

from workbench.modeling.loading import merge_adapters
from workbench.training.config import TrainConfig
from workbench.training.loop import train
from workbench.training.lora import add_lora, finetune_mode, restore_fp32, store_frozen_compact
from test_training_loop import ner_project
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), TOY_WORDS, hidden=32, layers=2)


def token_classifier(tiny: pathlib.Path):
    from transformers import AutoModelForTokenClassification

    torch.manual_seed(0)
    return AutoModelForTokenClassification.from_pretrained(str(tiny), num_labels=5, trust_remote_code=False)


def test_lora_trains_adapters_and_the_head_only(tiny):
    model = token_classifier(tiny)
    full = {n for n, p in model.named_parameters() if p.requires_grad}
    assert add_lora(model, rank=4) == 2 * 6    # per block: query, key, value, attention output, two feed-forward
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n or n.startswith("classifier.") for n in trainable)
    assert {"classifier.weight", "classifier.bias"} <= set(trainable)
    adapters = sum(p.numel() for n, p in model.named_parameters() if "lora_" in n)
    assert adapters < sum(p.numel() for n, p in model.named_parameters() if n in full) / 2


def test_merging_keeps_the_outputs_and_leaves_plain_layers(tiny):
    model = token_classifier(tiny).eval()
    add_lora(model, rank=4)
    for name, p in model.named_parameters():   # as after training: the B matrices are no longer zero
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.5)
    ids = torch.tensor([[2, 10, 11, 12, 3]])
    before = model(input_ids=ids).logits
    assert merge_adapters(model) == 12
    after = model(input_ids=ids).logits
    assert torch.allclose(before, after, atol=1e-5) and not torch.allclose(before, token_classifier(tiny)(
        input_ids=ids).logits, atol=1e-3)
    assert not [n for n, _ in model.named_parameters() if "lora_" in n or "base_layer" in n]
    assert merge_adapters(model) == 0


def test_a_frozen_body_kept_in_bf16_computes_as_autocast_did_and_saves_in_fp32(tiny):
    model = token_classifier(tiny).eval()
    add_lora(model, rank=4)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.5)
    reference = copy.deepcopy(model)
    ids = torch.tensor([[2, 10, 11, 12, 3, 14]])
    assert store_frozen_compact(model, torch.bfloat16) > 0
    dtypes = {n: p.dtype for n, p in model.named_parameters()}
    assert dtypes["bert.encoder.layer.0.attention.self.query.base_layer.weight"] == torch.bfloat16
    assert dtypes["bert.embeddings.word_embeddings.weight"] == torch.bfloat16
    assert {d for n, d in dtypes.items() if p_trains(model, n) or "LayerNorm" in n} == {torch.float32}
    # a linear layer gives the very same result: autocast rounded its fp32 weight to bf16 anyway
    query, query_ref = (m.bert.encoder.layer[1].attention.self.query.base_layer for m in (model, reference))
    x = torch.randn(3, 32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert torch.equal(query(x), query_ref(x))
        logits, logits_ref = model(input_ids=ids).logits, reference(input_ids=ids).logits
    # the whole model only differs by the embedding tables' rounding (looked up outside autocast)
    assert torch.allclose(logits.float(), logits_ref.float(), atol=0.05)
    # and it trains: the adapters get fp32 gradients through the bf16 body
    with torch.autocast("cpu", dtype=torch.bfloat16):
        model(input_ids=ids).logits.float().sum().backward()
    grads = [p.grad for n, p in model.named_parameters() if "lora_A" in n]
    assert grads and all(g is not None and g.dtype == torch.float32 for g in grads)
    # before saving: fp32 again, then the merge folds the adapters in fp32
    restore_fp32(model)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    merge_adapters(model)
    merge_adapters(reference)
    assert torch.allclose(model(input_ids=ids).logits, reference(input_ids=ids).logits, atol=0.05)
    restore_fp32(model)    # a second call finds nothing to do


def p_trains(model, name: str) -> bool:
    return dict(model.named_parameters())[name].requires_grad


def test_auto_is_full_fine_tuning_and_a_choice_is_kept(tiny):
    model = token_classifier(tiny)
    assert finetune_mode("auto", model, "cpu") == "full"
    assert finetune_mode("lora", model, "cpu") == "lora" and finetune_mode("full", model, "cuda") == "full"


def test_lora_learns_at_three_times_the_automatic_learning_rate():
    ner = TrainConfig(pathlib.Path("p.db"), "ner")
    full = ner.resolved("cpu", 2000).lr
    assert TrainConfig(pathlib.Path("p.db"), "ner", finetune="lora").resolved("cpu", 2000).lr == pytest.approx(3 * full)
    assert TrainConfig(pathlib.Path("p.db"), "ner", finetune="lora", lr=1e-4).resolved("cpu", 2000).lr == 1e-4


def test_a_lora_run_saves_an_ordinary_model_that_predicts_and_exports(tmp_path, tiny):
    from transformers import AutoModelForTokenClassification

    from workbench.inference.onnx_export import export_onnx
    from workbench.inference.predictor import Predictor, as_document

    project = ner_project(tmp_path / "p.db")
    config = TrainConfig(store_path=project, task="ner", base_model=str(tiny), epochs=25, batch_size=4, lr=5e-3,
                         patience=0, seed=3, finetune="lora", lora_rank=8, freeze_layers=0)
    result = train(config)
    assert result.status == "done" and result.config["finetune"] == "lora"
    assert result.dev["f1"] >= 0.9
    folder = pathlib.Path(result.model_dir)
    tensors = load_file(str(folder / "model.safetensors"))
    assert tensors and not [k for k in tensors if "lora_" in k or "base_layer" in k]
    assert {t.dtype for t in tensors.values()} == {torch.float32}   # bf16 training or not
    _, info = AutoModelForTokenClassification.from_pretrained(str(folder), output_loading_info=True,
                                                              trust_remote_code=False)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    # the saved folder predicts what the run scored: the training sentences' names are found
    doc = toy_ner_docs(1)[0]
    (prediction,) = Predictor(folder, device="cpu").predict([as_document(doc.text, 1)])
    assert [(s.start, s.end, s.label) for s in prediction.spans] == [(s.start, s.end, s.label) for s in doc.spans]
    report = export_onnx(folder, tmp_path / "onnx")
    assert report.ok and (tmp_path / "onnx" / "model.onnx").is_file()
