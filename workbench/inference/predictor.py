"""A trained run's model folder, loaded for inference.

A :class:`Predictor` is used by one thread at a time: a batch job's worker, or
the Review screen's explanation jobs, which run one after another on worker
threads (never the UI thread).  Models load with ``from_pretrained`` from a
local folder checked first (``training.model_folder``): safetensors only, and
``trust_remote_code=False``, so a folder's own code is never run.
"""
from __future__ import annotations

import dataclasses
import pathlib
from typing import Any, Iterable, Sequence

import numpy as np
import torch

from workbench.errors import UserError
from workbench import tasks as task_registry
from workbench.inference.limits import MAX_DOC_CHARS
from workbench.inference.records import Prediction
from workbench.modeling.model_folder import check_model_folder
from workbench.jobs import CancelFn, Progress, ProgressFn, check_cancelled
from workbench.spans import Token, first_pieces, piece_words, tokenize
from workbench.store import Document
from workbench.modeling.casing import cases_of, uses_word_case
from workbench.modeling.device import pick_device
from workbench.modeling.loading import first_line, load_tokenizer, quiet_transformers
from workbench.modeling.pooling import restore_pooling


@dataclasses.dataclass
class Encoded:
    """One document as the model sees it."""

    doc: Document
    words: list[Token]
    input_ids: list[int]
    word_ids: list[int | None]     # word index per piece (None: [CLS], [SEP]), for the overlays
    first_piece: list[int]         # NER: positions of the pieces that carry a word's label ...
    first_word: list[int] = dataclasses.field(default_factory=list)  # ... and the word each one labels
    type_ids: list[int] | None = None  # word case per piece, for models trained with it (casing.py)


def as_document(text: str, doc_id: int = 0, pretokenized: bool = False) -> Document:
    return Document(doc_id, text, pretokenized=pretokenized)


