"""Long inference jobs: predict a split or pre-annotate unlabeled documents, into the cache.

Each job is a plain function taking ``progress`` and ``cancelled`` (workbench/jobs.py):
run it on the CLI's thread or through ``ui/workers.py``.  It opens its own Store (a
connection belongs to its thread), loads the model once, predicts in chunks and writes
each chunk in one short transaction, so a cancelled job keeps what it finished: its
Cancelled carries the :class:`PredictSummary` of what was kept.
"""
from __future__ import annotations

import dataclasses
import pathlib
import time
from typing import Any

from workbench.inference import cache
# {task: run_id}: the run whose suggestions the labeling screen shows and whose
# confidences order "uncertain first" (defined with the queue, which needs no numpy)
from workbench.inference.queue import SUGGESTIONS_SETTING
from workbench.inference.limits import MAX_DOC_CHARS
from workbench.inference.run_model import RunModel, open_run
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, no_progress
from workbench.store import SPLITS, Document, Store

CHUNK = 256
CHUNK_CHARS = 1_000_000   # and at most this much text per chunk: memory stays bounded whatever the lengths
ONNX_FROM = 500      # this many documents or more: predict through ONNX Runtime (exported once per run)
WHICH = (*SPLITS[:3], "unlabeled", "all")


@dataclasses.dataclass
class PredictSummary:
    run_id: int
    task: str
    which: str
    documents: int          # selected
    predicted: int          # newly predicted now
    cached: int             # already cached (not predicted again)
    seconds: float          # model time for the new ones
    skipped: list[int] = dataclasses.field(default_factory=list)   # too long to predict (MAX_DOC_CHARS)

    def skipped_note(self) -> str:
        """One line naming the skipped documents ("" when none were)."""
        if not self.skipped:
            return ""
        ids = ", ".join(map(str, self.skipped[:20])) + (", ..." if len(self.skipped) > 20 else "")
        return (f"skipped {len(self.skipped)} document{'s' if len(self.skipped) > 1 else ''} longer than "
                f"{MAX_DOC_CHARS:,} characters (id {ids}): the model reads only the start of a document; "
                "split long documents to predict all of their text")

    @property
    def per_second(self) -> float:
        return self.predicted / self.seconds if self.seconds > 0 else 0.0


def select_documents(store: Store, task: str, which: str) -> list[int]:
    """Document ids for ``which``: a split (dev/test/train), ``unlabeled`` (for ``task``) or ``all``."""
    if which not in WHICH:
        raise ValueError(f"unknown selection {which!r}; use one of {', '.join(WHICH)}")
    if which == "unlabeled":
        sql, args = "SELECT doc_id FROM annotations WHERE task = ? AND status = 'unlabeled' ORDER BY doc_id", [task]
    elif which == "all":
        sql, args = "SELECT id FROM documents ORDER BY id", []
    else:
        sql, args = "SELECT id FROM documents WHERE split = ? ORDER BY id", [which]
    return [r[0] for r in store.conn.execute(sql, args)]


