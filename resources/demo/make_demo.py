"""Writes the demo corpus (reviews.jsonl) the app opens on first launch.

Run once by a developer (``python resources/demo/make_demo.py``); the JSONL is
committed.  Texts are built from templates so every entity's character offsets
come from construction, not from searching the text, and are then checked
against the core tokenizer (a span must start and end on token boundaries,
exactly what the labeling screen produces).

The world is made up: brands, products, people and shops are fictional.
"""
from __future__ import annotations

import json
import pathlib
import random
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from workbench.spans import tokenize, validate_spans  # noqa: E402

# (brand, product, category)
CATALOGUE = [
    ("Norvik", "Aria 3", "headphones"), ("Norvik", "Aria Lite", "earbuds"),
    ("Lumatek", "P7 Pro", "phone"), ("Lumatek", "P7 Mini", "phone"),
    ("Kestrel Labs", "Pulse One", "earbuds"), ("Kestrel Labs", "Pulse Max", "speaker"),
    ("Halden", "SoundBar 500", "soundbar"), ("Halden", "Vista 27", "monitor"),
    ("Brightline", "X2", "projector"), ("Brightline", "Beam One", "projector"),
    ("Velo Systems", "Trail S2", "smartwatch"), ("Velo Systems", "Trail Go", "fitness tracker"),
    ("Solace Home", "Nimbus", "router"), ("Solace Home", "Hearth Cam", "security camera"),
    ("Orbis", "Tab 11", "tablet"), ("Orbis", "Book Air 14", "laptop"),
    ("Quillon", "Inkpad 2", "e-reader"), ("Tessera", "Dock Pro", "charging dock"),
]
SHOPS = ["ByteBarn", "Mercato Electronics", "Circuit Street", "Voltmart", "Pixel & Plug"]
PEOPLE = [
    "Maya Lindqvist", "Daniel Okafor", "Priya Raman", "Tom Becker", "Sofia Alvarez",
    "Kenji Watanabe", "Grace Mbeki", "Lukas Novak", "Amira Haddad", "Oliver Grant",
    "Chen Wei", "Hannah Schultz", "Mateo Rossi", "Nadia Petrova",
]
PLACES = [
    "Berlin", "Austin", "Toronto", "Lyon", "Osaka", "Manchester", "Melbourne", "Zurich",
    "Lisbon", "Denver", "Rotterdam", "Seoul", "Dublin", "Vancouver",
]

# {P} product, {B} its brand, {C} category (plain word), {S} shop, {N} person, {L} place.
POSITIVE = [
    "The {P} {C} from {B} is the best purchase I made this year.",
    "[battery]Battery life on the {P} is superb, easily two days of heavy use.",
    "I bought the {P} at {S} in {L} and the setup took five minutes.",
    "[audio]{B} nailed the sound on the {P}; the bass is tight and the highs are clear.",
    "Support agent {N} from {B} replaced my cable within a day. Great service.",
    "The {P} feels solid, looks premium and has not missed a beat in three months.",
    "Really impressed with the {P} {C}. Quiet, fast and easy to use.",
    "My partner loves the {P}, and honestly so do I.",
    "Ordered the {P} from {S} on Monday and it arrived in {L} on Tuesday. Works perfectly.",
    "[screen]The screen on the {P} is bright enough to use outside in {L} in July.",
    "After years of cheap {C}s, the {P} is a revelation.",
    "{N} recommended the {P} and I am glad I listened.",
    "The latest firmware made the {P} noticeably snappier. Well done, {B}.",
    "Five stars for the {P}: great value and the app is actually pleasant.",
    "The staff at {S} helped me pick the {P} and it was the right call.",
    "[ears]Comfortable, light and the noise cancelling on the {P} is excellent on trains.",
]
NEGATIVE = [
    "[battery]The {P} stopped charging after two weeks and {B} support never replied.",
    "[laptop]Returned the {P} to {S} the same day; the hinge creaked out of the box.",
    "I regret buying the {P} {C}. The app crashes every time I open it.",
    "[wifi]Wi-Fi on the {P} drops every few minutes, which makes it useless.",
    "{B} promised a fix for the {P} months ago and nothing has changed.",
    "[calls]The {P} overheats during video calls and the fan is loud.",
    "Delivery from {S} to {L} took three weeks and the box was crushed.",
    "[buds]The left earbud of my {P} died after a month. Disappointing from {B}.",
    "I waited forty minutes on hold before {N} told me the warranty was void.",
    "[battery]The {P} looks nice but the battery barely lasts an afternoon.",
    "Terrible update: since version 2.1 my {P} {C} will not pair at all.",
    "[ears]The touch controls on the {P} are too sensitive and pause music constantly.",
    "[screen]Overpriced for what it is. The {P} has a dim screen and a weak speaker.",
    "{S} refused a refund on a faulty {P}, so I will not shop there again.",
    "[screen]The {P} {C} arrived with a dead pixel in the middle of the screen.",
    "Customer service at {B} in {L} kept passing me between departments.",
]
NEUTRAL = [
    "{B} will open a repair centre in {L} next spring.",
    "The {P} ships in black and silver and costs the same as last year's model.",
    "{N}, head of product at {B}, presented the {P} at an event in {L}.",
    "{S} has started stocking the {P} {C} in its {L} store.",
    "[audio]The {P} uses USB-C for charging and supports the usual codecs.",
    "{B} confirmed that the {P} will receive updates for at least three years.",
    "I have had the {P} for a week; it does what the box says.",
    "According to {N}, the {P} sold out in {L} within a day.",
    "The {P} is available in two sizes and weighs about the same as its predecessor.",
    "{B} moved its European headquarters from {L} to {L2} in March.",
    "The {P} {C} comes with a short cable and a quick start guide.",
    "{S} lists the {P} at the manufacturer's price, with free delivery over fifty euros.",
    "Reviewers at the {L} trade fair compared the {P} with older {C}s.",
    "A {B} spokesperson said supply of the {P} would improve after the summer.",
]
# A template tagged "[kind]" only fits products whose category has that kind, so
# no projector gets a "left earbud" and no earbud a "hinge".
KINDS = {
    "headphones": {"battery", "audio", "ears", "buds", "calls"}, "earbuds": {"battery", "audio", "ears", "buds", "calls"},
    "speaker": {"battery", "audio", "wifi"}, "soundbar": {"audio", "wifi"},
    "phone": {"battery", "screen", "calls", "wifi"}, "monitor": {"screen"}, "projector": {"screen", "wifi"},
    "tablet": {"battery", "screen", "wifi", "calls"}, "laptop": {"battery", "screen", "wifi", "calls", "laptop"},
    "e-reader": {"battery", "screen", "wifi"}, "smartwatch": {"battery", "screen"}, "fitness tracker": {"battery"},
    "router": {"wifi"}, "security camera": {"wifi"}, "charging dock": set(),
}
SLOT_LABEL = {"P": "PRODUCT", "B": "ORG", "S": "ORG", "N": "PER", "L": "LOC", "L2": "LOC"}
SLOT_RE = re.compile(r"\{(P|B|C|S|N|L2|L)\}")


