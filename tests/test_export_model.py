"""``export-model``: a run as a Hugging Face folder that ``transformers.pipeline`` loads and that
agrees with the app on the dev split; its model card; the folders it refuses to write into."""
from __future__ import annotations

import json
import pathlib

import pytest

from inference_support import one_cpu, trained
from runs_support import cli
from serving_support import plain_runs
from workbench.errors import UserError


def _dev_docs(project: pathlib.Path, task: str) -> list:
    from workbench.store import Store, queries

    with Store(project) as store:
        return [doc for doc, _ in queries.iter_documents(store, split="dev", task=task)]


def _export(out: pathlib.Path, task: str, **kwargs):
    from workbench.serving.export_model import export_model

    built = plain_runs()
    with one_cpu():
        return export_model(built["project"], built[task].run_id, out, **kwargs)


def test_ner_folder_loads_in_the_pipeline_and_agrees_with_the_app(tmp_path):
    from transformers import pipeline

    from workbench.inference.predictor import Predictor
    from workbench.serving.pipeline_check import app_items, pipeline_items
    from workbench.tasks import get
    from workbench.tasks.base import Head

    built = plain_runs()
    done = _export(tmp_path / "ner-model", "ner")
    out = done.path
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "O", "1": "B-PER", "2": "I-PER", "3": "B-ORG", "4": "I-ORG", "5": "B-LOC",
                                  "6": "I-LOC"}
    assert config["label2id"]["B-LOC"] == 5
    for name in ("model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"):
        assert (out / name).is_file(), name
    assert not list(out.glob("*.bin")) and not (out / "onnx").exists()

    docs = _dev_docs(built["project"], "ner")
    with one_cpu():
        app = Predictor(built["ner"].model_dir, device="cpu").predict(docs)
        pipe = pipeline("token-classification", model=str(out), aggregation_strategy="simple", device="cpu",
                        trust_remote_code=False)
        theirs = pipe([d.text for d in docs])
    spec = get("ner")
    mine = [app_items(spec, p) for p in app]
    found = [pipeline_items(o, Head.TOKEN) for o in theirs]
    union = sum(len(a | b) for a, b in zip(mine, found))
    same = sum(len(a & b) for a, b in zip(mine, found))
    assert union >= 2 * len(docs)          # the model finds entities: the comparison means something
    assert same / union >= 0.99, (same, union)
    # the export measured the same thing and says so in its card
    assert done.agreement is not None and done.agreement.share >= 0.99 and done.agreement.unit == "spans"
    assert f"{done.agreement.share:.1%} of spans the same" in (out / "README.md").read_text()


def test_sentiment_folder_loads_in_the_pipeline_and_agrees_with_the_app(tmp_path):
    from transformers import pipeline

    from workbench.inference.predictor import Predictor

    built = plain_runs()
    out = _export(tmp_path / "sentiment-model", "sentiment").path
    docs = _dev_docs(built["project"], "sentiment")
    with one_cpu():
        app = [p.label for p in Predictor(built["sentiment"].model_dir, device="cpu").predict(docs)]
        pipe = pipeline("text-classification", model=str(out), device="cpu", trust_remote_code=False)
        theirs = [o["label"] for o in pipe([d.text for d in docs])]
    assert set(app) == {"negative", "positive"}
    assert sum(a == b for a, b in zip(app, theirs)) / len(docs) >= 0.99


def test_the_model_card_says_what_the_model_is_and_how_good(tmp_path):
    built = plain_runs()
    done = _export(tmp_path / "card", "ner")
    card = (done.path / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: transformers\npipeline_tag: token-classification\n")
    report = built["ner"].dev
    for label in ("PER", "ORG", "LOC"):
        assert f"| {label} | {report['per_label'][label]['precision']:.4f} |" in card
    counts = built["ner"].counts
    assert f"{counts['train']:,} train, {counts['dev']:,} dev" in card
    for words in ("## Intended use and limits", "## Training settings", "aggregation_strategy", "| base model |",
                  f"run #{done.run_id}", '"word_case": false'):
        assert words in card, words
    assert str(built["project"]) not in card and str(built["base"]) not in card   # the trainer's paths stay home
    assert done.notes == []


def test_a_word_case_model_is_exported_with_a_note_on_what_the_pipeline_misses(tmp_path):
    built = trained()           # the inference tests' NER run: word case on (a lowercasing tokenizer)
    r = cli("export-model", built["project"], tmp_path / "cased", "--run", built["ner"].run_id, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "note: It was trained with each word's case as its token-type id" in r.stderr
    assert "transformers.pipeline on the exported folder vs the app, dev split:" in r.stdout
    card = (tmp_path / "cased" / "README.md").read_text()
    assert "### Needs the app's encoding" in card and "token_type_ids" in card


def test_onnx_files_go_in_the_same_folder(tmp_path):
    import numpy as np
    import onnxruntime as ort

    out = _export(tmp_path / "with-onnx", "sentiment", onnx=True, check_docs=0).path
    session = ort.InferenceSession(str(out / "onnx" / "model_quantized.onnx"), providers=["CPUExecutionProvider"])
    logits = session.run(["logits"], {"input_ids": np.array([[2, 7, 3]]), "attention_mask": np.ones((1, 3),
                                                                                                   dtype=np.int64)})[0]
    assert logits.shape == (1, 2)
    assert (out / "onnx" / "model.onnx").stat().st_size > (out / "onnx" / "model_quantized.onnx").stat().st_size
    assert "onnx/model_quantized.onnx" in (out / "README.md").read_text()


def test_a_folder_that_is_not_an_earlier_export_is_never_written_into(tmp_path):
    built = plain_runs()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="theirs"):
        _export(theirs, "ner", check_docs=0)
    assert sorted(p.name for p in theirs.iterdir()) == ["notes.txt"]
    with pytest.raises(UserError):
        _export(built["project"], "ner", check_docs=0)      # the project file itself
    # an earlier export is replaced only when asked, and then only its own files
    first = _export(tmp_path / "again", "ner", check_docs=0).path
    (first / "keep.txt").write_text("the user's")
    with pytest.raises(UserError, match="overwrite"):
        _export(first, "ner", check_docs=0)
    _export(first, "ner", check_docs=0, overwrite=True)
    assert (first / "keep.txt").read_text() == "the user's" and (first / "model.safetensors").is_file()


def test_cli_refuses_a_run_that_is_not_there(tmp_path):
    built = plain_runs()
    r = cli("export-model", built["project"], tmp_path / "x", "--run", 999)
    assert r.returncode == 1 and "no run 999" in r.stderr
    assert not (tmp_path / "x").exists()
