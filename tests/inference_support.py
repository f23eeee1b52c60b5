"""A small project with two finished runs (NER and sentiment) for the inference and review tests.

Template sentences with a WordPiece vocab that holds all their words, a 2-layer
BERT base model from ``tests/tiny_bert.py``, trained by the project's own
engine in a few seconds so its predictions are right on the hand-checked
cases.  Built once per test session (:func:`trained`); tests copy the project
file before they change it.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import pathlib
import random
import shutil
import tempfile
from typing import Any, Iterator

from workbench.spans import Span, Token, bio_to_spans

PEOPLE = ["alice", "bob", "carol", "dave", "erin"]
ORGS = ["acme", "globex", "initech", "umbrella"]
PLACES = ["paris", "berlin", "tokyo", "lima"]
FILLER = ["the", "a", "today", "said", "that", "and", "it", "was", "film", "movie", "plot", "very"]
POSITIVE = ["good", "great", "love", "excellent", "fun"]
NEGATIVE = ["bad", "awful", "hate", "terrible", "boring"]
VERBS = ["works", "met", "visited", "joined", "left"]
WORDS = sorted(set(PEOPLE + ORGS + PLACES + FILLER + POSITIVE + NEGATIVE + VERBS + ["at", "in", "with"]))
NER_LABELS = ["PER", "ORG", "LOC"]
CLASSES = ["negative", "positive"]


def ner_sentence(rng: random.Random) -> tuple[str, list[Span]]:
    """A template sentence and its gold spans (person names may be two words)."""
    person = [rng.choice(PEOPLE)] + ([rng.choice(PEOPLE)] if rng.random() < 0.3 else [])
    words = person + [rng.choice(VERBS), rng.choice(["at", "with"]), rng.choice(ORGS), "in", rng.choice(PLACES), "."]
    tags = ["B-PER"] + ["I-PER"] * (len(person) - 1) + ["O", "O", "B-ORG", "O", "B-LOC", "O"]
    if rng.random() < 0.5:
        words, tags = [rng.choice(FILLER)] + words, ["O"] + tags
    return _join(words, tags)


def _join(words: list[str], tags: list[str]) -> tuple[str, list[Span]]:
    tokens, pos = [], 0
    for w in words:
        tokens.append(Token(w, pos, pos + len(w)))
        pos += len(w) + 1
    return " ".join(words), bio_to_spans(tokens, tags)


def sentiment_sentence(rng: random.Random) -> tuple[str, str]:
    label = rng.randrange(2)
    words = rng.sample(FILLER, 3) + [rng.choice(POSITIVE if label else NEGATIVE)] + rng.sample(FILLER, 2)
    rng.shuffle(words)
    return " ".join(words), CLASSES[label]


def make_project(path: pathlib.Path, n: int = 200, unlabeled: int = 30, seed: int = 0) -> pathlib.Path:
    """``n`` labeled documents (80% train, 20% dev), each one NER sentence then one sentiment
    sentence, and ``unlabeled`` more without labels."""
    from workbench.store import NewDocument, Store

    rng = random.Random(seed)
    docs = []
    for i in range(n + unlabeled):
        text, spans = ner_sentence(rng)
        s_text, cls = sentiment_sentence(rng)
        labeled = i < n
        docs.append(NewDocument(f"{text} {s_text}", spans=spans if labeled else None,
                                classes={"sentiment": cls} if labeled else {},
                                split="train" if i < n * 0.8 else "dev" if labeled else "unassigned"))
    with Store.create(path, ["ner", "sentiment"], NER_LABELS, CLASSES) as store:
        store.add_documents(docs)
    return path


def tiny_base(folder: pathlib.Path) -> pathlib.Path:
    from tiny_bert import make_tiny_bert

    return make_tiny_bert(folder, WORDS)


@contextlib.contextmanager
def one_cpu() -> Iterator[None]:
    """Tiny models train and predict fastest on one thread; with two threads on a busy
    2-core machine OpenMP spins and the same run takes 25x longer (measured: 52 s vs 2 s).
    The engine sizes its threads from the CPU affinity, so pin this thread while it runs."""
    import torch

    threads = torch.get_num_threads()
    old = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if old:
        os.sched_setaffinity(0, {min(old)})
    torch.set_num_threads(1)
    try:
        yield
    finally:
        if old:
            os.sched_setaffinity(0, old)
        torch.set_num_threads(threads)


def train_run(project: pathlib.Path, task: str, base: pathlib.Path, out: pathlib.Path, epochs: int = 12,
              lr: float = 3e-3) -> Any:
    from workbench.training import TrainConfig, train

    cfg = TrainConfig(project, task, base_model=str(base), epochs=epochs, batch_size=16, lr=lr,
                      embeddings="full", device="cpu", patience=0, output_dir=out, **TINY_OVERRIDES)
    with one_cpu():
        return train(cfg)


def _tiny_overrides() -> dict[str, Any]:
    """Train every layer of the tiny model: the CPU defaults freeze the embeddings and the
    lowest block, which suits a pretrained base, not a randomly initialised one.  And plain
    weights without dropout: the sentiment recipe's averaging and dropout (chosen for the
    pretrained base on SST-2) leave this toy model unsure, and these tests are about inference."""
    import dataclasses

    from workbench.training.config import TrainConfig

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    return {k: v for k, v in (("freeze_layers", 0), ("dropout", 0.0), ("weight_average", 0.0)) if k in names}


TINY_OVERRIDES = _tiny_overrides()
_BUILT: dict[str, Any] = {}


def trained() -> dict[str, Any]:
    """``{"root", "project", "base", "ner", "sentiment"}`` (the last two: RunResults), built once."""
    if not _BUILT:
        root = pathlib.Path(tempfile.mkdtemp(prefix="inference-tests-"))
        atexit.register(shutil.rmtree, root, True)
        project = make_project(root / "project.db")
        base = tiny_base(root / "base")
        _BUILT.update(root=root, project=project, base=base,
                      ner=train_run(project, "ner", base, root / "runs"),
                      # gentler than NER: a saturated classifier makes integrated gradients need
                      # ~1000 steps to converge (it flips class within 5% of the path)
                      sentiment=train_run(project, "sentiment", base, root / "runs", epochs=18, lr=1e-3))
    return _BUILT


def copy_project(dest: pathlib.Path) -> pathlib.Path:
    """A private copy of the trained project (runs and their model folders shared, read-only)."""
    built = trained()
    target = dest / "project.db"
    shutil.copy2(built["project"], target)
    return target
