"""Scripts written without spaces: each Han, kana and CJK punctuation character is a word
token, so a selection, the word cursor, BIO tags and training labels all work per character
on Chinese, Japanese and mixed text, while Latin words and numbers keep their old rule."""
from __future__ import annotations

from workbench.spans import (Span, bio_to_spans, is_cjk_unit, join_tokens, snap, spans_to_bio, tokenize,
                             word_labels, bio_label_names)


def words(text: str) -> list[str]:
    return [t.text for t in tokenize(text)]


def test_chinese_characters_are_tokens_with_their_offsets():
    text = "张三在北京的华为公司工作。"
    toks = tokenize(text)
    assert [t.text for t in toks] == list(text)
    assert [(t.start, t.end) for t in toks] == [(i, i + 1) for i in range(len(text))]


def test_japanese_kana_and_kanji_are_tokens():
    assert words("東京タワーに行きました") == list("東京タワーに行きました")
    # half-width katakana and the ideographic full stop, too
    assert words("ｶﾀｶﾅ。") == ["ｶ", "ﾀ", "ｶ", "ﾅ", "。"]
    # a combining voicing mark and a variation selector stay with their character
    assert words("か\u3099葛\U000e0100") == ["か\u3099", "葛\U000e0100"]


def test_mixed_text_keeps_latin_words_and_numbers_whole():
    text = "iPhone 15在上海发布，售价5,999元。Apple's CEO"
    toks = tokenize(text)
    assert [t.text for t in toks] == ["iPhone", "15", "在", "上", "海", "发", "布", "，", "售", "价", "5,999", "元",
                                      "。", "Apple's", "CEO"]
    for t in toks:
        assert text[t.start:t.end] == t.text
    # Hangul words keep the space rule: a word is a run, not a syllable
    assert words("서울에 갔다 北京") == ["서울에", "갔다", "北", "京"]
    # the ideographic space separates, it is not a token
    assert words("北京\u3000上海") == ["北", "京", "上", "海"]


def test_a_selection_inside_a_chinese_clause_snaps_to_characters_not_the_clause():
    text = "张三在北京的华为公司工作。"
    toks = tokenize(text)
    assert snap(toks, 3, 5) == (3, 5)          # exactly 北京
    assert snap(toks, 6, 9) == (6, 9)          # 华为公 stays three characters
    assert snap(toks, 4, 4) == (4, 5)          # a click on 京 is the character
    mixed = "iPhone 15在上海发布"
    mt = tokenize(mixed)
    assert mixed[slice(*snap(mt, 2, 8))] == "iPhone 15"     # "hone 1" widens to the word and the number
    assert mixed[slice(*snap(mt, 8, 10))] == "15在"           # a number and the character after it
    assert mixed[slice(*snap(mt, 11, 12))] == "海"


def test_bio_tags_per_character_and_back():
    text = "张三在北京的华为公司工作。"
    toks = tokenize(text)
    spans = [Span(0, 2, "PER"), Span(3, 5, "LOC"), Span(6, 10, "ORG")]
    tags = spans_to_bio(toks, spans)
    assert tags == ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O", "O"]
    assert bio_to_spans(toks, tags) == spans
    l2i = {n: i for i, n in enumerate(bio_label_names(["PER", "LOC", "ORG"]))}
    assert word_labels(toks, spans, l2i)[:3] == [l2i["B-PER"], l2i["I-PER"], l2i["O"]]


def test_mixed_text_entities_cross_scripts():
    text = "iPhone 15在上海发布"
    toks = tokenize(text)
    spans = [Span(0, 9, "PRODUCT"), Span(10, 12, "LOC")]
    tags = spans_to_bio(toks, spans)
    assert tags == ["B-PRODUCT", "I-PRODUCT", "O", "B-LOC", "I-LOC", "O", "O"]
    assert bio_to_spans(toks, tags) == spans


def test_is_cjk_unit_and_join_tokens():
    assert is_cjk_unit("张") and is_cjk_unit("。") and is_cjk_unit("か\u3099")
    assert not is_cjk_unit("张三") and not is_cjk_unit("a") and not is_cjk_unit("，")  # full-width comma: not CJK block
    assert join_tokens(list("张三在北京")) == "张三在北京"
    assert join_tokens(["iPhone", "15", "在", "上", "海"]) == "iPhone 15在上海"
    assert join_tokens(["EU", "rejects", "German", "call"]) == "EU rejects German call"
    assert join_tokens([]) == ""


def test_english_text_tokenizes_as_before():
    text = "Apple's CEO, Tim Cook, paid $1,000 for e-mail in the U.S."
    assert words(text) == ["Apple's", "CEO", ",", "Tim", "Cook", ",", "paid", "$", "1,000", "for", "e-mail", "in",
                           "the", "U.S", "."]
    # accented Latin and Cyrillic words stay whole
    assert words("Zürich Москва") == ["Zürich", "Москва"]
