"""Which widgets show each kind of task: the UI's one map from a task spec to its views.

Like napari's ``layer_to_controls``: the core's task specs (workbench/tasks/) know
nothing of Qt, and this map says how the screens show each family of task.  An
entity task is shown word by word (the labeling view with its label bar, a table of
words in Review, attention and attributions per word, accuracy per word left off
the dev curve); a classification task as a class chosen for the whole document (a
bar of classes, a table of classes, the document's accuracy on the dev curve).  A
new task that is an instance of an existing family needs nothing here; a new
family adds one entry.  UI thread only.
"""
from __future__ import annotations

import dataclasses

from workbench import tasks as task_registry
from workbench.tasks.classification import ClassificationTask
from workbench.tasks.ner import EntityTask


@dataclasses.dataclass(frozen=True)
class TaskViews:
    word_level: bool          # Review shows words (table, overlays per word) rather than one class
    dev_accuracy: bool        # the dev curve and the run's line show accuracy next to the score
    accuracy_tip: str         # what "accuracy" means in the per-label table


_VIEWS: dict[type, TaskViews] = {
    EntityTask: TaskViews(word_level=True, dev_accuracy=False,
                          accuracy_tip="share of words tagged right (words outside any entity included)"),
    ClassificationTask: TaskViews(word_level=False, dev_accuracy=True,
                                  accuracy_tip="share of documents classified right"),
}


def views_for(task: str | task_registry.TaskSpec) -> TaskViews:
    """The views of ``task`` (a name or a spec): those of the nearest family it belongs to."""
    spec = task_registry.get(task) if isinstance(task, str) else task
    for cls in type(spec).__mro__:
        if cls in _VIEWS:
            return _VIEWS[cls]
    raise LookupError(f"no views for the task {spec.name!r} ({type(spec).__name__}): add its family to ui/task_views.py")
