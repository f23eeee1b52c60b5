"""What a task is: the :class:`TaskSpec` every labeling task implements, and the records its
methods pass around.

A task (entity spans, a document class such as sentiment, ...) is declared once, as a
TaskSpec registered by name (:mod:`workbench.tasks.registry`).  Everything that differs from
one task to another lives behind it: how an annotation is stored and validated, the label
set's rules, the examples and targets training builds, the model head, decoding, metrics,
the kinds of mistakes the review shows and how a prediction is cached.  The store, formats,
training and inference are written against this protocol and never name a task.

Importing the registry loads no numpy, torch or transformers (the store imports it, and
the app's start-up should not pay for them); the methods that need them import them.
Pure functions of their arguments: safe on any thread.
"""
from __future__ import annotations

import abc
import dataclasses
import enum
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from workbench.spans import Span, Token

if TYPE_CHECKING:   # numpy and torch load with the first prediction, not with the registry
    import numpy as np

IGNORE = -100           # the loss's "no label here" (pieces other than a word's first)


class Storage(enum.Enum):
    """How the store keeps a task's annotation (the two shapes the project file has)."""

    SPANS = "spans"     # character-offset spans in the ``spans`` table (at most one such task per project)
    CLASS = "class"     # one class per document: ``annotations.class_id``


class Head(enum.Enum):
    """The shape of the model's output: one distribution per word piece, or one per document."""

    TOKEN = "token"
    SEQUENCE = "sequence"


# Kinds of verdict on a labeled document (the review's error list, legend and filters).
CORRECT = "correct"
WRONG_TYPE = "wrong_type"
WRONG_BOUNDARY = "wrong_boundary"
FALSE_NEGATIVE = "false_negative"
FALSE_POSITIVE = "false_positive"
WRONG_CLASS = "wrong_class"
KIND_NAMES = {
    CORRECT: "correct", FALSE_POSITIVE: "false positive", FALSE_NEGATIVE: "false negative",
    WRONG_TYPE: "wrong type", WRONG_BOUNDARY: "wrong boundary", WRONG_CLASS: "wrong class",
}
NONE = "O"              # the confusion matrix's "no entity" row and column


@dataclasses.dataclass
class Example:
    """One labeled document as training sees it.  ``target`` is the task's: word tags for
    entities (with ``words``), a class name for a classification task."""

    doc_id: int
    text: str
    words: list[Token] = dataclasses.field(default_factory=list)   # token tasks: the labeling screen's words
    tags: list[str] = dataclasses.field(default_factory=list)      # token tasks: one tag per word
    label: str | None = None                                       # classification: the class


@dataclasses.dataclass(frozen=True)
class Verdict:
    kind: str
    gold: Span | None
    pred: Span | None

    @property
    def gold_label(self) -> str:
        return self.gold.label if self.gold else NONE

    @property
    def pred_label(self) -> str:
        return self.pred.label if self.pred else NONE

    @property
    def start(self) -> int:
        return min(s.start for s in (self.gold, self.pred) if s is not None)

    @property
    def end(self) -> int:
        return max(s.end for s in (self.gold, self.pred) if s is not None)


@dataclasses.dataclass
class DocReview:
    """One labeled document's row in the error list."""

    doc_id: int
    loss: float                     # mean cross-entropy of the gold labels (per word for token tasks)
    confidence: float               # the model's least confident word, or its class probability
    gold_confidence: float          # lowest probability given to a gold label: the suspicion score
    verdicts: list[Verdict]         # spans, or one verdict for the document (spans None)
    gold: str | None = None         # classification only
    pred: str | None = None

    @property
    def errors(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind != CORRECT]

    @property
    def kinds(self) -> set[str]:
        return {v.kind for v in self.errors}

    @property
    def labels(self) -> set[str]:
        """Labels involved in this document's errors (gold or predicted)."""
        out = set()
        for v in self.errors:
            out |= {v.gold_label, v.pred_label}
        if self.gold is not None and self.pred != self.gold:
            out |= {self.gold, self.pred or ""}
        out.discard(NONE)
        out.discard("")
        return out


