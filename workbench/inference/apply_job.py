"""Apply a finished run to a file: ``workbench-cli apply`` and the app's Apply dialog.

One core job (workbench/jobs.py), :func:`apply_job`: it streams the input
(``apply_files.RowReader``) in windows of a few thousand rows, predicts each window in
length-grouped batches (``Predictor.predict`` sorts a window by its word pieces) through the
fastest checked path (the run's int8 ONNX copy on CPU, checked against the fp32 export,
which is checked against torch: ``onnx_export.use_onnx_runtime``; ``exact``: the fp32
export), and writes each row with its prediction in input order to a temporary file beside
the output, renamed onto it at the end (``output_paths.writing_text``).  Memory is bounded
by the window, whatever the file's size.  A bad row stops the job (nothing is written) or,
with ``skip_bad``, is counted and left out.  ``shard``: every K-th row, for splitting a
large file across machines or processes (``apply_shards`` merges the parts).

Thread: any (the CLI's, or a JobHost worker); opens its own Store briefly.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import stat
import time
from typing import Any, Iterable, Iterator

from workbench.errors import UserError
from workbench.formats.errors import FormatError, display_path
from workbench.inference.apply_files import Row, RowReader, RowWriter, delimiter_for, input_format, output_format
from workbench.inference.run_model import RunModel, open_run
from workbench.jobs import CancelFn, Cancelled, Progress, ProgressFn, check_cancelled, no_progress
from workbench.output_paths import check_file, writing_text
from workbench.store import Document, Store

WINDOW_ROWS = 4096          # rows predicted together: sorted by length inside, so batches carry little padding
WINDOW_CHARS = 2_000_000    # and at most this much text: memory stays bounded whatever the lengths
KEPT_PROBLEMS = 20          # bad rows named in the summary (all are counted)


@dataclasses.dataclass(frozen=True)
class Shard:
    """Rows ``index``, ``index + count``, ``index + 2*count``, ... of the input (0-based, counting
    every row, bad ones included), so that K shards together hold each row exactly once."""

    index: int = 0
    count: int = 1

    def takes(self, row_number: int) -> bool:
        return row_number % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


WHOLE = Shard()


def parse_shard(text: str, env: dict[str, str] | None = None) -> Shard:
    """``"i/K"`` (0 <= i < K), or ``"torchrun"``: this process's RANK of WORLD_SIZE."""
    if text.strip().lower() == "torchrun":
        env = dict(os.environ) if env is None else env
        if "RANK" not in env or "WORLD_SIZE" not in env:
            raise UserError("--shard torchrun: RANK and WORLD_SIZE are not set (start the command with torchrun)")
        text = f"{env['RANK']}/{env['WORLD_SIZE']}"
    index, _, count = text.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        raise UserError(f"--shard {text!r}: give i/K, such as 0/4 (the first of four shards)") from None
    if shard.count < 1 or not 0 <= shard.index < shard.count:
        raise UserError(f"--shard {text!r}: i counts from 0 to K-1 (0/4, 1/4, 2/4, 3/4)")
    return shard


@dataclasses.dataclass
class ApplySummary:
    run_id: int
    task: str
    input: str
    output: str
    engine: str                 # "int8 ONNX", "fp32 ONNX" or "torch (cpu)": what predicted
    shard: str = "0/1"
    rows: int = 0               # written with their prediction
    skipped: int = 0            # bad rows left out (skip_bad)
    problems: list[str] = dataclasses.field(default_factory=list)   # the first KEPT_PROBLEMS of them
    seconds: float = 0.0        # from the first row read to the last written (the model's load not counted)

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclasses.dataclass
class Engine:
    """A run's model loaded for applying: the predictor and the path it predicts through."""

    run: RunModel
    predictor: Any
    name: str


def load_engine(run: RunModel, *, device: str | None = None, exact: bool = False,
                progress: ProgressFn = no_progress) -> Engine:
    """Load ``run``'s model; on CPU predict through its checked ONNX export (int8 unless ``exact``;
    made once per run, next to its model), elsewhere through torch.  Thread: the one that uses it."""
    progress(Progress(0, 0, f"Loading run {run.run_id}'s model"))
    predictor = run.predictor(device)
    name = f"torch ({predictor.device.type})"
    if predictor.device.type == "cpu":
        progress(Progress(0, 0, "Preparing the fast CPU path (once per run)"))
        from workbench.inference.onnx_export import use_onnx_runtime   # torch loads here, not at import

        path = use_onnx_runtime(predictor, int8=not exact)
        name = f"{path} ONNX" if path else name
    return Engine(run, predictor, name)


