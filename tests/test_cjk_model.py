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
CHARS = list("张三李四在北京上海的华为公司工作。发布售价元东京タワーに行きました，好")


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
