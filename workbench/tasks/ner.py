"""Entities: character-offset spans with the project's entity labels (named-entity recognition).

Stored as spans (the truth, DESIGN rule 3); trained as one BIO tag per word of
:func:`workbench.spans.tokenize`, carried by the word's first word piece (the other
pieces are ignored by the loss); predicted per word and decoded to the most probable
valid BIO sequence (:func:`workbench.tag_decoding.decode_bio`), then to spans.
Scored at the entity level (seqeval, CoNLL style).  Any thread.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from workbench.spans import Span, Token, bio_label_names, first_pieces, piece_words, spans_to_bio, tokenize
from workbench.tasks.base import (
    CORRECT, FALSE_NEGATIVE, FALSE_POSITIVE, IGNORE, NONE, WRONG_BOUNDARY, WRONG_TYPE, DocReview, Example, Head,
    Storage, Suspicion, TaskSpec,
)
from workbench.tasks.metrics import entity_report

if TYPE_CHECKING:   # numpy loads with the first prediction, not with the registry (tasks/base.py)
    import numpy as np

    from workbench.tasks.entity_predictions import NerPrediction

# NER has a label per word, so small batches already carry plenty of signal and twice the
# updates per epoch win (CoNLL, 4 epochs: F1 0.846 at batch 8 vs 0.835 at 16).  On a GPU the
# same recipe also wins (H100, CoNLL 2,000 sentences, bf16: 0.887 at batch 8, lr 2e-4, dropout 0,
# lowest block frozen, in 35 s; 0.876 at batch 16, lr 3e-4, 18 s; the generic batch 32, lr 1e-4,
# dropout 0.1: 0.865, 20 s), so it is used there too.  (docs/training-defaults.md)
RECIPE = {"batch_size": 8, "lr": 2e-4, "dropout": 0.0, "freeze_layers": 1}


def align_pieces(words: Sequence[Token], offsets: Sequence[tuple[int, int]], special: Sequence[int],
                 word_tags: Sequence[int]) -> tuple[list[int], list[int]]:
    """Piece labels (first piece of a word: its tag; every other piece: -100) and, for each
    labeled piece in order, the index of its word.

    ``offsets`` are the tokenizer's character offsets, ``special`` its special-tokens mask.
    A piece belongs to the word whose characters contain the piece's first character.
    """
    firsts = first_pieces(piece_words(offsets, special, [t.start for t in words], [t.end for t in words]))
    labels = [IGNORE] * len(offsets)
    for pos, w in firsts:
        labels[pos] = word_tags[w]
    return labels, [w for _, w in firsts]


class EntityTask(TaskSpec):
    """Span labeling with one entity label per span; spans do not overlap."""

    storage = Storage.SPANS
    head = Head.TOKEN
    min_labels = 1
    score_name = "entity F1"
    error_kinds = (FALSE_POSITIVE, FALSE_NEGATIVE, WRONG_TYPE, WRONG_BOUNDARY)
    legend_kinds = (CORRECT, FALSE_POSITIVE, FALSE_NEGATIVE, WRONG_TYPE, WRONG_BOUNDARY)
    uses_word_case = True

    description = "spans"

    def __init__(self, name: str, title: str, *, noun: str = "entity label", nouns: str = "entity labels",
                 shortcut_pool: str = "123456789", jsonl_key: str = "spans", starter: bool = False,
                 example_labels: Sequence[str] = (), short_title: str = "") -> None:
        self.name, self.title, self.noun, self.nouns, self.short_title = name, title, noun, nouns, short_title
        self.shortcut_pool, self.jsonl_key = shortcut_pool, jsonl_key
        self.starter, self.example_labels = starter, tuple(example_labels)

    # ---- training ----------------------------------------------------------------------
    def example(self, doc_id: int, text: str, pretokenized: bool, value: Any) -> Example:
        words = tokenize(text, pretokenized)
        return Example(doc_id, text, words, spans_to_bio(words, value))

    def model_labels(self, labels: Sequence[str]) -> list[str]:
        return bio_label_names(labels)

    def project_labels(self, model_labels: Sequence[str]) -> list[str]:
        return [t[2:] for t in model_labels if t.startswith("B-")]

    def label_counts(self, examples: Sequence[Example]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for ex in examples:
            for tag in ex.tags:
                if tag.startswith("B-"):
                    counts[tag[2:]] = counts.get(tag[2:], 0) + 1
        return counts

    def targets(self, examples: Sequence[Example], encoding: Mapping[str, Any], label2id: dict[str, int]
                ) -> dict[str, list[Any]]:
        """``labels`` per piece, ``word_index`` (the word of each labeled piece) and ``gold`` (tag
        id per word), for word-level scoring."""
        labels, word_index, gold = [], [], []
        for j, ex in enumerate(examples):
            tags = [label2id[t] for t in ex.tags]
            lab, widx = align_pieces(ex.words, encoding["offset_mapping"][j], encoding["special_tokens_mask"][j], tags)
            labels.append(lab)
            word_index.append(widx)
            gold.append(tags)
        return {"labels": labels, "word_index": word_index, "gold": gold}

    def collate_labels(self, labels: Sequence[Any], width: int) -> Any:
        import torch
        from torch.nn.utils.rnn import pad_sequence

        out = pad_sequence(list(labels), batch_first=True, padding_value=IGNORE)
        if out.shape[1] < width:
            out = torch.nn.functional.pad(out, (0, width - out.shape[1]), value=IGNORE)
        return out

    def batch_loss(self, logits: Any, labels: Any) -> tuple[float, int, Any]:
        from torch.nn import functional as F

        loss = float(F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=IGNORE,
                                     reduction="sum"))
        return loss, int((labels != IGNORE).sum()), logits.softmax(-1).cpu()

    def report(self, kept: Sequence[Any], columns: Mapping[str, Sequence[Any]], model_labels: Sequence[str],
               labels: Sequence[Any]) -> dict[str, Any]:
        """Per word: a word's distribution is its first piece's; a word whose pieces were
        truncated away counts as predicted ``O``."""
        import numpy as np

        from workbench.tag_decoding import decode_bio

        gold_tags, pred_tags = [], []
        o_id = list(model_labels).index("O")
        for k, probs in enumerate(kept):
            gold = [model_labels[t] for t in columns["gold"][k]]
            positions = (labels[k] != IGNORE).nonzero().flatten()
            word_probs = np.zeros((len(gold), len(model_labels)), dtype=np.float32)
            word_probs[:, o_id] = 1.0
            word_probs[columns["word_index"][k]] = probs[positions].numpy()
            pred_tags.append([model_labels[t] for t in decode_bio(word_probs, model_labels)])
            gold_tags.append(gold)
        return entity_report(gold_tags, pred_tags, self.name)

    def training_defaults(self, device_kind: str) -> dict[str, Any]:
        return dict(RECIPE)

    # ---- predictions ---------------------------------------------------------------------
    def prediction(self, doc_id: int, words: list[Token], first_word: Sequence[int], first_piece: Sequence[int],
                   probs: np.ndarray, labels: list[str]) -> NerPrediction:
        import numpy as np

        from workbench.tasks.entity_predictions import NerPrediction

        n = len(words)
        word_probs = np.full((n, len(labels)), 1.0 / len(labels), dtype=np.float32)
        seen = np.zeros(n, dtype=bool)
        word_probs[list(first_word)] = probs[list(first_piece)]
        seen[list(first_word)] = True
        return NerPrediction(doc_id, words, labels, word_probs, seen)

    def prediction_json(self, pred: NerPrediction) -> dict[str, Any]:
        return {self.jsonl_key: [{"start": s.start, "end": s.end, "label": s.label,
                                  "confidence": round(s.confidence, 4)} for s in pred.spans]}

    def prediction_record(self, pred: NerPrediction, text: str, *, all_scores: bool = False) -> dict[str, Any]:
        """The spans with their text (``all_scores`` adds nothing: a span's confidence is its words' mean)."""
        return {self.jsonl_key: [{"start": s.start, "end": s.end, "label": s.label, "text": text[s.start:s.end],
                                  "confidence": round(s.confidence, 4)} for s in pred.spans]}

    def prediction_cells(self, pred: NerPrediction, text: str, *, all_scores: bool = False) -> dict[str, str | float]:
        """The spans as JSON, and ``entities``: each span's text and label, as a person reads them
        ("Dock Pro [PRODUCT], Toronto [LOC]")."""
        import json

        spans = self.prediction_record(pred, text)[self.jsonl_key]
        readable = ", ".join(f"{' '.join(s['text'].split())} [{s['label']}]" for s in spans)
        return {self.jsonl_key: json.dumps(spans, ensure_ascii=False), "entities": readable}

    def pack(self, pred: NerPrediction) -> bytes:
        import numpy as np

        probs = pred.probs.astype(np.float16)
        probs[~pred.seen] = np.nan       # words the model did not see
        return probs.tobytes()

    def unpack(self, doc_id: int, blob: bytes, labels: list[str], text: str, pretokenized: bool) -> NerPrediction:
        import numpy as np

        from workbench.tasks.entity_predictions import NerPrediction

        probs = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        words = tokenize(text, pretokenized)
        probs = probs.reshape(len(words), len(labels)) if len(words) else np.zeros((0, len(labels)), np.float32)
        seen = ~np.isnan(probs[:, 0]) if len(words) else np.zeros(0, dtype=bool)
        probs = np.where(seen[:, None], probs, 1.0 / len(labels)).astype(np.float32)
        return NerPrediction(doc_id, words, labels, probs, seen)

    # ---- review ------------------------------------------------------------------------
    def gold_value(self, value: Any) -> list[Span]:
        return list(value)

    def review(self, pred: NerPrediction, gold: Sequence[Span]) -> DocReview:
        import numpy as np

        from workbench.tasks.entity_predictions import compare_spans

        gold_tags = spans_to_bio(pred.words, gold)
        p_gold = pred.gold_probability(gold_tags)
        loss = float(-np.log(np.clip(p_gold, 1e-12, 1.0)).mean()) if len(p_gold) else 0.0
        conf = float(pred.confidences.min()) if len(pred.words) else 1.0
        worst = float(p_gold.min()) if len(p_gold) else 1.0
        verdicts = compare_spans(gold, [s.span for s in pred.spans])
        return DocReview(pred.doc_id, loss, conf, worst, verdicts)

    def confusion_names(self, labels: Sequence[str]) -> list[str]:
        return list(labels) + [NONE]

    def confusion_pairs(self, review: DocReview) -> list[tuple[str, str]]:
        return [(v.gold_label, v.pred_label) for v in review.verdicts]

    def metrics(self, preds: Mapping[int, NerPrediction], gold: Mapping[int, Any], labels: Sequence[str]
                ) -> dict[str, Any]:
        ids = [d for d in gold if d in preds]
        if not ids:   # seqeval has nothing to score: an empty report
            zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
            return {"task": self.name, "per_label": {}, "micro": zero, "macro": zero, "f1": 0.0, "score": 0.0,
                    "accuracy": 0.0, "documents": 0, "words": 0}
        gold_tags = [spans_to_bio(preds[d].words, gold[d]) for d in ids]
        return entity_report(gold_tags, [preds[d].tags for d in ids], self.name)

    def suspicion(self, pred: NerPrediction, gold: Any, source: str) -> Suspicion:
        """The worst word's probability of its gold tag, with what the model said there."""
        gold_tags = spans_to_bio(pred.words, gold)
        p = pred.gold_probability(gold_tags)
        if not len(p):
            return Suspicion(pred.doc_id, 1.0, {"words": 0}, source)
        k = int(p.argmin())
        tags = pred.tags
        disagree = sum(1 for i, t in enumerate(tags) if pred.seen[i] and t != gold_tags[i])
        detail = {"word": pred.words[k].text, "start": pred.words[k].start, "end": pred.words[k].end,
                  "gold": gold_tags[k], "pred": tags[k], "pred_p": float(pred.confidences[k]), "disagree": disagree}
        return Suspicion(pred.doc_id, float(p[k]), detail, source)

    # ---- bundles and formats ---------------------------------------------------------------
    def bundle_columns(self, tag_feature: Any) -> dict[str, Any]:
        import datasets

        return {"word_starts": datasets.Sequence(datasets.Value("int32")),
                "word_ends": datasets.Sequence(datasets.Value("int32")), "tags": datasets.Sequence(tag_feature)}

    def bundle_row(self, example: Example) -> dict[str, Any]:
        return {"word_starts": [w.start for w in example.words], "word_ends": [w.end for w in example.words],
                "tags": list(example.tags)}

    def from_bundle_row(self, row: Mapping[str, Any], names: Sequence[str]) -> Example:
        words = [Token(row["text"][s:e], s, e) for s, e in zip(row["word_starts"], row["word_ends"])]
        return Example(row["doc_id"], row["text"], words, [names[t] for t in row["tags"]])

    def to_json(self, value: Any) -> list[dict[str, Any]]:
        return [{"start": s.start, "end": s.end, "label": s.label} for s in value]


NER = EntityTask("ner", "Entities", short_title="Ent.", starter=True, example_labels=("PER", "ORG", "LOC", "MISC"))
