"""Labeling tasks as plug-ins: each task is one :class:`TaskSpec` registered by name.

The built-in tasks (entities, sentiment) register here; :mod:`workbench.tasks.registry`
is the only list of tasks.  See docs/architecture.md, "How to add a task".
"""
from workbench.tasks.base import Example, Head, Storage, TaskSpec
from workbench.tasks.ner import NER
from workbench.tasks.registry import (
    TASK_KEY, check_project_tasks, class_tasks, for_model, get, is_task, names, register, span_task, specs, unregister,
)
from workbench.tasks.sentiment import SENTIMENT

register(NER)
register(SENTIMENT)

__all__ = ["TASK_KEY", "Example", "Head", "NER", "SENTIMENT", "Storage", "TaskSpec", "check_project_tasks", "class_tasks",
           "for_model", "get", "is_task", "names", "register", "span_task", "specs", "unregister"]
