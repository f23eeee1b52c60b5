"""The bundled default base model (MiniLM) fine-tuned briefly on a CoNLL-2003 slice: the real path end to end."""
from __future__ import annotations

import json
import pathlib

import pytest

from shared_data import shared_file

pytestmark = pytest.mark.slow


def test_default_model_learns_conll_entities_briefly(tmp_path, workbench_home):
    from workbench.formats import import_file
    from workbench.store import Store
    from workbench.training.config import TrainConfig, defaults_for
    from workbench.training.loop import train

    train_txt = tmp_path / "train.txt"
    dev_txt = tmp_path / "dev.txt"
    train_txt.write_text(_first_sentences(shared_file("conll2003", "train.txt"), 400), encoding="utf-8")
    dev_txt.write_text(_first_sentences(shared_file("conll2003", "dev.txt"), 200), encoding="utf-8")
    project = tmp_path / "conll.db"
    with Store.create(project, ["ner"], ["LOC", "MISC", "ORG", "PER"]) as store:
        import_file(store, train_txt, "conll", split="train")
        import_file(store, dev_txt, "conll", split="dev")
    result = train(TrainConfig(store_path=project, task="ner", epochs=3, patience=0))
    assert result.status == "done" and result.counts["train"] == 400 and result.counts["dev"] == 200
    assert result.config["lr"] > 0 and result.config["batch_size"] == defaults_for("cpu", "ner").batch_size
    print({k: round(v["f1"], 3) for k, v in result.dev["per_label"].items()}, result.dev["f1"], result.train_seconds)
    # three short epochs on 400 sentences already find many people and places (a blank model: F1 near 0)
    assert result.dev["f1"] > 0.35, result.dev
    assert max(result.dev["per_label"]["PER"]["f1"], result.dev["per_label"]["LOC"]["f1"]) > 0.5
    card = json.loads(pathlib.Path(result.card_path).read_text())
    assert card["base_model"] == "default" and card["base_model_source"].endswith("model")
    # the saved folder is a stock token classifier that tags a new sentence
    from transformers import pipeline

    tagger = pipeline("token-classification", model=result.model_dir, aggregation_strategy="simple", device="cpu")
    found = {e["entity_group"] for e in tagger("John Smith flew from London to Berlin on Monday .")}
    assert "PER" in found or "LOC" in found


def _first_sentences(path: pathlib.Path, n: int) -> str:
    out, count, current = [], 0, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("-DOCSTART-"):
            if current:
                out += current + [""]
                current = []
                count += 1
                if count >= n:
                    break
            continue
        current.append(line)
    return "\n".join(out) + "\n"
