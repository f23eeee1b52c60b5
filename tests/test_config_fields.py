"""The training configuration is declared once (TrainConfig's field metadata), and the command
line, the k-fold settings and training bundles all read that one declaration.

The knobs' side (the Train screen's Advanced drawer) is tests/ui/test_train_knobs.py.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib

import pytest

from workbench.cli import build_parser
from workbench.errors import UserError
from workbench.modeling.device import DEVICES
from workbench.training import config_fields
from workbench.training.bundle import bundle_config
from workbench.training.config import TrainConfig, setting

P = pathlib.Path("p.db")


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args([str(a) for a in argv])


def from_train(*flags: str) -> TrainConfig:
    """The config ``workbench-cli train p.db FLAGS`` trains with."""
    args = parse("train", P, *flags)
    return TrainConfig(store_path=P, **config_fields.values(args, "train"))


def options(command: str) -> dict[str, argparse.Action]:
    """The command's options by flag (``suspicious`` for the k-fold ones)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {o: a for a in sub.choices[command]._actions for o in a.option_strings}


def test_every_setting_a_user_may_change_has_a_flag_on_train_and_a_knob_or_a_reason():
    train = {a.dest for a in options("train").values()}
    for f in dataclasses.fields(TrainConfig):
        s = setting(f.name)
        if s.internal:   # not a user's setting: no flag anywhere, and the reason is written down
            assert f.name not in train and not s.knob, f.name
            continue
        assert f.name in train, f"TrainConfig.{f.name} has no flag on train"
        assert config_fields.flag(f.name) in options("train"), f.name
        assert s.help, f"TrainConfig.{f.name} has no help text"
        assert bool(s.knob) != bool(s.no_knob), f"TrainConfig.{f.name}: a knob, or the reason it has none"
        if s.knob:
            assert s.knob in ("basic", "advanced") and s.label, f.name
        assert set(s.commands) <= set(config_fields.COMMANDS), f.name


def test_auto_is_none_and_is_typed_as_auto_on_the_command_line():
    """"auto" is one value everywhere: None in the config, the word on the command line."""
    assert from_train("--task", "ner", "--dropout", "auto").dropout is None
    assert from_train("--task", "ner").dropout is None
    for name in config_fields.names("train"):
        if config_fields.takes_none_word(name):
            word = setting(name).none_word
            assert getattr(from_train("--task", "ner", config_fields.flag(name), word), name) is None, name
    # the words that mean something else keep their meaning: -1 is the base model's own dropout
    assert from_train("--task", "ner", "--dropout", "-1").dropout == -1.0
    assert from_train("--task", "ner", "--max-eval-docs", "0").max_eval_docs is None


def test_todays_flags_keep_their_names_and_meanings():
    """Every flag these commands had before the settings were declared once (scripts, the README,
    docs/training-defaults.md use them)."""
    cfg = from_train("--task", "sentiment", "--base-model", "m", "--epochs", "3", "--batch-size", "8", "--lr", "5e-5",
                     "--max-length", "64", "--max-train-docs", "100", "--seed", "7", "--device", "cpu",
                     "--time-budget", "90", "--warmup-ratio", "0.1", "--weight-decay", "0", "--grad-accum", "2",
                     "--patience", "0", "--embeddings", "full", "--dropout", "-1", "--freeze-layers", "0",
                     "--head-lr-scale", "2", "--weight-average", "0", "--length-group", "1", "--max-eval-docs", "0",
                     "--output-dir", "runs", "--precision", "fp32", "--no-word-case", "--pooling", "mean")
    assert cfg == TrainConfig(
        P, "sentiment", base_model="m", epochs=3, batch_size=8, lr=5e-5, max_length=64, max_train_docs=100, seed=7,
        device="cpu", time_budget_s=90.0, warmup_ratio=0.1, weight_decay=0.0, grad_accum=2, patience=0,
        embeddings="full", dropout=-1.0, freeze_layers=0, head_lr_scale=2.0, weight_average=0.0, length_group=1,
        max_eval_docs=None, output_dir=pathlib.Path("runs"), precision="fp32", word_case=False, pooling="mean")
    args = parse("export-bundle", P, "out", "--task", "ner", "--base-model", "m", "--epochs", "3", "--batch-size", "4",
                 "--lr", "0.005", "--max-length", "32", "--max-train-docs", "9", "--seed", "1", "--overwrite")
    assert config_fields.values(args, "export-bundle") == {
        "task": "ner", "base_model": "m", "epochs": 3, "batch_size": 4, "lr": 0.005, "max_length": 32,
        "max_train_docs": 9, "seed": 1}
    args = parse("train-bundle", "b", "--output-dir", "o", "--epochs", "2", "--batch-size", "4", "--lr", "0.01",
                 "--max-length", "32", "--seed", "3", "--device", "cpu", "--patience", "0", "--precision", "bf16")
    assert config_fields.values(args, "train-bundle") == {
        "output_dir": pathlib.Path("o"), "epochs": 2, "batch_size": 4, "lr": 0.01, "max_length": 32, "seed": 3,
        "device": "cpu", "patience": 0, "precision": "bf16"}
    args = parse("suspicious", P, "--task", "ner", "--method", "kfold", "--folds", "4", "--base-model", "m",
                 "--epochs", "2", "--time-budget", "30", "--device", "cpu")
    assert args.folds == 4
    assert config_fields.values(args, "k-fold") == {"base_model": "m", "epochs": 2, "time_budget_s": 30.0,
                                                     "device": "cpu"}


