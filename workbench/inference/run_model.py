"""A finished run, as inference needs it: its model folder, task, labels and max length.

Reads the run row that training wrote (``workbench.training.runs``) and checks
the model folder (``workbench.modeling.model_folder``): a run whose folder is
gone or damaged is listed as broken, with the reason, never raised from a
listing.  Loads no weights.  Any thread, with a Store opened on that thread.
"""
from __future__ import annotations

import dataclasses
import pathlib

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.store import Store
from workbench.training import runs
from workbench.modeling.model_folder import check_model_folder


def model_task(model_dir: str | pathlib.Path) -> str:
    """The registered task the model was trained for, from the folder's config (no weights
    loaded); UserError if unusable."""
    return check_model_folder(model_dir).task


def model_labels(model_dir: str | pathlib.Path) -> list[str]:
    """The label names in id order, from config.json (cheap: no weights loaded); UserError if unusable."""
    return check_model_folder(model_dir).label_names


@dataclasses.dataclass(frozen=True)
class RunModel:
    run_id: int
    task: str
    model_dir: pathlib.Path
    label_names: list[str]      # what the model predicts, in id order (BIO tags or classes)
    max_length: int
    title: str

    @property
    def spec(self) -> task_registry.TaskSpec:
        return task_registry.get(self.task)

    @property
    def entity_labels(self) -> list[str]:
        """The project's labels this model predicts (entity types from its B- tags, or classes)."""
        return self.spec.project_labels(self.label_names)

    def predictor(self, device: str | None = None):  # -> Predictor (torch loads here, not at import)
        """Load the model (seconds for MiniLM).  Thread: the one that will use it."""
        from workbench.inference.predictor import Predictor

        return Predictor(self.model_dir, device=device, max_length=self.max_length)


USABLE = ("done", "cancelled")     # statuses of runs that saved a model


@dataclasses.dataclass(frozen=True)
class RunChoice:
    """A run that saved a model: loadable (``model``), or broken (``problem`` says why)."""

    row: runs.RunRow
    model: RunModel | None
    problem: str = ""

    @property
    def short_problem(self) -> str:
        """The problem without the model folder's path ("config.json: not valid JSON ..."), for a list."""
        short = self.problem
        for prefix in (f"{self.row.model_dir}/", f"{self.row.model_dir}: "):
            short = short.replace(prefix, "")
        return short


def _choice(row: runs.RunRow) -> RunChoice:
    try:
        info = check_model_folder(row.model_dir)
    except UserError as exc:
        return RunChoice(row, None, str(exc))
    except OSError as exc:       # unreadable folder, permissions
        return RunChoice(row, None, f"{row.model_dir}: cannot be read ({exc.strerror or exc})")
    if info.task != row.task:
        return RunChoice(row, None, f"{row.model_dir}: a {info.task} model, but run {row.id} is a {row.task} run")
    max_length = row.config.get("max_length")
    max_length = max_length if isinstance(max_length, int) and not isinstance(max_length, bool) and max_length > 0 \
        else 512
    return RunChoice(row, RunModel(row.id, row.task, pathlib.Path(row.model_dir), info.label_names, max_length,
                                   row.title()))


def run_choices(store: Store, task: str | None = None) -> list[RunChoice]:
    """Every run that saved a model, newest first, each loadable or broken (folder deleted,
    config damaged, weights missing: never an exception)."""
    return [_choice(row) for row in runs.list_runs(store, task) if row.status in USABLE and row.model_dir]


def finished_runs(store: Store, task: str | None = None) -> list[RunModel]:
    """Runs whose saved model can be loaded, newest first (broken ones: :func:`run_choices`)."""
    return [c.model for c in run_choices(store, task) if c.model is not None]


def broken_note(choice: RunChoice) -> str:
    return f"run {choice.row.id} is broken: {choice.problem}"


def open_run(store: Store, run_id: int | None, task: str | None = None) -> RunModel:
    """The run ``run_id`` (or, when None, the newest loadable run of ``task``); UserError if unusable."""
    if run_id is None:
        found = finished_runs(store, task)
        if not found:
            raise UserError(f"no finished {task or ''} run with a saved model in this project; train one first"
                            .replace("  ", " "))
        return found[0]
    runs.mark_interrupted(store)
    row = runs.get_run(store, int(run_id))
    if row is None:
        raise UserError(f"no run {run_id} in this project")
    if not row.model_dir or row.status not in USABLE:
        raise UserError(f"run {run_id} saved no model (status: {row.status})")
    if task is not None and row.task != task:
        raise UserError(f"run {run_id} is a {row.task} run, not {task}")
    choice = _choice(row)
    if choice.model is None:
        raise UserError(f"{broken_note(choice)} (delete it in the Train screen's run history, or with "
                        f"`workbench-cli runs PROJECT delete {run_id}`)")
    return choice.model