class Predictor:
    """Predicts with one model folder.  Thread: any, one at a time."""

    def __init__(self, model_dir: str | pathlib.Path, *, device: str | None = None, max_length: int = 512) -> None:
        """``device``: auto (default), cpu, cuda or mps.  ``max_length``: the run's training length."""
        self.model_dir = pathlib.Path(model_dir)
        if not (self.model_dir / "config.json").is_file():
            raise UserError(f"{self.model_dir}: no model here (config.json missing)")
        # checked with plain file reads before transformers sees the folder: no code of its own
        # (auto_map), safetensors weights, labels, tokenizer files
        self.spec = task_registry.get(check_model_folder(self.model_dir).task)
        self.task = self.spec.name
        self.token_level = self.spec.head is task_registry.Head.TOKEN
        self.device = torch.device(pick_device(device or "auto").torch_device)
        cls = self.spec.model_class()
        self.tokenizer = load_tokenizer(str(self.model_dir))
        try:
            with quiet_transformers():     # a mean-pooled model has no [CLS] pooler weights to load
                self.model = cls.from_pretrained(str(self.model_dir), use_safetensors=True, trust_remote_code=False,
                                                 local_files_only=True)
        except (OSError, ValueError, RuntimeError) as exc:   # damaged weights, shapes that do not fit the config
            raise UserError(f"{self.model_dir}: the model cannot be loaded ({first_line(exc)})") from exc
        restore_pooling(self.model)
        self.model.to(self.device).eval()
        cfg = self.model.config
        self.labels: list[str] = [cfg.id2label[i] for i in range(cfg.num_labels)]
        self.word_case = uses_word_case(cfg)
        limit = min(int(getattr(cfg, "max_position_embeddings", 512) or 512), int(self.tokenizer.model_max_length or 512))
        self.max_length = min(max_length, limit)
        self._session: Any = None     # an ONNX Runtime session (onnx_export.use_onnx_runtime)

    # ---- encoding ---------------------------------------------------------------
    def encode(self, docs: Sequence[Document]) -> list[Encoded]:
        """Word pieces of each document's raw text, as training encodes it
        (``spans.piece_words`` and ``spans.first_pieces``, as ``training.data.align_pieces``):
        for NER the first piece of each word (``spans.tokenize``) carries the word's label."""
        if not docs:
            return []
        for d in docs:
            if len(d.text) > MAX_DOC_CHARS:
                raise UserError(f"document {d.id} is too long to predict ({len(d.text):,} characters; the limit is "
                                f"{MAX_DOC_CHARS:,}); split it into shorter documents")
        words = [tokenize(d.text, d.pretokenized) for d in docs]
        batch = self.tokenizer([d.text for d in docs], truncation=True, max_length=self.max_length,
                               return_offsets_mapping=True, return_special_tokens_mask=True,
                               return_attention_mask=False, return_token_type_ids=False)
        out = []
        for i, doc in enumerate(docs):
            offsets, special = batch["offset_mapping"][i], batch["special_tokens_mask"][i]
            wids = piece_words(offsets, special, [w.start for w in words[i]], [w.end for w in words[i]])
            firsts = first_pieces(wids) if self.token_level else []
            enc = Encoded(doc, words[i], list(batch["input_ids"][i]), wids, [p for p, _ in firsts],
                          [w for _, w in firsts])
            if self.word_case:
                enc.type_ids = cases_of(words[i], wids)
            out.append(enc)
        return out

    def _tensors(self, items: Sequence[Encoded]) -> dict[str, torch.Tensor]:
        width = max(len(e.input_ids) for e in items)
        pad = self.tokenizer.pad_token_id or 0
        ids = np.full((len(items), width), pad, dtype=np.int64)
        mask = np.zeros((len(items), width), dtype=np.int64)
        types = np.zeros((len(items), width), dtype=np.int64) if self.word_case else None
        for r, e in enumerate(items):
            ids[r, : len(e.input_ids)] = e.input_ids
            mask[r, : len(e.input_ids)] = 1
            if types is not None and e.type_ids is not None:
                types[r, : len(e.type_ids)] = e.type_ids
        out = {"input_ids": torch.from_numpy(ids).to(self.device),
               "attention_mask": torch.from_numpy(mask).to(self.device)}
        if types is not None:
            out["token_type_ids"] = torch.from_numpy(types).to(self.device)
        return out

    def _record(self, enc: Encoded, probs: np.ndarray) -> Prediction:
        """``probs``: (pieces, labels) for a token task, (labels,) for a document task."""
        return self.spec.prediction(enc.doc.id, enc.words, enc.first_word, enc.first_piece, probs, self.labels)

    # ---- prediction -------------------------------------------------------------
    @torch.inference_mode()
    def predict(
        self,
        docs: Sequence[Document],
        *,
        batch_size: int = 64,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
    ) -> list[Prediction]:
        """Predictions in the order of ``docs``.  Documents are batched by length (less
        padding); ``progress`` hears after each batch how many documents are done, and
        ``cancelled()`` is asked before each batch (a cancel raises Cancelled: workbench/jobs.py)."""
        encoded = self.encode(docs)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].input_ids))
        results: list[Prediction | None] = [None] * len(encoded)
        for b in range(0, len(order), batch_size):
            check_cancelled(cancelled, "prediction cancelled")
            idx = order[b: b + batch_size]
            probs = self._probs(self._tensors([encoded[i] for i in idx]))
            for r, i in enumerate(idx):
                results[i] = self._record(encoded[i], probs[r, : len(encoded[i].input_ids)] if self.token_level
                                          else probs[r])
            if progress is not None:
                done = b + len(idx)
                progress(Progress(done, len(order), f"{done:,} of {len(order):,} documents"))
        return [r for r in results if r is not None]

    def _probs(self, tensors: dict[str, torch.Tensor]) -> np.ndarray:
        if self._session is not None:
            logits = self._session.run(["logits"], {k: v.numpy() for k, v in tensors.items()})[0]
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        return torch.softmax(self.model(**tensors).logits.float(), dim=-1).cpu().numpy()

    def use_session(self, session: Any) -> None:
        """Predict batches through this ONNX Runtime session from now on (None: torch again).
        ``workbench.inference.onnx_export.use_onnx_runtime`` makes it, checked against torch."""
        self._session = session

    def predict_one(self, doc: Document) -> Prediction:
        return self.predict([doc])[0]

    def use_eager_attention(self) -> None:
        """SDPA returns no attention weights; the eager implementation does (slower, same results)."""
        if getattr(self.model.config, "_attn_implementation", None) != "eager":
            self.model.set_attn_implementation("eager")

    @torch.inference_mode()
    def predict_with_attention(self, doc: Document) -> tuple[Prediction, Encoded, np.ndarray]:
        """One document's prediction and its attention weights, shape (layers, heads, pieces, pieces)."""
        self.use_eager_attention()
        enc = self.encode([doc])[0]
        out = self.model(**self._tensors([enc]), output_attentions=True)
        probs = torch.softmax(out.logits.float(), dim=-1)[0].cpu().numpy()
        att = torch.stack([a[0] for a in out.attentions]).float().cpu().numpy()
        return self._record(enc, probs), enc, att

    def pieces(self, enc: Encoded) -> list[str]:
        return self.tokenizer.convert_ids_to_tokens(enc.input_ids)


def iter_chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