@dataclasses.dataclass(frozen=True)
class Suspicion:
    """How much the model doubts one gold label: ``score`` is the probability it gives the gold
    label (the worst word's, for a token task); ``detail`` says what it predicted instead."""

    doc_id: int
    score: float
    detail: dict[str, Any]
    source: str


class TaskSpec(abc.ABC):
    """One labeling task.  Instances are registered by name; ``name`` is what the project file,
    run rows, bundles and model folders store."""

    name: str                   # stored in the project, runs and model folders
    title: str                  # what the app shows ("Entities", "Sentiment")
    short_title: str = ""       # for a narrow column ("Ent.", "Sent."); the title when empty
    noun: str                   # one label, in messages ("entity label", "sentiment class")
    nouns: str                  # several
    set_name: str = "labels"    # the project's list of them, in messages ("project labels: PER, ORG")
    storage: Storage
    head: Head
    shortcut_pool: str          # keys handed to new labels, in order
    jsonl_key: str              # the JSONL field that holds this task's annotation
    min_labels: int = 1         # a project needs at least this many labels to train
    description: str = ""       # a few words for the New project dialog ("spans", "one class per document")
    starter: bool = False       # checked in the New project dialog
    example_labels: tuple[str, ...] = ()   # offered in the New project dialog
    score_name: str = "F1"      # what the dev score is ("entity F1", "macro F1")
    error_kinds: tuple[str, ...] = ()     # the kinds of mistake :meth:`review` reports
    legend_kinds: tuple[str, ...] = ()    # what the review's text legend explains
    uses_word_case: bool = False          # uncased models are fed each word's case (modeling.casing)
    pools_document: bool = False          # sentence-embedding bodies are mean-pooled (modeling.pooling)

    def __repr__(self) -> str:
        return f"<task {self.name}>"

    # ---- annotation and label set -------------------------------------------------------
    def check_label_set(self, labels: Sequence[str]) -> None:
        """UserError unless a model can be trained on this label set."""
        from workbench.errors import UserError

        if len(labels) < self.min_labels:
            need = f"at least {self.min_labels} {self.nouns if self.min_labels > 1 else self.noun}"
            raise UserError(f"{self.title}: the project has {len(labels)} {self.nouns}; add {need} before training")

    # ---- training ----------------------------------------------------------------------
    @abc.abstractmethod
    def example(self, doc_id: int, text: str, pretokenized: bool, value: Any) -> Example:
        """The training example of one accepted annotation (``value``: spans or a class name)."""

    @abc.abstractmethod
    def model_labels(self, labels: Sequence[str]) -> list[str]:
        """What the model predicts, in id order, for the project's labels (BIO tags, classes)."""

    @abc.abstractmethod
    def project_labels(self, model_labels: Sequence[str]) -> list[str]:
        """The project's labels behind a model's label set (the inverse of :meth:`model_labels`)."""

    @abc.abstractmethod
    def label_counts(self, examples: Sequence[Example]) -> dict[str, int]:
        """How many examples of each project label (entities, or documents per class)."""

    @abc.abstractmethod
    def targets(self, examples: Sequence[Example], encoding: Mapping[str, Any], label2id: dict[str, int]
                ) -> dict[str, list[Any]]:
        """The label columns of the encoded dataset (``labels`` and what scoring needs), from the
        tokenizer's ``encoding`` of the examples' texts (offsets and special-tokens mask included)."""

    def model_class(self) -> Any:
        """The transformers Auto class whose head this task trains."""
        import transformers

        return (transformers.AutoModelForTokenClassification if self.head is Head.TOKEN
                else transformers.AutoModelForSequenceClassification)

    @abc.abstractmethod
    def collate_labels(self, labels: Sequence[Any], width: int) -> Any:
        """One batch's ``labels`` tensor (padded to ``width`` pieces for token tasks)."""

    @abc.abstractmethod
    def batch_loss(self, logits: Any, labels: Any) -> tuple[float, int, Any]:
        """``(summed loss, how many labels it sums over, what scoring keeps per example)`` of one
        evaluation batch; the last is indexable by the batch's rows."""

    @abc.abstractmethod
    def report(self, kept: Sequence[Any], columns: Mapping[str, Sequence[Any]], model_labels: Sequence[str],
               labels: Sequence[Any]) -> dict[str, Any]:
        """The metrics report of a scored split (a JSON-able dict with ``score``, ``f1`` and
        ``accuracy``); ``kept`` is :meth:`batch_loss`'s per-example output in dataset order,
        ``columns`` the encoded dataset's columns, ``labels`` each example's label column."""

    def training_defaults(self, device_kind: str) -> dict[str, Any]:
        """Where this task's recipe differs from the general defaults (``cpu`` or ``gpu``)."""
        return {}

    # ---- predictions ---------------------------------------------------------------------
    @abc.abstractmethod
    def prediction(self, doc_id: int, words: list[Token], first_word: Sequence[int], first_piece: Sequence[int],
                   probs: np.ndarray, labels: list[str]) -> Any:
        """A prediction record from the model's probabilities for one document (``probs``: pieces
        x labels for token tasks, labels for sequence tasks)."""

    def predicted_class(self, pred: Any) -> str | None:
        """The class a prediction names, for the prediction cache's ``label`` column (None for a
        token task)."""
        return None

    @abc.abstractmethod
    def prediction_json(self, pred: Any) -> dict[str, Any]:
        """A prediction as the CLI prints it (under the task's JSONL key, with confidences)."""

    # predictions leaving the app: ``workbench-cli apply`` (JSONL and CSV) and ``serve`` (HTTP)
    def prediction_record(self, pred: Any, text: str, *, all_scores: bool = False) -> dict[str, Any]:
        """A prediction as JSON-able fields for one text (``text``: the text it was made from),
        with confidences; ``all_scores``: every label's probability where the task has them."""
        return self.prediction_json(pred)

    def prediction_cells(self, pred: Any, text: str, *, all_scores: bool = False) -> dict[str, str | float]:
        """The same as CSV cells: flat values (nested ones as JSON), the same columns for every
        text of a run."""
        import json

        return {k: v if isinstance(v, (str, int, float)) else json.dumps(v, ensure_ascii=False)
                for k, v in self.prediction_record(pred, text, all_scores=all_scores).items()}

    @abc.abstractmethod
    def pack(self, pred: Any) -> bytes:
        """The prediction's probabilities as stored in the project's prediction cache."""

    @abc.abstractmethod
    def unpack(self, doc_id: int, blob: bytes, labels: list[str], text: str, pretokenized: bool) -> Any:
        """A cached prediction back from :meth:`pack`'s bytes."""

    # ---- review ------------------------------------------------------------------------
    @abc.abstractmethod
    def gold_value(self, value: Any) -> Any:
        """An accepted annotation as the review compares it (a list of spans, a class name)."""

    @abc.abstractmethod
    def review(self, pred: Any, gold: Any) -> DocReview:
        """What the model got right and wrong on one labeled document."""

    @abc.abstractmethod
    def confusion_names(self, labels: Sequence[str]) -> list[str]:
        """Rows and columns of the confusion matrix."""

    @abc.abstractmethod
    def confusion_pairs(self, review: DocReview) -> list[tuple[str, str]]:
        """The (gold, predicted) cells one reviewed document falls in."""

    @abc.abstractmethod
    def metrics(self, preds: Mapping[int, Any], gold: Mapping[int, Any], labels: Sequence[str]) -> dict[str, Any]:
        """Training's metrics report, from predictions and gold values by document id."""

    @abc.abstractmethod
    def suspicion(self, pred: Any, gold: Any, source: str) -> Suspicion:
        """How much the model doubts the gold label of one document."""

    # ---- bundles (training elsewhere) ------------------------------------------------------
    @abc.abstractmethod
    def bundle_columns(self, tag_feature: Any) -> dict[str, Any]:
        """The ``datasets`` features of a training bundle's rows, besides doc_id and text."""

    @abc.abstractmethod
    def bundle_row(self, example: Example) -> dict[str, Any]:
        """One example as a bundle row (besides doc_id and text)."""

    @abc.abstractmethod
    def from_bundle_row(self, row: Mapping[str, Any], names: Sequence[str]) -> Example:
        """An example back from a bundle row."""

    # ---- formats ---------------------------------------------------------------------------
    @abc.abstractmethod
    def to_json(self, value: Any) -> Any:
        """An accepted annotation as its JSONL field holds it."""
