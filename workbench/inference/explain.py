""""Why the model said it", ready to paint on words: attention, rollout, attribution.

Each function returns an :class:`Explanation`: one score per word (word pieces
merged back into the labeling screen's words) plus what was explained.  Names
are honest: attention and rollout say where the model *looked* (they are not
importance); attribution (integrated gradients) says how much each word moved
the explained probability, and it adds up to the change from the baseline.

Thread: the one that currently uses the :class:`Predictor` (one at a time).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from workbench.inference.attention import attention_row, rollout, special_mass, word_scores
from workbench.inference.predictor import Encoded, Predictor
from workbench.jobs import CancelFn, Progress, ProgressFn, check_cancelled, no_progress
from workbench.spans import Token
from workbench.store import Document

ATTENTION = "attention"
ROLLOUT = "rollout"
ATTRIBUTION = "attribution"


@dataclasses.dataclass
class Explanation:
    kind: str                        # attention, rollout or attribution
    words: list[Token]
    scores: np.ndarray               # one per word; attention: shares (>= 0), attribution: signed
    word: int | None                 # NER: the word whose row / tag is explained
    label: str                       # the predicted label explained (attribution) or shown (attention)
    special: float = 0.0             # attention share on [CLS]/[SEP] (not shown on any word)
    note: str = ""                   # one line for the legend
    layers: int = 0
    heads: int = 0
    steps: int = 0                   # attribution: the interpolation steps used (the steps box shows this)
    probability: float = 0.0         # attribution: the model's probability of ``label``
    approximate: bool = False        # attribution: the completeness gap is large (too few steps)

    @property
    def signed(self) -> bool:
        return self.kind == ATTRIBUTION


def _query(pred: Predictor, enc: Encoded, word: int | None) -> tuple[int, int | None]:
    """The piece whose attention row is shown: [CLS] for sentiment, the word's first piece for NER."""
    if not pred.token_level or not enc.first_piece:
        return 0, None
    pieces = dict(zip(enc.first_word, enc.first_piece))
    word = word if word in pieces else min(pieces)
    return pieces[word], word


def attention(pred: Predictor, doc: Document, *, word: int | None = None, layer: int | None = None,
              head: int | None = None, use_rollout: bool = False) -> Explanation:
    """Attention of one row over the words: one layer and head, or their average (None),
    or attention rollout across all layers."""
    prediction, enc, att = pred.predict_with_attention(doc)
    q, word = _query(pred, enc, word)
    row = rollout(att)[q] if use_rollout else attention_row(att, q, layer, head)
    label = prediction.label if not pred.token_level else (prediction.tags[word] if word is not None else "")
    where = "[CLS]" if not pred.token_level or word is None else repr(enc.words[word].text)
    if use_rollout:
        note = f"Attention rollout of {where} through {att.shape[0]} layers (where it looked, not what mattered)"
    else:
        lay = f"layer {layer + 1}" if layer is not None else "all layers"
        hd = f"head {head + 1}" if head is not None else "heads averaged"
        note = f"Attention of {where}, {lay}, {hd} (where it looked, not what mattered)"
    special = special_mass(row, enc.word_ids)
    if special > 0.05:
        note += f"; {special:.0%} went to [CLS]/[SEP]"
    return Explanation(ROLLOUT if use_rollout else ATTENTION, enc.words, word_scores(row, enc.word_ids, len(enc.words)),
                       word, label, special, note, att.shape[0], att.shape[1])


def attribution(pred: Predictor, doc: Document, *, word: int | None = None, steps: int = 24,
                internal_batch_size: int = 24, max_steps: int | None = None,
                cancelled: CancelFn | None = None) -> Explanation:
    """Integrated gradients for the predicted class (sentiment) or the word's predicted tag (NER).
    ``cancelled`` is asked before each pass over the steps (Cancelled: workbench/jobs.py)."""
    from workbench.inference.attribution import integrated_gradients   # captum loads here

    if pred.token_level:
        enc = pred.encode([doc])[0]
        _, word = _query(pred, enc, word)
    else:
        word = None
    a = integrated_gradients(pred, doc, word=word, steps=steps, internal_batch_size=internal_batch_size,
                             max_steps=max_steps, cancelled=cancelled)
    change = a.output - a.baseline_output
    approximate = a.delta >= 0.05 * max(abs(change), 0.01)
    note = (f"Attribution to the score of {a.label} (p = {a.probability:.2f}): red raised it, blue lowered it; "
            f"words sum to {a.total:+.2f} of the {change:+.2f} change from an empty input ({a.steps} steps")
    note += f", gap {a.delta:.3f}: too few steps for this input)" if approximate else f", gap {a.delta:.3f})"
    # ``a.steps`` (doubled from ``steps`` until the gap closes): the one number the note and the
    # Review screen's steps box both show
    return Explanation(ATTRIBUTION, a.enc.words, a.word_scores, a.word, a.label, 0.0, note, steps=a.steps,
                       probability=a.probability, approximate=approximate)


# ---- jobs (workbench/jobs.py), run by ui/workers.py ----------------------------------------
@dataclasses.dataclass(frozen=True)
class Request:
    """What the Review screen asks to see."""

    kind: str                     # attention, rollout or attribution
    doc: Document
    word: int | None = None
    layer: int | None = None
    head: int | None = None
    steps: int = 24
    max_steps: int | None = 384


def load_predictor(model_dir: str, max_length: int, *, progress: ProgressFn = no_progress,
                   cancelled: CancelFn | None = None) -> Predictor:
    """Load a run's model for explanations (eager attention).  Any thread; the predictor is
    then used by one explanation job at a time."""
    check_cancelled(cancelled, "loading the model cancelled")
    progress(Progress(0, 0, "Loading the model"))
    pred = Predictor(model_dir, max_length=max_length)
    pred.use_eager_attention()
    return pred


def explain_job(pred: Predictor, request: Request, *, progress: ProgressFn = no_progress,
                cancelled: CancelFn | None = None) -> Explanation:
    """Run one request.  Any thread (one job per predictor at a time)."""
    check_cancelled(cancelled, "explanation cancelled")
    if request.kind == ATTRIBUTION:
        progress(Progress(0, 0, "Computing attributions"))
        return attribution(pred, request.doc, word=request.word, steps=request.steps, max_steps=request.max_steps,
                           cancelled=cancelled)
    return attention(pred, request.doc, word=request.word, layer=request.layer, head=request.head,
                     use_rollout=request.kind == ROLLOUT)
