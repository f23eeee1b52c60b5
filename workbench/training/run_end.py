"""How a training run ends: why it stopped, in words, and the last steps of a run (the best
checkpoint scored on all of dev and test, saved with its card, the run recorded).  Runs on the
training thread."""
from __future__ import annotations

import math
import time
from typing import Any

from workbench.errors import UserError
from workbench.training.card import run_folder, write_card
from workbench.training.config import TrainConfig, defaults_for
from workbench.training.evaluate import evaluate
from workbench.training.events import RunResult, event
from workbench.modeling.loading import save_model
from workbench.training.lora import restore_fp32
from workbench.training.model import finalize_embeddings, restore_state
from workbench.training.run_folders import writing_run


class TrainingDiverged(UserError):
    """The loss became NaN or infinite; nothing was saved."""


def finish_run(run: Any, step: int, spe: int, tokens: int, train_s: float, stop: str, best: dict[str, Any],
               dev_rows: list[int] | None) -> RunResult:
    """Score the best checkpoint on the whole of dev (and test), save it and its card, and record the
    run's end; ``run``: the loop's state (loop._Run).  On the training thread."""
    cfg, model = run.cfg, run.model
    run.log.flush()
    status = "cancelled" if stop == "cancelled" else "done"
    dev_report = test_report = None
    model_dir = ""
    main = run.dist is None or run.dist.is_main
    if run.dist is not None:
        tokens = int(run.dist.total(tokens))   # throughput counts every process's tokens
    if best["state"] is not None and not main:
        restore_state(model, best["state"])     # rank 0 alone scores and writes the model
        dev_report = best["report"]
    if best["state"] is not None and main:
        run.emit(event("status", message="Scoring and saving the best checkpoint", step=step,
                        run_id=run.run_id))
        restore_state(model, best["state"])
        # the per-epoch scores used a sample of dev: score the whole of it once
        dev_report = best["report"] if dev_rows is None else score_split(run, "dev")
        if status == "done" and len(run.batchers["test"]):
            test_report = score_split(run, "test")
        finalize_embeddings(model)
        restore_fp32(model)     # a LoRA run's frozen body trained in bf16: the folder is fp32
        model.to("cpu")
        folder = run_folder(cfg, run.run_id, run.recorder.stem)
        with writing_run(folder):   # a full disk: a message, and no half-written folder
            run.recorder.claim_folder(run.run_id, folder)   # marked: a kill while saving is cleaned up
            save_model(model, run.tokenizer, folder / "model")
        model_dir = str(folder / "model")
    seconds = time.perf_counter() - run.t_wall
    message = run.stop_message
    if status == "cancelled" and best["state"] is None:
        message = "stopped by the user before the first epoch ended; no model saved"
    result = RunResult(
        run_id=run.run_id, status=status, task=cfg.task, model_dir=model_dir, card_path="",
        device=run.device.description, base_model=str(cfg.base_model), config=cfg.to_json(), counts=run.counts,
        dev=dev_report, test=test_report, best_epoch=best["epoch"], epochs_done=step / spe, steps=step,
        train_seconds=train_s, wall_seconds=seconds, train_tokens=tokens, loop_seconds=run.loop_s, message=message,
        history=run.log.history,
    )
    if model_dir:
        result.card_path = str(folder / "run_card.json")
        with writing_run(folder):
            write_card(result, run.source, run.splits, folder / "run_card.json", run.log.points)
    if run.dist is not None:
        run.dist.barrier()   # no process leaves before the model is on disk
    if not main:
        return result
    run.recorder.finish(run.run_id, status, metrics={"dev": dev_report, "test": test_report,
                    "best_epoch": best["epoch"], "history": run.log.history, "summary": result.summary()},
                    model_dir=model_dir, error=message if status != "done" else "", seconds=seconds)
    run.emit(event("done", step=step, message=message or "done", run_id=run.run_id, elapsed_s=seconds))
    return result

def score_split(run: Any, split: str) -> dict[str, Any] | None:
    return evaluate(run.model, run.batchers[split], run.data[split], run.cfg.task, run.splits.label_names,
                    run.device, defaults_for(run.device.kind).eval_batch_size)


def stop_message(stop: str, cfg: TrainConfig, bad_epochs: int, total: int, max_steps: int, spe: int) -> str:
    """Why the loop ended, in the words the Train screen and the CLI show."""
    if stop == "cancelled":
        return "cancelled by the user"
    if stop == "early stop":
        return f"stopped early: no gain in dev F1 for {bad_epochs} epochs"
    if cfg.time_budget_s and total < max_steps:
        return f"reached the time budget ({duration(cfg.time_budget_s)})"
    epochs = math.ceil(total / spe)
    return f"reached the planned {epochs} epoch{'s' if epochs != 1 else ''}"


def duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} s"


def nan_message(step: int, lr: float) -> str:
    return (f"training stopped at step {step}: the loss became NaN (not a number), so nothing was saved; "
            f"try a lower learning rate than {lr:g}")
