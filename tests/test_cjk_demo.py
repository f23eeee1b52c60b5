"""The Chinese demo (``--demo zh``): generated reviews whose spans sit on the labeling screen's
tokens, labeled splits that can score a run, and a note that the default model cannot learn it."""
from __future__ import annotations

import pytest

from workbench.demo import DEMO_NOTES, demo_path, ensure_demo_project
from workbench.demo_zh import demo_zh_documents
from workbench.spans import tokenize
from workbench.store import Store
from workbench.training.runs import labeled_counts


def test_zh_demo_is_chinese_with_entities_on_character_tokens():
    docs = demo_zh_documents()
    assert docs == demo_zh_documents()                      # the same every time
    labeled = [d for d in docs if d.spans]
    assert len(labeled) == len(docs) // 3
    labels = {s.label for d in labeled for s in d.spans}
    assert labels == {"PER", "ORG", "PRODUCT", "LOC"}
    assert {d.classes["sentiment"] for d in labeled} == {"negative", "neutral", "positive"}
    product = next(s for d in labeled for s in d.spans if s.label == "PRODUCT" and "Pad" in d.text[s.start:s.end])
    text = next(d.text for d in labeled if product in d.spans)
    assert [t.text for t in tokenize(text[product.start:product.end])] == ["青", "禾", "Pad", "2"]


def test_zh_demo_project_opens_beside_the_english_one(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    assert demo_path("zh").name == "demo-zh.db" and demo_path("zh").parent == demo_path("en").parent
    path = ensure_demo_project(lang="zh")
    assert path == demo_path("zh") and not demo_path("en").exists()
    with Store(path) as store:
        assert "Chinese" in store.name
        for task in ("ner", "sentiment"):
            c = labeled_counts(store, task)
            assert c["train"] >= 25 and c["dev"] >= 8 and c["test"] >= 8, (task, c)
    assert "cannot learn" in DEMO_NOTES["zh"] and "model folder" in DEMO_NOTES["zh"]
    with pytest.raises(ValueError, match="no demo in 'fr'"):
        ensure_demo_project(tmp_path / "x.db", lang="fr")