def fits(template: str, category: str) -> bool:
    if not template.startswith("["):
        return True
    return template[1:template.index("]")] in KINDS[category]


def fill(template: str, rng: random.Random, item: tuple[str, str, str], offset: int) -> tuple[str, list[list]]:
    """Fill one template; spans are computed while the text is built."""
    brand, product, category = item
    template = template.split("]", 1)[1] if template.startswith("[") else template
    place, place2 = rng.sample(PLACES, 2)
    values = {"P": product, "B": brand, "C": category, "S": rng.choice(SHOPS), "N": rng.choice(PEOPLE),
              "L": place, "L2": place2}
    out, spans, pos = "", [], 0
    for m in SLOT_RE.finditer(template):
        out += template[pos:m.start()]
        value = values[m.group(1)]
        if m.group(1) in SLOT_LABEL:
            spans.append([offset + len(out), offset + len(out) + len(value), SLOT_LABEL[m.group(1)]])
        out += value
        pos = m.end()
    out += template[pos:]
    # A sentence that starts with a lower-case slot value still reads as a sentence.
    return out[0].upper() + out[1:], spans


def build(n: int = 240, labeled: int = 60, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    pools = {"positive": POSITIVE, "negative": NEGATIVE, "neutral": NEUTRAL}
    docs: list[dict] = []
    seen: set[str] = set()
    while len(docs) < n:
        sentiment = rng.choices(["positive", "negative", "neutral"], weights=[4, 4, 3])[0]
        item = rng.choice(CATALOGUE)
        pool = [t for t in pools[sentiment] if fits(t, item[2])]
        parts = [rng.choice(pool)]
        # Some reviews get a second, factual sentence; it does not change the verdict.
        if sentiment != "neutral" and rng.random() < 0.45:
            second = [t for t in pool + NEUTRAL[:9] if fits(t, item[2]) and t != parts[0]]
            parts.append(rng.choice(second))
        text, spans = "", []
        for part in parts:
            if text:
                text += " "
            piece, piece_spans = fill(part, rng, item, len(text))
            text += piece
            spans += piece_spans
        if text in seen:
            continue
        seen.add(text)
        docs.append({"text": text, "spans": spans, "sentiment": sentiment})
    # Every fourth document comes labeled; the rest are left for the user.
    out = []
    for i, doc in enumerate(docs):
        row = {"id": f"demo-{i + 1:03d}", "text": doc["text"]}
        if i % 4 == 0 and len([r for r in out if "sentiment" in r]) < labeled:
            # The project's own JSONL import format, so the file also works with File > Import.
            row["spans"] = [{"start": s, "end": e, "label": lab} for s, e, lab in doc["spans"]]
            row["sentiment"] = doc["sentiment"]
        out.append(row)
    return out


def check(rows: list[dict]) -> None:
    labels = set(SLOT_LABEL.values())
    for row in rows:
        if "spans" not in row:
            continue
        spans = [(s["start"], s["end"], s["label"]) for s in row["spans"]]
        validate_spans(row["text"], spans, labels)
        tokens = tokenize(row["text"])
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for s, e, lab in spans:
            assert s in starts and e in ends, f"{row['id']}: span {s}-{e} {lab} is not on token boundaries"


def main() -> None:
    rows = build()
    check(rows)
    path = pathlib.Path(__file__).with_name("reviews.jsonl")
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    n_lab = sum("sentiment" in r for r in rows)
    print(f"wrote {len(rows)} documents ({n_lab} labeled) to {path}")


if __name__ == "__main__":
    main()