def _engine_for(project: str | os.PathLike[str], run_id: int | None, task: str | None, engine: Engine | None,
                device: str | None, exact: bool, progress: ProgressFn) -> Engine:
    """``engine`` when it holds run ``run_id``, else that run (None: the newest of ``task``) loaded now."""
    if engine is not None and run_id in (None, engine.run.run_id):
        return engine
    with Store(project) as store:
        run = open_run(store, run_id, task)
    return load_engine(run, device=device, exact=exact, progress=progress)


def check_input(path: str | os.PathLike[str]) -> pathlib.Path:
    """The input file, checked before any model is loaded: a regular, readable file of a known format."""
    path = pathlib.Path(path)
    shown = display_path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UserError(f"{shown}: no such file") from None
    except OSError as exc:
        raise UserError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"{shown} is a folder; give the file to apply the model to (.csv, .tsv, .jsonl or .txt)")
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{shown} is not a regular file (a device, pipe or socket)")
    input_format(path)
    if not os.access(path, os.R_OK):
        raise UserError(f"{shown}: cannot be read (permission denied)")
    return path


def check_output(output: str | os.PathLike[str], source: pathlib.Path, project: pathlib.Path,
                 overwrite: bool) -> None:
    """UserError when ``output`` may not be written: the input itself, the project, a folder, an
    existing file without ``overwrite``, a format that is not known (output_paths' rules)."""
    output_format(pathlib.Path(output))
    try:
        same = os.path.exists(output) and os.path.samefile(output, source)
    except OSError:
        same = False
    if same:
        raise UserError(f"{display_path(output)} is the input file; write the predictions to another file "
                        "(the input is never replaced)")
    check_file(output, overwrite=overwrite, protect=[project, source])


def apply_job(project: str | os.PathLike[str], run_id: int | None, input_path: str | os.PathLike[str],
              output_path: str | os.PathLike[str], *, task: str | None = None, text_column: str | None = None,
              all_scores: bool = False, skip_bad: bool = False, shard: Shard = WHOLE, prefix: str = "",
              overwrite: bool = False, device: str | None = None, exact: bool = False, batch_size: int = 64,
              engine: Engine | None = None, progress: ProgressFn = no_progress,
              cancelled: CancelFn | None = None) -> ApplySummary:
    """Write ``output_path``: every row of ``input_path`` (of ``shard``) with run ``run_id``'s
    prediction (None: the newest finished run of ``task``).  ``engine``: a model already loaded
    for this run (the Apply dialog's preview), else it is loaded here.  A cancel raises
    Cancelled with nothing written; a bad row raises UserError naming its file and line unless
    ``skip_bad``.  Any thread."""
    project = pathlib.Path(project)
    source = check_input(input_path)
    check_output(output_path, source, project, overwrite)
    reader = RowReader(source, text_column)          # a .txt input with a text column is refused here
    engine = _engine_for(project, run_id, task, engine, device, exact, progress)
    run = engine.run
    summary = ApplySummary(run.run_id, run.task, str(source), str(output_path), engine.name, str(shard))
    fmt = output_format(pathlib.Path(output_path))
    size = max(1, source.stat().st_size)
    progress(Progress(0, size, "Reading " + source.name))
    with writing_text(output_path, overwrite=overwrite, protect=[project, source]) as fh:
        writer = RowWriter(fh, fmt, delimiter=delimiter_for(pathlib.Path(output_path)), prefix=prefix,
                           line_column=shard.count > 1, source=display_path(source))
        start = time.perf_counter()
        read = 0
        for window in _windows(_good_rows(reader, shard, skip_bad, summary, cancelled)):
            step = _within(progress, summary, start, read, min(reader.bytes_read, size), size)
            try:
                preds = engine.predictor.predict([Document(i, r.text) for i, r in enumerate(window)],
                                                 batch_size=batch_size, progress=step, cancelled=cancelled)
            except Cancelled:
                raise Cancelled("apply cancelled; nothing was written") from None
            writer.input_columns = reader.columns
            for row, pred in zip(window, preds):
                writer.write(row, prediction_fields(run, pred, row.text, fmt, all_scores))
            summary.rows += len(window)
            summary.seconds = time.perf_counter() - start
            read = min(reader.bytes_read, size)
            progress(Progress(read, size, _rate(summary, read, size)))
        writer.input_columns = reader.columns
        writer.finish()
        check_cancelled(cancelled, "apply cancelled; nothing was written")
    summary.seconds = time.perf_counter() - start
    progress(Progress(size, size, _rate(summary, size, size)))
    return summary


@dataclasses.dataclass
class ApplyPreview:
    """The first rows of a file with their predictions, as :func:`apply_job` would write them."""

    columns: list[str]          # "line", the text, then the prediction's CSV cells
    rows: list[list[Any]]
    problems: list[str]         # bad rows among those read
    engine: Engine              # loaded: hand it to apply_job to run without loading again