def test_train_bundle_takes_every_device_including_mps():
    assert config_fields.values(parse("train-bundle", "b", "--device", "mps"), "train-bundle") == {"device": "mps"}
    for command in ("train", "train-bundle", "suspicious"):
        assert tuple(options(command)["--device"].choices) == DEVICES, command
    with pytest.raises(SystemExit):
        parse("train-bundle", "b", "--device", "tpu")


def test_a_config_survives_the_command_line_unchanged():
    """TrainConfig -> flags -> TrainConfig, with a value other than the default for every setting."""
    changed = dict(
        task="sentiment", base_model="/models/bert base", from_run=7, epochs=5, time_budget_s=90.5, lr=1.5e-05,
        batch_size=3,
        max_length=77, warmup_ratio=0.25, weight_decay=0.0, grad_accum=4, patience=0, seed=0, freeze_layers=2,
        dropout=-1.0, weight_average=0.995, embeddings="frozen", method="fewshot", finetune="lora", lora_rank=4,
        word_case=False,
        device="mps", grad_clip=0.5,
        head_lr_scale=3.0, length_group=1, precision="bf16", pooling="cls", max_train_docs=12, dev_fraction=0.25,
        max_eval_docs=None, output_dir=pathlib.Path("/tmp/runs"))
    assert set(changed) == set(config_fields.names("train")), "give every setting a value here"
    config = TrainConfig(P, **changed)
    assert from_train(*config_fields.to_args(config)) == config
    plain = TrainConfig(P, "ner")
    assert config_fields.to_args(plain) == ["--task=ner"]
    assert from_train(*config_fields.to_args(plain)) == plain
    # the other commands offer a part, and read it back the same way
    for command in ("export-bundle", "train-bundle", "k-fold"):
        argv = {"export-bundle": ["export-bundle", P, "out"], "train-bundle": ["train-bundle", "b"],
                "k-fold": ["suspicious", P, "--task", "ner", "--method", "kfold"]}[command]
        given = config_fields.values(parse(*argv, *config_fields.to_args(config, command)), command)
        assert given == {n: changed[n] for n in config_fields.names(command)}, command


def test_kfold_settings_are_the_kfold_flags():
    from workbench.inference.suspicious import KFoldSettings

    args = parse("suspicious", P, "--task", "ner", "--method", "kfold", "--folds", "4", "--epochs", "2",
                 "--lr", "0.001", "--device", "cpu", "--dropout", "auto", "--seed", "5", "--freeze-layers", "0")
    settings = KFoldSettings(k=args.folds, **config_fields.values(args, "k-fold"))
    assert settings.k == 4 and settings.seed == 5
    copy, out = pathlib.Path("fold1.db"), pathlib.Path("runs1")
    assert settings.fold_config(copy, "ner", 1, out) == TrainConfig(
        copy, "ner", epochs=2, lr=0.001, device="cpu", dropout=None, seed=6, freeze_layers=0, output_dir=out)
    assert KFoldSettings().seed == TrainConfig(P, "ner").seed
    with pytest.raises(TypeError, match="output_dir"):   # a fold's runs go to its own temporary folder
        KFoldSettings(output_dir=out)
    with pytest.raises(TypeError, match="train_overrides"):
        KFoldSettings(train_overrides={"dropout": 0.0})