def _documents(store: Store, ids: list[int]) -> list[Document]:
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(f"SELECT id, text, pretokenized FROM documents WHERE id IN ({marks})", ids).fetchall()
    by_id = {r[0]: Document(r[0], r[1], pretokenized=bool(r[2])) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _lengths(store: Store, ids: list[int]) -> dict[int, int]:
    wanted = set(ids)
    return {i: n for i, n in store.conn.execute("SELECT id, length(text) FROM documents") if i in wanted}


def _by_length(ids: list[int], lengths: dict[int, int]) -> list[int]:
    """``ids`` shortest text first: each chunk then holds documents of about one length, so
    its batches carry little padding (2,000 CoNLL sentences through the int8 model: 448
    sentences/s sorted as a whole against 335/s sorted only inside chunks of 256)."""
    return sorted(ids, key=lambda i: (lengths.get(i, 0), i))


def _chunks(ids: list[int], lengths: dict[int, int]) -> list[list[int]]:
    """Consecutive runs of at most CHUNK documents and CHUNK_CHARS characters (at least one each)."""
    out: list[list[int]] = []
    size = CHUNK_CHARS
    for i in ids:
        n = lengths.get(i, 0)
        if not out or len(out[-1]) >= CHUNK or size + n > CHUNK_CHARS:
            out.append([])
            size = 0
        out[-1].append(i)
        size += n
    return out


def predict_into_cache(store: Store, run: RunModel, doc_ids: list[int], *, predictor: Any = None,
                       device: str | None = None, refresh: bool = False, batch_size: int = 64, int8: bool = False,
                       progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> PredictSummary:
    """Predict the documents not yet cached (all of them with ``refresh``).  Thread: the caller's
    (``store`` must belong to it).  Without ``predictor`` the run's model is loaded on ``device``,
    and a large job predicts through ONNX Runtime on CPU (``int8``: its int8 export, for
    suggestions; scores of labeled splits always come from the full-precision model).  A cancel
    raises Cancelled with the summary of the chunks already predicted and cached (kept)."""
    # scores need the exact model: a document pre-annotated by the int8 copy and labeled since
    # is predicted again
    todo = list(doc_ids) if refresh else cache.missing(store, run.run_id, doc_ids, exact=not int8)
    summary = PredictSummary(run.run_id, run.task, "", len(doc_ids), 0, len(doc_ids) - len(todo), 0.0)
    lengths = _lengths(store, todo)
    summary.skipped = [i for i in todo if lengths.get(i, 0) > MAX_DOC_CHARS]
    if summary.skipped:
        todo = [i for i in todo if lengths.get(i, 0) <= MAX_DOC_CHARS]
        progress(Progress(0, len(todo), summary.skipped_note()))
    progress(Progress(0, len(todo), f"{summary.cached} already predicted" if summary.cached else "Predicting"))
    if not todo:
        return summary
    exact = True
    if predictor is None:
        progress(Progress(0, len(todo), "Loading the model"))
        predictor = run.predictor(device)
        if len(todo) >= ONNX_FROM:
            progress(Progress(0, len(todo), "Preparing the fast CPU path (once per run)"))
            from workbench.inference.onnx_export import use_onnx_runtime   # torch loads here

            exact = use_onnx_runtime(predictor, int8=int8) != "int8"
    for chunk in _chunks(_by_length(todo, lengths), lengths):
        check_cancelled(cancelled, _cancelled_note(summary), summary)
        docs = _documents(store, chunk)
        t0 = time.perf_counter()
        try:
            preds = predictor.predict(docs, batch_size=batch_size, cancelled=cancelled)
        except Cancelled:   # midway through the chunk: the chunks before it are kept
            raise Cancelled(_cancelled_note(summary), summary) from None
        finally:
            summary.seconds += time.perf_counter() - t0
        cache.save(store, run.run_id, preds, {d.id: d.text for d in docs}, exact=exact)
        summary.predicted += len(preds)
        progress(Progress(summary.predicted, len(todo), _predicting(summary, len(todo))))
    return summary


def _predicting(summary: PredictSummary, todo: int) -> str:
    """"12,000 of 1,000,000 documents · 410 documents/s · about 40 min left" (the rate is the
    model's, so a pause in the UI does not skew it)."""
    text = f"{summary.predicted:,} of {todo:,} documents"
    rate = summary.per_second
    if rate > 0:
        left = (todo - summary.predicted) / rate
        when = f"{left / 3600:.1f} h" if left >= 5400 else f"{round(left / 60)} min" if left >= 90 else f"{round(left)} s"
        text += f" · {rate:,.0f} documents/s" + (f" · about {when} left" if summary.predicted < todo else "")
    return text


def _cancelled_note(summary: PredictSummary) -> str:
    kept = f"the {summary.predicted:,} predicted so far are kept" if summary.predicted else "nothing was predicted"
    return f"prediction cancelled; {kept}"


def predict_job(project: str | pathlib.Path, run_id: int | None, which: str = "dev", *, task: str | None = None,
                refresh: bool = False, suggest: bool | None = None, device: str | None = None,
                progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> PredictSummary:
    """Predict a split (or the unlabeled documents) with a run, into the cache.  Any thread:
    opens its own Store.  Pre-annotating (``which="unlabeled"``, or ``suggest=True``) also makes
    the run the one whose suggestions the labeling screen shows (also when cancelled: the
    predictions kept are suggestions too; the Cancelled carries their summary)."""
    with Store(project) as store:
        run = open_run(store, run_id, task)
        ids = select_documents(store, run.task, which)
        suggesting = suggest or (suggest is None and which == "unlabeled")
        try:
            # unlabeled documents become suggestions that a person accepts or fixes: the int8 model
            # serves them (1.7x faster, 99.6% of word tags the same); labeled splits are scored exactly
            summary = predict_into_cache(store, run, ids, device=device, refresh=refresh, int8=which == "unlabeled",
                                         progress=progress, cancelled=cancelled)
        except Cancelled as stop:
            stop.partial.which = which
            if suggesting:
                set_suggestion_run(store, run.task, run.run_id)
            raise
        summary.which = which
        if suggesting:
            set_suggestion_run(store, run.task, run.run_id)
    return summary


def set_suggestion_run(store: Store, task: str, run_id: int | None) -> None:
    current = dict(store.setting(SUGGESTIONS_SETTING, {}) or {})
    if run_id is None:
        current.pop(task, None)
    else:
        current[task] = int(run_id)
    store.set_setting(SUGGESTIONS_SETTING, current)


def suggestion_run(store: Store, task: str) -> int | None:
    value = (store.setting(SUGGESTIONS_SETTING, {}) or {}).get(task)
    return int(value) if value is not None else None
