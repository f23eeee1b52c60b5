"""An uncased base model still sees capitals: word case as input (casing.py), and BIO decoding."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

from workbench.spans import Span, tokenize
from workbench.store import NewDocument, Store
from workbench.tag_decoding import decode_bio
from workbench.modeling.casing import CAPITALIZED, LOWER, NONE, UPPER, piece_cases, word_case
from workbench.training.config import TrainConfig
from workbench.training.loop import train
from tiny_bert import CITIES, NAMES, TOY_WORDS, make_tiny_bert


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> pathlib.Path:
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), TOY_WORDS, hidden=32, layers=2)


def test_word_shapes():
    assert [word_case(w) for w in ("apple", "Apple", "IBM", "I", "McDonald", "iPhone", "3.5", "-", "U.S")] == \
        [LOWER, CAPITALIZED, UPPER, CAPITALIZED, CAPITALIZED, LOWER, NONE, NONE, UPPER]


def test_every_piece_gets_the_case_of_its_word(tiny):
    from workbench.modeling.loading import load_tokenizer

    tok = load_tokenizer(str(tiny))
    text = "Lena visited BRNO ."
    enc = tok(text, return_offsets_mapping=True, return_special_tokens_mask=True)
    pieces = tok.convert_ids_to_tokens(enc["input_ids"])
    cases = piece_cases(tokenize(text), enc["offset_mapping"], enc["special_tokens_mask"])
    assert pieces == ["[CLS]", "lena", "visited", "b", "##r", "##n", "##o", ".", "[SEP]"]
    assert cases == [NONE, CAPITALIZED, LOWER, UPPER, UPPER, UPPER, UPPER, NONE, NONE]


def case_only_project(path: pathlib.Path, n: int = 24) -> pathlib.Path:
    """Half the sentences name a person and a city with capitals; the other half are the same
    words in lower case, with no entity: only the case tells them apart."""
    docs = []
    for i in range(n):
        name, city = NAMES[(i // 2) % len(NAMES)], CITIES[(i // 2 * 3) % len(CITIES)]   # each pair: same words
        if i % 2 == 0:
            name, city = name.title(), city.title()
        text = f"{name} visited {city} ."
        spans = [Span(0, len(name), "PER"), Span(len(name) + 9, len(name) + 9 + len(city), "LOC")] if i % 2 == 0 else []
        docs.append(NewDocument(text=text, split="train", spans=spans))
    with Store.create(path, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(docs)
        store.add_documents([NewDocument(text=d.text, split="dev", spans=d.spans) for d in docs])
    return path


def test_an_uncased_model_learns_names_that_only_capitals_mark(tmp_path, tiny):
    project = case_only_project(tmp_path / "case.db")
    base = dict(store_path=project, task="ner", base_model=str(tiny), epochs=30, batch_size=4, lr=5e-3,
                patience=0, seed=3, dropout=0.0, freeze_layers=0)
    with_case = train(TrainConfig(**base))
    without = train(TrainConfig(**base, word_case=False))
    assert with_case.dev["f1"] == 1.0
    assert without.dev["f1"] < 0.9        # the same pieces, half with names and half without

    from transformers import AutoModelForTokenClassification

    from workbench.inference.onnx_export import export_onnx
    from workbench.inference.predictor import Predictor, as_document

    model_dir = pathlib.Path(with_case.model_dir)
    stock = AutoModelForTokenClassification.from_pretrained(model_dir)   # still a stock HF model
    assert stock.config.type_vocab_size == 4 and stock.config.workbench_word_case is True
    pred = Predictor(model_dir, device="cpu")
    named, plain = pred.predict([as_document("Anna visited Rome ."), as_document("anna visited rome .")])
    assert [(s.label, s.start, s.end) for s in named.spans] == [("PER", 0, 4), ("LOC", 13, 17)]
    assert plain.spans == []
    report = export_onnx(model_dir, tmp_path / "onnx")         # the export takes the case ids too
    assert report.ok
    import onnxruntime as ort

    names = [i.name for i in ort.InferenceSession(str(report.path)).get_inputs()]
    assert names == ["input_ids", "attention_mask", "token_type_ids"]


def test_sentiment_and_cased_models_are_left_alone(tmp_path, tiny):
    from tiny_bert import toy_sentiment_docs

    project = tmp_path / "s.db"
    with Store.create(project, ["sentiment"], [], ["negative", "positive"]) as store:
        store.add_documents(toy_sentiment_docs(12))
    result = train(TrainConfig(store_path=project, task="sentiment", base_model=str(tiny), epochs=1, batch_size=4))
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(result.model_dir)
    assert not getattr(config, "workbench_word_case", False) and config.type_vocab_size == 2


# ---- decoding ----------------------------------------------------------------------------
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]


def probs(*rows: dict[str, float]) -> np.ndarray:
    out = np.full((len(rows), len(TAGS)), 0.01)
    for i, row in enumerate(rows):
        for tag, p in row.items():
            out[i, TAGS.index(tag)] = p
    return out / out.sum(axis=1, keepdims=True)


def test_decoding_mends_an_entity_that_starts_inside():
    # word by word: O, I-PER, I-PER (no annotator writes that); the best valid reading is a PER
    p = probs({"O": 0.55, "B-PER": 0.4}, {"I-PER": 0.9}, {"I-PER": 0.9})
    assert [TAGS[i] for i in p.argmax(1)] == ["O", "I-PER", "I-PER"]
    assert [TAGS[i] for i in decode_bio(p, TAGS)] == ["B-PER", "I-PER", "I-PER"]


def test_decoding_never_mixes_types_inside_an_entity():
    p = probs({"B-ORG": 0.9}, {"I-PER": 0.5, "I-ORG": 0.4})
    assert [TAGS[i] for i in decode_bio(p, TAGS)] == ["B-ORG", "I-ORG"]
    # a confident O in between is kept
    p = probs({"B-ORG": 0.9}, {"O": 0.9}, {"B-PER": 0.8})
    assert [TAGS[i] for i in decode_bio(p, TAGS)] == ["B-ORG", "O", "B-PER"]


def test_decoding_without_inside_tags_is_the_plain_argmax():
    p = np.array([[0.2, 0.8], [0.7, 0.3]])
    assert decode_bio(p, ["O", "X"]).tolist() == [1, 0]
    assert decode_bio(np.zeros((0, 5)), TAGS).tolist() == []