def preview_job(project: str | os.PathLike[str], run_id: int | None, input_path: str | os.PathLike[str], *,
                task: str | None = None, text_column: str | None = None, all_scores: bool = False,
                rows: int = 10, engine: Engine | None = None, device: str | None = None, exact: bool = False,
                progress: ProgressFn = no_progress, cancelled: CancelFn | None = None) -> ApplyPreview:
    """Predict the first ``rows`` good rows of ``input_path`` through the same engine as
    :func:`apply_job` (loaded here unless given).  Any thread."""
    source = check_input(input_path)
    reader = RowReader(source, text_column)
    engine = _engine_for(project, run_id, task, engine, device, exact, progress)
    check_cancelled(cancelled, "preview cancelled")
    good: list[Row] = []
    problems: list[str] = []
    for row in reader:
        if row.problem is not None:
            problems.append(str(row.problem))
        else:
            good.append(row)
        if len(good) >= rows or len(problems) >= KEPT_PROBLEMS:
            break
    preds = engine.predictor.predict([Document(i, r.text) for i, r in enumerate(good)], cancelled=cancelled)
    cells = [prediction_fields(engine.run, p, r.text, "csv", all_scores) for r, p in zip(good, preds)]
    names = list(cells[0]) if cells else []
    return ApplyPreview(["line", reader.text_field, *names],
                        [[r.line, r.text, *c.values()] for r, c in zip(good, cells)], problems, engine)


def prediction_fields(run: RunModel, pred: Any, text: str, fmt: str, all_scores: bool) -> dict[str, Any]:
    """A prediction as the output holds it: CSV cells, or a JSON record's fields."""
    if fmt == "csv":
        return run.spec.prediction_cells(pred, text, all_scores=all_scores)
    return run.spec.prediction_record(pred, text, all_scores=all_scores)


def _good_rows(reader: Iterable[Row], shard: Shard, skip_bad: bool, summary: ApplySummary,
               cancelled: CancelFn | None) -> Iterator[Row]:
    """The shard's rows that can be predicted; a bad one stops the job or (``skip_bad``) is counted."""
    for number, row in enumerate(reader):
        if number % 4096 == 0:
            check_cancelled(cancelled, "apply cancelled; nothing was written")
        if not shard.takes(number):
            continue
        if row.problem is None:
            yield row
            continue
        if not skip_bad:
            raise BadRow(row.problem)
        summary.skipped += 1
        if len(summary.problems) < KEPT_PROBLEMS:
            summary.problems.append(str(row.problem))


class BadRow(UserError):
    """A row that cannot be predicted, when bad rows stop the job (nothing is written)."""

    def __init__(self, problem: FormatError) -> None:
        self.problem = problem
        super().__init__(f"{problem}; stopped, nothing was written (skip bad rows with --skip-bad, "
                         "or “Skip bad rows” in the app: they are counted and left out)")


def _windows(rows: Iterable[Row]) -> Iterator[list[Row]]:
    window: list[Row] = []
    chars = 0
    for row in rows:
        window.append(row)
        chars += len(row.text)
        if len(window) >= WINDOW_ROWS or chars >= WINDOW_CHARS:
            yield window
            window, chars = [], 0
    if window:
        yield window


def _within(progress: ProgressFn, summary: ApplySummary, start: float, before: int, after: int,
            size: int) -> ProgressFn:
    """Progress inside one window (its batches), the bytes read spread over its rows."""
    rows = summary.rows

    def report(p: Progress) -> None:
        share = p.done / p.total if p.total else 0.0
        done = before + int((after - before) * share)
        now = ApplySummary(summary.run_id, summary.task, "", "", "", rows=rows + p.done, skipped=summary.skipped,
                           seconds=time.perf_counter() - start)
        progress(Progress(done, size, _rate(now, done, size)))

    return report


def _rate(summary: ApplySummary, done_bytes: int, size: int) -> str:
    """"12,288 rows, 431 rows/s, about 2 min left" (the time left from the share of the file read)."""
    text = f"{summary.rows:,} row{'s' if summary.rows != 1 else ''}"
    if summary.seconds > 0:
        text += f", {summary.per_second:,.0f} rows/s"
        if 0 < done_bytes < size:
            text += f", about {_duration(summary.seconds * (size - done_bytes) / done_bytes)} left"
    if summary.skipped:
        text += f", {summary.skipped:,} bad skipped"
    return text


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60)} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


__all__ = ["ApplyPreview", "ApplySummary", "BadRow", "Engine", "Shard", "WHOLE", "apply_job", "check_input", "check_output",
           "load_engine", "parse_shard", "prediction_fields", "preview_job"]
