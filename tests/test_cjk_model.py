"""A Chinese base model (a tiny BERT with a character vocabulary, made here) works like the
default one: its pieces line up with the labeling screen's per-character words."""
from __future__ import annotations

import pytest

from workbench.spans import Span, bio_label_names, spans_to_bio, tokenize
from workbench.tasks.base import IGNORE, Example
from workbench.training.data import encode

NAMES = bio_label_names(["PER", "LOC", "ORG", "PRODUCT"])
L2I = {n: i for i, n in enumerate(NAMES)}
X = IGNORE
CHARS = list("张三李四王五赵六在北京上海深圳的华为小米腾讯公司工作。今天听说发布售价元东京タワーに行きました，好")


@pytest.fixture(scope="module")
def zh_folder(tmp_path_factory):
    from tiny_bert import make_tiny_bert

    # kana as word-continuation pieces too, as in multilingual vocabularies: BERT keeps a kana run as one word
    return make_tiny_bert(tmp_path_factory.mktemp("zh"), [*CHARS, "iphone"], pieces=["##" + c for c in "タワーにきました"])


@pytest.fixture(scope="module")
def tokenizer(zh_folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(zh_folder, trust_remote_code=False)


def _row(tokenizer, text, spans):
    words = tokenize(text)
    ex = Example(1, text, words, spans_to_bio(words, spans))
    row = encode([ex], tokenizer, "ner", L2I, 64)[0]
    return tokenizer.convert_ids_to_tokens(row["input_ids"]), row["labels"], row["word_index"], row["gold"]


def test_each_chinese_character_is_a_piece_with_its_label(tokenizer):
    text = "张三在北京的华为公司工作。"
    pieces, labels, word_index, gold = _row(tokenizer, text, [Span(0, 2, "PER"), Span(3, 5, "LOC"),
                                                              Span(6, 10, "ORG")])
    assert pieces == ["[CLS]", *text, "[SEP]"]
    b, i = L2I["B-PER"], L2I["I-PER"]
    assert labels[:4] == [X, b, i, 0] and labels[-1] == X
    assert word_index == list(range(len(text)))
    assert gold == [L2I[t] for t in spans_to_bio(tokenize(text), [Span(0, 2, "PER"), Span(3, 5, "LOC"),
                                                                   Span(6, 10, "ORG")])]


def test_mixed_text_latin_word_number_and_characters(tokenizer):
    text = "iPhone 15在上海发布"
    pieces, labels, word_index, _ = _row(tokenizer, text, [Span(0, 9, "PRODUCT"), Span(10, 12, "LOC")])
    # "15" is two pieces (1, ##5): only the first carries the word's tag
    assert pieces == ["[CLS]", "iphone", "1", "##5", "在", "上", "海", "发", "布", "[SEP]"]
    assert labels == [X, L2I["B-PRODUCT"], L2I["I-PRODUCT"], X, 0, L2I["B-LOC"], L2I["I-LOC"], 0, 0, X]
    assert word_index == [0, 1, 2, 3, 4, 5, 6]


def test_japanese_kana_in_the_vocabulary_are_pieces_of_their_own_words(tokenizer):
    # BERT splits Han characters off but keeps a kana run ("タワーに") as one word; its pieces
    # start at each character, so every kana word of the labeling screen gets its label
    text = "東京タワーに行きました"
    pieces, labels, word_index, _ = _row(tokenizer, text, [Span(0, 5, "LOC")])
    assert word_index == list(range(len(text)))
    assert labels[1:6] == [L2I["B-LOC"]] + [L2I["I-LOC"]] * 4


# ---- a Chinese model folder trains, predicts, explains and exports like the default one ----
PEOPLE = ["张三", "李四", "王五", "赵六"]
ORGS = ["华为", "小米", "腾讯"]
PLACES = ["北京", "上海", "深圳"]


def zh_sentence(rng):
    """A template sentence such as 张三在北京的华为公司工作。 with its spans."""
    person, place, org = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(ORGS)
    lead = rng.choice(["", "今天", "听说"])
    text = f"{lead}{person}在{place}的{org}公司工作。"
    p, c, o = len(lead), len(lead) + len(person) + 1, len(lead) + len(person) + 1 + len(place) + 1
    return text, [Span(p, p + len(person), "PER"), Span(c, c + len(place), "LOC"), Span(o, o + len(org), "ORG")]


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory, zh_folder):
    import random

    from inference_support import train_run
    from workbench.store import NewDocument, Store

    root = tmp_path_factory.mktemp("zh_run")
    rng = random.Random(0)
    docs = []
    for i in range(120):
        text, spans = zh_sentence(rng)
        docs.append(NewDocument(text, spans=spans, split="train" if i < 100 else "dev"))
    with Store.create(root / "zh.db", ["ner"], ["PER", "LOC", "ORG"]) as store:
        store.add_documents(docs)
    return root / "zh.db", train_run(root / "zh.db", "ner", zh_folder, root / "runs")