# What `export-bundle` wrote into bundle.json before the settings were declared once.
OLD_BUNDLE_CONFIG = json.loads(
    '{"task": "ner", "base_model": "default", "epochs": 7, "batch_size": 4, "lr": 0.005, "max_length": 64, '
    '"warmup_ratio": null, "weight_decay": 0.01, "grad_clip": 1.0, "grad_accum": 1, "patience": 2, "seed": 21, '
    '"time_budget_s": null, "embeddings": "sparse", "dropout": null, "freeze_layers": null, "head_lr_scale": null, '
    '"weight_average": null, "length_group": null, "dev_fraction": 0.1, "max_eval_docs": 1000, "min_docs": 5, '
    '"precision": "auto", "word_case": true, "pooling": "auto"}')


def test_a_bundle_written_before_still_loads(tmp_path):
    meta = {"task": "ner", "base_model": "default", "base_model_dir": None, "config": OLD_BUNDLE_CONFIG}
    config = bundle_config(tmp_path, meta, output_dir=tmp_path / "runs")
    assert config == TrainConfig(tmp_path / "bundle.json", "ner", epochs=7, batch_size=4, lr=0.005, max_length=64,
                                 seed=21, output_dir=tmp_path / "runs")
    # the command line's settings replace the bundle's; "auto" (None) too
    config = bundle_config(tmp_path, meta, epochs=None, device="mps", seed=3)
    assert (config.epochs, config.device, config.seed, config.lr) == (None, "mps", 3, 0.005)
    # what a bundle carries is what it wrote (the project- and machine-bound settings stay home)
    # (and the settings added since: LoRA, few-shot)
    added = {"finetune": "auto", "lora_rank": 16, "method": "auto"}
    assert set(config_fields.carried()) == set(OLD_BUNDLE_CONFIG) | set(added)
    assert config_fields.bundle_values(TrainConfig(P, "ner", epochs=7, batch_size=4, lr=0.005, max_length=64,
                                                   max_train_docs=50, seed=21)) == {**OLD_BUNDLE_CONFIG, **added}
    # a key a later version added is left out; one a person edited in from the project side is ignored
    newer = {**OLD_BUNDLE_CONFIG, "label_smoothing": 0.1, "store_path": "/elsewhere/p.db", "device": "cuda"}
    config = bundle_config(tmp_path, {**meta, "config": newer})
    assert config.store_path == tmp_path / "bundle.json" and config.device == "auto"
    # a local base model copied into the bundle is found there
    assert bundle_config(tmp_path, {**meta, "base_model_dir": "base_model"}).base_model == str(tmp_path / "base_model")


@pytest.mark.parametrize("key,value,says", [
    ("epochs", "7", "epochs must be a whole number or null"),
    ("epochs", True, "epochs must be a whole number"),
    ("lr", [0.1], "lr must be a number"),
    ("word_case", 1, "word_case must be true or false"),
    ("embeddings", "some", "embeddings must be one of sparse, full, frozen"),
    ("patience", None, "patience must be a whole number \\(got None\\)"),
])
def test_a_bundle_config_of_the_wrong_type_is_refused_with_its_place(tmp_path, key, value, says):
    meta = {"task": "ner", "config": {**OLD_BUNDLE_CONFIG, key: value}}
    with pytest.raises(UserError, match=f"bundle.json: config: {says}"):
        bundle_config(tmp_path, meta)
    with pytest.raises(UserError, match="'config' must be an object"):
        bundle_config(tmp_path, {"task": "ner", "config": [1, 2]})


def test_the_descriptions_of_auto_name_the_measured_figures():
    assert config_fields.describe_auto("max_length") == "CPU 128, GPU 256"
    batch = config_fields.describe_auto("batch_size")
    for task in config_fields.task_names():
        assert task in batch
    # a description without figures says in words what auto does
    assert config_fields.describe_auto("epochs") == setting("epochs").auto
    assert "(default: auto = " in " ".join(options("train")["--dropout"].help.split())
