"""Writes the demo corpus (reviews.jsonl) the app opens on first launch.

Run by a developer (``python resources/demo/make_demo.py``); the JSONL is committed and a test
checks that it is exactly what this script writes.  Texts are built from templates so every
entity's character offsets come from construction, not from searching the text, and are then
checked against the core tokenizer (a span must start and end on token boundaries, exactly
what the labeling screen produces).

The demo must teach something on its first training run, so it is not a clean toy: sentences
of many shapes (questions, lists, signatures, lower-case chat), words that name a person in
one text and a company or a place in another ("Grant" in Oliver Grant and Grant Audio,
"Austin" the town and Austin Reed, "Aria" the product and Aria Chen), and a few labels that are
wrong on purpose (:data:`PLANTED_PLAN`), which the Review screen's "Suspicious labels" should find.
A third of the documents come labeled, split 3:1:1 into train, dev and test (the split is in
each labeled record; workbench/demo.py applies it).

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
    ("Grant Audio", "Monitor 5", "speaker"), ("Grant Audio", "Studio One", "headphones"),
    ("Florence Digital", "Lumen 4K", "projector"), ("Austin Devices", "Ranger", "phone"),
]
SHOPS = ["ByteBarn", "Mercato Electronics", "Circuit Street", "Voltmart", "Pixel & Plug", "Morgan Electronics",
         "Lyon Tech"]
FIRST = ["Maya", "Daniel", "Priya", "Tom", "Sofia", "Kenji", "Grace", "Lukas", "Amira", "Oliver", "Chen", "Hannah",
         "Mateo", "Nadia", "Austin", "Florence", "Aria", "Jordan", "Ines", "Tariq"]
LAST = ["Lindqvist", "Okafor", "Raman", "Becker", "Alvarez", "Watanabe", "Mbeki", "Novak", "Haddad", "Grant",
        "Wei", "Schultz", "Rossi", "Petrova", "Halden", "Morgan", "Reed", "Lyon", "Chen", "Brandt"]
PLACES = ["Berlin", "Austin", "Toronto", "Lyon", "Osaka", "Manchester", "Melbourne", "Zurich", "Lisbon", "Denver",
          "Rotterdam", "Seoul", "Dublin", "Vancouver", "Florence", "Porto", "Auckland", "Jordan"]

# Slots: {P} product, {B} its brand, {C} category (plain words), {P2}/{B2} another brand's
# product, {S}/{S2} shops, {N} a full name, {NF} a first name, {NS} a surname, {L}/{L2} places.
# Lower-case slots ({p}, {b}, {s}, {l}, {nf}) write the value in lower case (chat-style reviews);
# they are still entities.
POSITIVE = [
    "The {P} {C} from {B} is the best purchase I made this year.",
    "[battery]Battery life on the {P} is superb, easily two days of heavy use.",
    "I bought the {P} at {S} in {L} and the setup took five minutes.",
    "[audio]{B} nailed the sound on the {P}; the bass is tight and the highs are clear.",
    "Support agent {N} from {B} replaced my cable within a day. Great service.",
    "Really impressed with the {P} {C}. Quiet, fast and easy to use.",
    "Ordered the {P} from {S} on Monday and it arrived in {L} on Tuesday. Works perfectly.",
    "{NF} recommended the {P} and I am glad I listened.",
    "The latest firmware made the {P} noticeably snappier. Well done, {B}.",
    "Five stars for the {P}: great value and the app is actually pleasant.",
    "I switched from the {P2} to the {P} and I am not going back.",
    "Is the {P} worth it? For me, yes: it replaced two older gadgets.",
    "got the {p} from {s} last week, love it so far",
    "honestly the {p} is great, my sister in {l} wants one too",
    "[screen]The screen on the {P} is bright enough to read outside in {L} in July.",
    "Kudos to {NS} at the {S} counter, who set up my {P} for free.",
]
NEGATIVE = [
    "{B} promised a fix for the {P} months ago and nothing has changed.",
    "[battery]The {P} stopped charging after two weeks and {B} support never replied.",
    "[laptop]Returned the {P} to {S} the same day; the hinge creaked out of the box.",
    "I regret buying the {P} {C}. The app crashes every time I open it.",
    "[wifi]Wi-Fi on the {P} drops every few minutes, which makes it useless.",
    "Delivery from {S} to {L} took three weeks and the box was crushed.",
    "[buds]The left earbud of my {P} died after a month. Disappointing from {B}.",
    "I waited forty minutes on hold before {N} told me the warranty was void.",
    "Why does the {P} cost more than the {P2} when it does less?",
    "{S} refused a refund on a faulty {P}, so I will not shop there again.",
    "[screen]The {P} {C} arrived with a dead pixel in the middle of the screen.",
    "my {p} keeps disconnecting, {b} pls fix",
    "the {p} is a letdown. returned it to {s} in {l}",
    "Customer service at {B} in {L} kept passing me between departments.",
    "Avoid the {P}. Ask {NF} how long the replacement took: six weeks.",
]
NEUTRAL = [
    "{B} will open a repair centre in {L} next spring.",
    "The {P} ships in black and silver and costs the same as last year's model.",
    "{N}, head of product at {B}, presented the {P} at an event in {L}.",
    "{S} has started stocking the {P} {C} in its {L} store.",
    "{B} confirmed that the {P} will receive updates for at least three years.",
    "According to {N}, the {P} sold out in {L} within a day.",
    "{B} moved its European office from {L} to {L2} in March.",
    "{S}, {S2} and several online shops list the {P} at the same price.",
    "Reviewers at the {L} trade fair compared the {P} with the {P2}.",
    "A {B} spokesperson, {N}, said supply of the {P} would improve after the summer.",
    "The {P} and the {P2} both use USB-C; neither comes with a charger.",
    "Posted by {N} ({L}): does anyone know if the {P} works with a {B2} dock?",
    "{NS} from {S} says the {P} will be back in stock on Friday.",
]
# A mixed review: praise, then a complaint; the verdict is the second half's.
BUT = [
    ("[screen]The {P} has a lovely screen, but after the update it freezes twice a day.", "negative"),
    ("Setup was a pain and {S} was no help, but once running the {P} has been flawless.", "positive"),
    ("The {P} is not cheap and {B} knows it, yet nothing else in {L} comes close.", "positive"),
]
# A template tagged "[kind]" only fits products whose category has that kind, so
# no projector gets a "left earbud" and no earbud a "hinge".
KINDS = {
    "headphones": {"battery", "audio", "ears", "buds"}, "earbuds": {"battery", "audio", "ears", "buds"},
    "speaker": {"battery", "audio", "wifi"}, "soundbar": {"audio", "wifi"},
    "phone": {"battery", "screen", "wifi"}, "monitor": {"screen"}, "projector": {"screen", "wifi"},
    "tablet": {"battery", "screen", "wifi"}, "laptop": {"battery", "screen", "wifi", "laptop"},
    "e-reader": {"battery", "screen", "wifi"}, "smartwatch": {"battery", "screen"}, "fitness tracker": {"battery"},
    "router": {"wifi"}, "security camera": {"wifi"}, "charging dock": set(),
}
SLOT_LABEL = {"P": "PRODUCT", "P2": "PRODUCT", "B": "ORG", "B2": "ORG", "S": "ORG", "S2": "ORG", "N": "PER",
              "NF": "PER", "NS": "PER", "L": "LOC", "L2": "LOC"}
SLOT_RE = re.compile(r"\{(P2|B2|S2|L2|NF|NS|P|B|C|S|N|L|p|b|s|l|nf)\}")
# The Annotate tests open an unlabeled document that starts with "{B} promised a fix for the
# {P} months ago": that template is only ever a first sentence (compose), never labeled (build).
EXAMPLE = " promised a fix for the "
SPLIT_CYCLE = ("train", "train", "dev", "train", "test")    # labeled documents, in file order


def fits(template: str, category: str) -> bool:
    if not template.startswith("["):
        return True
    return template[1:template.index("]")] in KINDS[category]


def fill(template: str, rng: random.Random, item: tuple[str, str, str], offset: int) -> tuple[str, list[list]]:
    """Fill one template; spans are computed while the text is built."""
    brand, product, category = item
    template = template.split("]", 1)[1] if template.startswith("[") else template
    other = rng.choice([c for c in CATALOGUE if c[0] != brand])
    place, place2 = rng.sample(PLACES, 2)
    shop, shop2 = rng.sample(SHOPS, 2)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    values = {"P": product, "B": brand, "C": category, "P2": other[1], "B2": other[0], "S": shop, "S2": shop2,
              "N": f"{first} {last}", "NF": first, "NS": last, "L": place, "L2": place2}
    out, spans, pos = "", [], 0
    for m in SLOT_RE.finditer(template):
        out += template[pos:m.start()]
        slot = m.group(1)
        value = values[slot.upper()].lower() if slot.islower() else values[slot]
        label = SLOT_LABEL.get(slot.upper())
        if label:
            spans.append([offset + len(out), offset + len(out) + len(value), label])
        out += value
        pos = m.end()
    out += template[pos:]
    return out, spans


def compose(rng: random.Random) -> tuple[str, list[list], str]:
    """One review: one to three sentences about one product, and its sentiment."""
    item = rng.choice(CATALOGUE)
    roll = rng.random()
    if roll < 0.08:
        options = [(t, s) for t, s in BUT if fits(t, item[2])]
        first, sentiment = rng.choice(options) if options else (rng.choice(NEUTRAL), "neutral")
    else:
        sentiment = rng.choices(["positive", "negative", "neutral"], weights=[4, 4, 3])[0]
        pools = {"positive": POSITIVE, "negative": NEGATIVE, "neutral": NEUTRAL}
        first = rng.choice([t for t in pools[sentiment] if fits(t, item[2])])
    parts = [first]
    # Some reviews go on with factual sentences (not the chat-style ones); they do not change the verdict.
    while first[0] != first[0].lower() and len(parts) < 3 and rng.random() < (0.45 if len(parts) == 1 else 0.25):
        more = [t for t in NEUTRAL if fits(t, item[2]) and t not in parts]
        parts.append(rng.choice(more))
    text, spans = "", []
    for part in parts:
        if text:
            text += " "
        piece, piece_spans = fill(part, rng, item, len(text))
        text += piece
        spans += piece_spans
    return text, spans, sentiment


# Labels made wrong on purpose, the kinds of slip a tired annotator makes.  Each entry:
# (split, what happens).  "relabel X Y": the first X span becomes Y; "drop X": the first X
# span is left out; "flip": the sentiment is another class.
PLANTED_PLAN = [("dev", "relabel PER ORG"), ("dev", "drop PRODUCT"), ("dev", "relabel LOC PER"), ("dev", "flip"),
                ("train", "relabel ORG PRODUCT"), ("train", "drop PER"), ("train", "flip"),
                ("test", "relabel PRODUCT ORG")]


def _plant(rows: list[dict], rng: random.Random) -> dict[str, str]:
    """Apply :data:`PLANTED_PLAN` to labeled rows; returns {document id: what was made wrong}."""
    planted: dict[str, str] = {}
    for split, what in PLANTED_PLAN:
        kind, *args = what.split()
        fitting = [r for r in rows if r.get("split") == split and r["id"] not in planted and "spans" in r
                   and (kind == "flip" or any(s["label"] == args[0] for s in r["spans"]))]
        row = rng.choice(fitting)
        if kind == "flip":
            old = row["sentiment"]
            row["sentiment"] = rng.choice([c for c in ("negative", "neutral", "positive") if c != old])
            planted[row["id"]] = f"sentiment {old} written as {row['sentiment']}"
            continue
        span = next(s for s in row["spans"] if s["label"] == args[0])
        words = row["text"][span["start"]:span["end"]]
        if kind == "drop":
            row["spans"].remove(span)
            planted[row["id"]] = f"{args[0]} {words!r} not labeled"
        else:
            span["label"] = args[1]
            planted[row["id"]] = f"{args[0]} {words!r} labeled {args[1]}"
    return planted


def build(n: int = 300, labeled: int = 100, seed: int = 11) -> tuple[list[dict], dict[str, str]]:
    """The demo rows (the project's JSONL import format) and the planted label errors."""
    rng = random.Random(seed)
    docs: list[tuple[str, list[list], str]] = []
    seen: set[str] = set()
    while len(docs) < n:
        text, spans, sentiment = compose(rng)
        if text in seen:
            continue
        seen.add(text)
        docs.append((text, spans, sentiment))
    rows, k = [], 0
    for i, (text, spans, sentiment) in enumerate(docs):
        row: dict = {"id": f"demo-{i + 1:03d}", "text": text}
        # Every third document comes labeled, except the Annotate tests' example sentence
        # (left for the user to label).
        if i % 3 == 0 and k < labeled and EXAMPLE not in text:
            row["split"] = SPLIT_CYCLE[k % len(SPLIT_CYCLE)]
            row["spans"] = [{"start": s, "end": e, "label": lab} for s, e, lab in spans]
            row["sentiment"] = sentiment
            k += 1
        rows.append(row)
    return rows, _plant(rows, rng)


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


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> None:
    rows, planted = build()
    check(rows)
    path = pathlib.Path(__file__).with_name("reviews.jsonl")
    path.write_text(render(rows), encoding="utf-8")
    splits = [r["split"] for r in rows if "split" in r]
    print(f"wrote {len(rows)} documents to {path}: labeled {len(splits)} (train {splits.count('train')}, "
          f"dev {splits.count('dev')}, test {splits.count('test')})")
    for doc_id, what in planted.items():
        print(f"  planted: {doc_id}: {what}")


if __name__ == "__main__":
    main()