def test_the_english_default_model_is_flagged_and_the_chinese_one_is_not(zh_run, zh_folder, capsys):
    from workbench.commands.train import warn_unknown_text
    from workbench.training.vocab_check import project_vocab_fit
    from workbench.training.config import TrainConfig

    project, _ = zh_run
    default = project_vocab_fit(project, "ner", "default")
    assert not default.fits and default.script == "Chinese" and default.share > 0.3
    assert "does not know" in default.warning() and "bert-base-chinese" in default.warning()
    chinese = project_vocab_fit(project, "ner", str(zh_folder))
    assert chinese.fits and chinese.unknown_chars == 0 and chinese.warning() == ""
    # a hub id is not downloaded to be checked
    assert project_vocab_fit(project, "ner", "bert-base-chinese") is None
    # the CLI says so before a run, on stderr
    warn_unknown_text(TrainConfig(project, "ner", base_model="default"))
    assert capsys.readouterr().err.startswith("warning: The base model does not know")
    warn_unknown_text(TrainConfig(project, "ner", base_model=str(zh_folder)))
    assert capsys.readouterr().err == ""


def test_a_chinese_run_predicts_entities_inside_a_sentence(zh_run):
    from workbench.inference.predictor import Predictor, as_document

    _, result = zh_run
    assert result.status == "done" and result.dev["f1"] > 0.9, result.dev
    pred = Predictor(result.model_dir, device="cpu").predict_one(as_document("听说李四在深圳的腾讯公司工作。"))
    assert [(s.span.label, "听说李四在深圳的腾讯公司工作。"[s.span.start:s.span.end]) for s in pred.spans] == [
        ("PER", "李四"), ("LOC", "深圳"), ("ORG", "腾讯")]


def test_a_chinese_run_explains_per_character(zh_run):
    from workbench.inference.explain import attention, attribution
    from workbench.inference.predictor import Predictor, as_document

    _, result = zh_run
    pred = Predictor(result.model_dir, device="cpu")
    text = "王五在上海的小米公司工作。"
    att = attention(pred, as_document(text), word=3)
    assert [w.text for w in att.words] == list(text) and att.label == "B-LOC"
    assert att.scores.shape == (len(text),) and abs(att.scores.sum() + att.special - 1) < 1e-3
    ig = attribution(pred, as_document(text), word=0, steps=16)
    assert ig.label == "B-PER" and ig.scores.shape == (len(text),)


def test_a_chinese_run_exports_to_onnx_matching_torch(zh_run, tmp_path):
    from workbench.inference.onnx_export import export_onnx

    _, result = zh_run
    report = export_onnx(result.model_dir, tmp_path / "onnx", samples=["张三在北京的华为公司工作。", "iPhone 15在上海发布"])
    assert report.ok and report.max_abs_diff < 1e-3
    assert (tmp_path / "onnx" / "model.onnx").is_file()
