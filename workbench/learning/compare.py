"""Score an existing run's model on a round's dev documents, so the learner compares the new
model and the current suggester on the same documents and labels (their recorded scores may
come from other dev sets: a dev split that grew, or another hold-out).  On the round's thread."""
from __future__ import annotations

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.jobs import CancelFn
from workbench.store import Store
from workbench.training.data import Splits


def score_on_dev(store: Store, run_id: int, task: str, splits: Splits, device: str = "auto",
                 cancelled: CancelFn | None = None) -> float | None:
    """Run ``run_id``'s dev score on ``splits.dev`` (the task's score), or None when its model is
    gone, unreadable, or predicts a label the project no longer has (then it cannot stay)."""
    from workbench.modeling.casing import uses_word_case
    from workbench.modeling.device import pick_device
    from workbench.modeling.loading import load_tokenizer
    from workbench.training.batching import Batcher
    from workbench.training.continuation import check_labels, find_parent, load_parent_model
    from workbench.training.data import encode
    from workbench.training.defaults import defaults_for
    from workbench.training.evaluate import evaluate
    from workbench.training import runs

    spec = task_registry.get(task)
    try:
        parent = find_parent(store, run_id, task)
        check_labels(parent, spec, splits.label_names)
        model = load_parent_model(parent, spec, splits.label_names)
        tokenizer = load_tokenizer(str(parent.model_dir))
    except (UserError, OSError):
        return None
    info = pick_device(device)
    row = runs.get_run(store, run_id)
    max_length = int((row.config if row else {}).get("max_length") or defaults_for(info.kind, task).max_length)
    label2id = {name: i for i, name in enumerate(splits.label_names)}
    data = encode(splits.dev, tokenizer, task, label2id, max_length, uses_word_case(model.config))
    model.to(info.torch_device)
    report = evaluate(model, Batcher(data, task, tokenizer.pad_token_id), data, task, splits.label_names, info,
                      defaults_for(info.kind).eval_batch_size, cancelled=cancelled)
    return None if report is None else float(report["score"])
