"""Integrated gradients on the input embeddings (Captum's ``LayerIntegratedGradients``).

Attribution answers "which words pushed the output up or down": it satisfies
completeness, the attributions add up to ``F(input) - F(baseline)``, where ``F``
is the model's score (logit) for the explained label (the predicted class for
sentiment, the selected word's tag for NER) and the baseline replaces every word
piece by [PAD], keeping [CLS] and [SEP].

Why the score and not the probability: along the path from the empty input to
the text, the probability of a confident prediction stays near 0 and then jumps
to near 1 in a short stretch, which a sum over a few dozen points misses (a
trained CoNLL model, 39 pieces: a completeness gap of 25% of the change at 32
steps, 1.4% at 50); the score moves smoothly (gap 0.3% at 24 steps, 0.1% at 32).
The probability is still reported (``probability``).

Thread: the one that owns the :class:`~workbench.inference.predictor.Predictor`.
Memory stays bounded: the ``steps`` interpolations run ``internal_batch_size``
at a time.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import torch
from captum.attr import LayerIntegratedGradients

from workbench.errors import UserError
from workbench.inference.attention import word_scores
from workbench.inference.predictor import Encoded, Predictor
from workbench.jobs import CancelFn, check_cancelled
from workbench.store import Document


@dataclasses.dataclass
class Attribution:
    enc: Encoded
    label: str                  # the label explained
    word: int | None            # NER: the word whose tag is explained
    piece_scores: np.ndarray    # per word piece, signed
    word_scores: np.ndarray     # per word (pieces summed), signed
    output: float               # F(input): the model's score (logit) for ``label``
    baseline_output: float      # F(baseline)
    probability: float          # the model's probability of ``label`` on the input
    delta: float                # |sum(attributions) - (output - baseline_output)|; ~0 when enough steps
    steps: int = 0              # interpolation steps used

    @property
    def total(self) -> float:
        return float(self.piece_scores.sum())


def integrated_gradients(
    predictor: Predictor,
    doc: Document,
    *,
    word: int | None = None,
    label: str | None = None,
    steps: int = 24,
    internal_batch_size: int = 24,
    max_steps: int | None = None,
    tolerance: float = 0.05,
    cancelled: CancelFn | None = None,
) -> Attribution:
    """Attribute the score of ``label`` (default: the predicted one) to the words of ``doc``.

    For NER, ``word`` (default: the first word) selects whose tag is explained.  The
    integral is a sum over ``steps`` points; a model that flips its decision within a
    small stretch of the path needs more, which the completeness gap (``delta``) shows.
    With ``max_steps``, the steps double until the gap is below ``tolerance`` or the
    steps reach ``max_steps``.  ``cancelled`` is asked before each pass (Cancelled: workbench/jobs.py).
    """
    enc = predictor.encode([doc])[0]
    tensors = predictor._tensors([enc])
    ids, mask = tensors["input_ids"], tensors["attention_mask"]
    types = tensors.get("token_type_ids")     # word case (casing.py): part of the input, not attributed
    position: int | None = None
    if predictor.token_level:
        pieces = dict(zip(enc.first_word, enc.first_piece))
        if not pieces:
            raise UserError("this document has no words to explain")
        word = min(pieces) if word is None else word
        if word not in pieces:
            raise UserError(f"word {word} is not among the words the model saw")
        position = pieces[word]
    model = predictor.model

    def forward(input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        logits = model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits.float()
        return logits[:, position, :] if position is not None else logits

    with torch.no_grad():
        scores = forward(ids, mask, types)[0]
    target = int(scores.argmax()) if label is None else predictor.labels.index(label)
    special = set(predictor.tokenizer.all_special_ids)
    baseline = ids.clone()
    pad = predictor.tokenizer.pad_token_id or 0
    for pos, tok in enumerate(ids[0].tolist()):
        if tok not in special:
            baseline[0, pos] = pad
    lig = LayerIntegratedGradients(forward, model.get_input_embeddings())
    # The fused (SDPA) attention is faster, also backwards; attention weights are not needed here.
    eager = getattr(model.config, "_attn_implementation", None) == "eager"
    if eager:
        model.set_attn_implementation("sdpa")
    try:
        while True:
            check_cancelled(cancelled, "explanation cancelled")
            with torch.enable_grad():
                attr, delta = lig.attribute(
                    inputs=ids, baselines=baseline, additional_forward_args=(mask, types), target=target,
                    n_steps=steps, internal_batch_size=max(1, internal_batch_size), return_convergence_delta=True,
                )
            if max_steps is None or float(delta.abs().max()) <= tolerance or steps * 2 > max_steps:
                break
            steps *= 2
    finally:
        if eager:
            model.set_attn_implementation("eager")
    pieces = attr[0].sum(dim=-1).detach().float().cpu().numpy()
    # Captum's delta is sum(attributions) - (F(input) - F(baseline)): F(baseline) follows
    # from it, without one more forward pass.
    base_out = float(scores[target]) - float(pieces.sum()) + float(delta.reshape(-1)[0])
    return Attribution(
        enc=enc, label=predictor.labels[target], word=word, piece_scores=pieces,
        word_scores=word_scores(pieces, enc.word_ids, len(enc.words)),
        output=float(scores[target]), baseline_output=base_out, probability=float(scores.softmax(-1)[target]),
        delta=float(delta.abs().max()), steps=steps,
    )
