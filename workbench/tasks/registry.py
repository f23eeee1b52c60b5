"""The one list of tasks: specs registered by name.

The CLI's task choices, the store's check of a task name, the app's editors and
the model-folder check all ask here.  A plug-in task (a test's toy task, a later
module) calls :func:`register` once at import.  Safe on any thread once the
registrations are done (they happen at import time).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from workbench.errors import UserError
from workbench.tasks.base import Head, Storage, TaskSpec

_SPECS: dict[str, TaskSpec] = {}
RESERVED = frozenset({"status", "text", "id", "label", "meta"})   # keys of the records tasks share


def register(spec: TaskSpec) -> TaskSpec:
    """Add a task; its name must be new, lower-case and without spaces."""
    if not spec.name or not spec.name.isidentifier() or spec.name != spec.name.lower():
        raise ValueError(f"task name {spec.name!r}: use a lower-case word (letters, digits, underscores)")
    if spec.name in RESERVED:
        raise ValueError(f"task name {spec.name!r} is reserved (it names something else in the project's records)")
    if spec.name in _SPECS and _SPECS[spec.name] is not spec:
        raise ValueError(f"a task named {spec.name!r} is registered already")
    _SPECS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a task (tests that register a toy task take it away again)."""
    _SPECS.pop(name, None)


def names() -> tuple[str, ...]:
    """Every registered task name, in registration order (the CLI's choices)."""
    return tuple(_SPECS)


def specs(names_: Iterable[str] | None = None) -> list[TaskSpec]:
    """The specs of ``names_`` (unknown ones left out), or of every task."""
    return [_SPECS[n] for n in (names_ if names_ is not None else _SPECS) if n in _SPECS]


def get(name: str) -> TaskSpec:
    """The task called ``name``; UserError naming the known ones when there is none."""
    spec = _SPECS.get(name)
    if spec is None:
        raise UserError(f"unknown task {name!r}; the tasks are {', '.join(_SPECS) or 'none'}")
    return spec


def is_task(name: Any) -> bool:
    return isinstance(name, str) and name in _SPECS


def span_task(names_: Iterable[str]) -> TaskSpec | None:
    """The task among ``names_`` whose annotations are spans (a project has at most one)."""
    return next((s for s in specs(names_) if s.storage is Storage.SPANS), None)


def class_tasks(names_: Iterable[str]) -> list[TaskSpec]:
    """The tasks among ``names_`` that give each document one class."""
    return [s for s in specs(names_) if s.storage is Storage.CLASS]


def check_project_tasks(names_: Iterable[str]) -> list[str]:
    """The task list a project may have: known names, none twice, at most one span task
    (spans are stored per document, not per task); UserError otherwise."""
    given = list(names_)
    unknown = [n for n in given if n not in _SPECS]
    if unknown or not given:
        raise UserError(f"tasks must be some of {', '.join(_SPECS)}; got {', '.join(map(str, given)) or 'none'}")
    if len(set(given)) != len(given):
        raise UserError(f"a task is listed twice: {', '.join(given)}")
    spans = [n for n in given if _SPECS[n].storage is Storage.SPANS]
    if len(spans) > 1:
        raise UserError(f"a project can have one span-labeling task, not {len(spans)} ({', '.join(spans)})")
    return given


def for_model(config: Mapping[str, Any]) -> TaskSpec | None:
    """The task a saved model was trained for: the name it carries (``workbench_task``), or for a
    model saved before names were stored, the first registered task with its head."""
    arch = config.get("architectures") or []
    heads = {Head.TOKEN for a in arch if isinstance(a, str) and a.endswith("ForTokenClassification")}
    heads |= {Head.SEQUENCE for a in arch if isinstance(a, str) and a.endswith("ForSequenceClassification")}
    if len(heads) != 1:
        return None
    head = heads.pop()
    name = config.get(TASK_KEY)
    if name is not None:   # a model that names its task: that task, if known and of this head
        spec = _SPECS.get(name) if isinstance(name, str) else None
        return spec if spec is not None and spec.head is head else None
    return next((s for s in _SPECS.values() if s.head is head), None)


TASK_KEY = "workbench_task"     # the model config field that names the run's task
