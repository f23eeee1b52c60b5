"""The Chinese demo (``workbench --demo zh``, ``./dev.sh start --demo zh``): made-up product
reviews and news in Chinese, with PER / ORG / PRODUCT / LOC entities and a sentiment class,
so a Chinese-speaking user sees the app work on their language at once.

Generated here from templates (seeded, so the same documents every time): every entity's
character offsets come from construction and are checked against the core tokenizer, as the
labeling screen would produce them.  Product names mix Latin letters, numbers and Chinese
("云杉Air 3", "青禾Pad 2") as real ones do.  A third of the documents come labeled, split
3:1:1 into train, dev and test.  Brands, products and people are fictional.

The bundled base model is English and does not know most Chinese characters: the demo's
note says so (and the Train screen's vocabulary check repeats it), pointing at a Chinese
model folder.  Pure Python; no Qt.
"""
from __future__ import annotations

import random

from workbench.spans import Span, tokenize, validate_spans
from workbench.store import NewDocument

DEMO_ZH_NAME = "演示：产品评论 (Chinese demo)"
DEMO_ZH_NOTE = ("Chinese demo. The bundled base model is English and does not know most Chinese characters, so "
                "it cannot learn this text well: in Train, pick a Chinese model folder (for example "
                "bert-base-chinese or hfl/chinese-roberta-wwm-ext) as the base model.")
DOCUMENTS = 150
LABELED_EVERY = 3        # every third document comes labeled

BRANDS = ["星澜", "云杉", "青禾", "北辰", "墨石", "朗月"]
PRODUCTS = [("星澜", "X5手机"), ("云杉", "Air 3"), ("青禾", "Pad 2"), ("北辰", "手表S"), ("墨石", "耳机Pro"),
            ("朗月", "音箱mini")]
PEOPLE = ["王小明", "李娜", "陈静", "刘洋", "张伟", "赵敏", "周杰", "孙丽"]
PLACES = ["上海", "北京", "深圳", "杭州", "成都", "广州", "南京", "武汉"]

# (sentiment, template): {P} a product, {B} its brand, {N} a person, {L} a place
TEMPLATES = [
    ("positive", "{P}的电池很耐用，{N}说在{L}用了一个月都很满意。"),
    ("positive", "刚在{L}的{B}门店买了{P}，屏幕清楚，声音也好，推荐！"),
    ("positive", "{N}：{P}性价比很高，比上一代快多了。"),
    ("positive", "{B}的售后真不错，{L}的客服当天就帮我换了{P}。"),
    ("negative", "在{L}买的{P}，三天屏幕就坏了，太失望了。"),
    ("negative", "{B}客服态度很差，{N}等了两个小时也没人理。"),
    ("negative", "{P}发热严重，{N}说玩游戏十分钟就烫手。"),
    ("negative", "别买{P}了，{L}的门店连发票都不给。"),
    ("neutral", "{B}宣布{P}将于下个月在{L}发布。"),
    ("neutral", "{N}在{L}参加了{B}的新品发布会。"),
    ("neutral", "据报道，{B}计划在{L}开设第二家旗舰店。"),
    ("neutral", "{P}的售价为2999元，{N}认为和竞品差不多。"),
]


def _fill(template: str, rng: random.Random) -> tuple[str, list[Span]]:
    """The template's text with its entities, and their spans (offsets from construction)."""
    brand, product = rng.choice(PRODUCTS)
    if "{B}" in template and "{P}" not in template:
        brand = rng.choice(BRANDS)
    values = {"P": (brand + product, "PRODUCT"), "B": (brand, "ORG"), "N": (rng.choice(PEOPLE), "PER"),
              "L": (rng.choice(PLACES), "LOC")}
    text, spans, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        key, _, rest = after.partition("}")
        text += before
        value, label = values[key]
        spans.append(Span(len(text), len(text) + len(value), label))
        text += value
    return text + rest, spans


def _on_tokens(text: str, spans: list[Span]) -> None:
    """Every span starts and ends where a token does (what the labeling screen produces)."""
    starts = {t.start for t in tokenize(text)}
    ends = {t.end for t in tokenize(text)}
    for sp in validate_spans(text, spans):
        if sp.start not in starts or sp.end not in ends:
            raise AssertionError(f"demo span {text[sp.start:sp.end]!r} does not fall on token boundaries")


def demo_zh_documents(n: int = DOCUMENTS, seed: int = 16) -> list[NewDocument]:
    """``n`` Chinese reviews and news items; every :data:`LABELED_EVERY`-th one labeled, its split in meta."""
    rng = random.Random(seed)
    docs: list[NewDocument] = []
    labeled = 0
    for i in range(n):
        sentiment, template = TEMPLATES[rng.randrange(len(TEMPLATES))]
        text, spans = _fill(template, rng)
        _on_tokens(text, spans)
        if i % LABELED_EVERY == 0:
            split = ("train", "train", "train", "dev", "test")[labeled % 5]
            labeled += 1
            docs.append(NewDocument(text, spans=spans, classes={"sentiment": sentiment}, meta={"split": split},
                                    source="demo-zh"))
        else:
            docs.append(NewDocument(text, source="demo-zh"))
    return docs
