"""``train(config, *, progress, cancelled) -> RunResult``: one fine-tuning run, start to finish.

Order matters for the store's safety: everything that can refuse (settings,
device, base model, labeled data) is checked before the run's row is written;
after that, any failure marks the row ``failed`` with its reason, and no model
is saved from a run whose loss went NaN.

Runs on a worker thread (the UI's QThread) or the CLI's main thread; it opens
its own Store connection.  It checks ``cancelled()`` before every micro-batch; a
cancelled run is recorded (status "cancelled", its curves, the best checkpoint so far)
and then raises Cancelled carrying its RunResult (workbench/jobs.py).
"""
from __future__ import annotations

import dataclasses
import math
import random
import time
from typing import Any

import numpy as np
import torch

from workbench import tasks as task_registry
from workbench.errors import UserError
from workbench.store import Store
from workbench.training.averaging import WeightAverage, scored_weights
from workbench.training.batching import Batcher
from workbench.modeling.casing import add_word_case, keep_trainable, uses_word_case
from workbench.training.config import TrainConfig, defaults_for
from workbench.training.continuation import Parent, check_labels, find_parent, load_parent_model
from workbench.training.curves import RunLog
from workbench.training.data import Splits, encode, load_splits
from workbench.modeling.device import DeviceInfo, pick_device, with_precision
from workbench.training.distributed import Dist
from workbench.training.dropout import use_byte_dropout
from workbench.training.evaluate import Patience, autocast, dev_sample, evaluate
from workbench.jobs import CancelFn, Cancelled, ProgressFn, no_progress
from workbench.training.events import RunResult, event
from workbench.modeling.loading import load_model, load_tokenizer, resolve_base_model
from workbench.training.model import freeze_lower_layers, prepare_embeddings, set_dropout, trainable_state
from workbench.training.lora import add_lora, finetune_mode, store_frozen_compact
from workbench.training.fewshot import FewShotRun, settle_method
from workbench.training.fewshot_choice import choose_method
from workbench.training.optimizer import make_optimizer
from workbench.modeling.pooling import base_pools_by_mean, use_mean_pooling
from workbench.training.recorder import StoreRecorder
from workbench.training.run_end import TrainingDiverged, finish_run, nan_message, stop_message
from workbench.training.schedule import LinearSchedule, steps_that_fit

REPORT_EVERY_S = 0.25      # at most this often a "step" report (and a curve point)
BUDGET_PROBE_STEPS = 8     # plan a time budget once this many steps have been timed,
REPLAN_EVERY_S = 0.5       # then again this often (and at every epoch end)


def _never() -> bool:
    return False


def train(config: TrainConfig, *, progress: ProgressFn | None = None,
          cancelled: CancelFn | None = None) -> RunResult:
    """Fine-tune, score, save and record one run of a project.  UserError when training cannot work."""
    emit = progress or no_progress
    t_wall = time.perf_counter()
    config.check()
    pick_device(config.device)  # refuse a device that is not here before reading anything
    store = Store(config.store_path)
    try:
        parent = None if config.from_run is None else find_parent(store, config.from_run, config.task)
        if parent is None:
            resolve_base_model(config.base_model)
        emit(event("status", message="Reading labeled documents"))
        splits = load_splits(store, config.task, max_train_docs=config.max_train_docs,
                             dev_fraction=config.dev_fraction, seed=config.seed, min_docs=config.min_docs)
        return train_splits(config, splits, StoreRecorder(store), progress=progress, cancelled=cancelled,
                            t_wall=t_wall, parent=parent)
    finally:
        store.close()


def train_splits(config: TrainConfig, splits: Splits, recorder: Any, *, progress: ProgressFn | None = None,
                 cancelled: CancelFn | None = None, dist: Dist | None = None,
                 t_wall: float | None = None, parent: Parent | None = None) -> RunResult:
    """The run itself, on examples already read (from a project or a bundle).

    ``recorder`` receives the run row, curve points and final figures (see
    recorder.py); ``dist`` is the torchrun process group, or None; ``parent``: the run
    this one continues (continuation.py), or None to start from the base model.
    """
    emit = progress or no_progress
    cancelled = cancelled or _never
    t_wall = time.perf_counter() if t_wall is None else t_wall
    config.check()
    device = with_precision(pick_device(config.device), config.precision)
    if dist is not None and device.kind == "cuda":
        device = dataclasses.replace(device, torch_device=f"cuda:{dist.local_rank}")
    if dist is not None and config.time_budget_s:
        raise UserError("a time budget cannot be planned across several processes; give --epochs instead")
    spec = task_registry.get(config.task)
    if parent is not None:
        check_labels(parent, spec, splits.label_names)   # a label removed since: refused before the row
    source = str(parent.model_dir) if parent is not None else resolve_base_model(config.base_model)
    # fine-tuning or few-shot (fewshot_choice.py): a few-shot run that cannot work is refused here
    method, why = choose_method(config.method, spec, splits.train, sentence_model=base_pools_by_mean(source),
                                continued=parent is not None, processes=dist.world if dist is not None else 1,
                                finetune=config.finetune)
    cfg = config.resolved(device.kind, len(splits.train))
    if parent is not None:     # a continued run names where its line began; cfg.from_run, its parent
        cfg = dataclasses.replace(cfg, base_model=parent.base_model)
    start = f"run #{parent.run_id}" if parent is not None else "base model"
    emit(event("status", message=f"Loading {start} on {device.description}"))
    tokenizer = load_tokenizer(source)
    # the new head's initial weights are drawn here: seeded, or the same seed gives another model
    _seed(cfg.seed)
    if parent is not None:
        model = load_parent_model(parent, spec, splits.label_names)
    else:
        model = load_model(source, spec, splits.label_names, tokenizer)
    method, why, cfg = settle_method(method, why, model, cfg, config, len(splits.train))
    emit(event("method", message=why, method=method))
    cfg = dataclasses.replace(cfg, finetune=finetune_mode(cfg.finetune, model, device.kind))
    if parent is not None:     # a continued run reads its text as its parent did (word case or not)
        word_case = uses_word_case(model.config)
        cfg = dataclasses.replace(cfg, word_case=word_case)
    else:
        word_case = spec.uses_word_case and cfg.word_case and add_word_case(model, tokenizer)
    if method == "finetune" and spec.pools_document and (
            cfg.pooling == "mean" or (cfg.pooling == "auto" and base_pools_by_mean(source))):
        use_mean_pooling(model)
    label2id = {name: i for i, name in enumerate(splits.label_names)}
    emit(event("status", message="Tokenizing"))
    data = {name: encode(getattr(splits, name), tokenizer, cfg.task, label2id, cfg.max_length, word_case)
            for name in ("train", "dev", "test")}
    counts = {**splits.counts(), "train_tokens_per_epoch": int(sum(data["train"]["length"])),
              "labels": splits.labels, "method": method, "method_why": why}
    if dist is not None:
        counts["processes"] = dist.world
    run_id = recorder.start(cfg.task, str(cfg.base_model or "default"), device.description, cfg.to_json(), counts)
    try:
        if method == "fewshot":
            result = FewShotRun(cfg, device, source, recorder, run_id, splits, data, tokenizer, model, counts,
                                emit, cancelled, t_wall).fit()
        else:
            result = _Run(cfg, device, source, recorder, run_id, splits, data, tokenizer, model, counts, emit,
                          cancelled, t_wall, dist).fit()
    except BaseException as exc:
        message = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        recorder.finish(run_id, "failed", error=message, seconds=time.perf_counter() - t_wall)
        raise
    if result.status == "cancelled":   # recorded as such: the one way a job says so is Cancelled
        raise Cancelled(f"training {result.message}", result)
    return result


class _Run:
    """The state of one run between its row being written and its result."""

    def __init__(self, cfg: TrainConfig, device: DeviceInfo, source: str, recorder: Any, run_id: int, splits: Splits,
                 data: dict[str, Any], tokenizer: Any, model: torch.nn.Module, counts: dict[str, Any],
                 emit: ProgressFn, cancelled: CancelFn, t_wall: float, dist: Dist | None = None) -> None:
        self.cfg, self.device, self.source, self.recorder, self.run_id = cfg, device, source, recorder, run_id
        self.dist = dist
        self.splits, self.data, self.tokenizer, self.model, self.counts = splits, data, tokenizer, model, counts
        self.emit, self.cancelled, self.t_wall = emit, cancelled, t_wall
        pad = tokenizer.pad_token_id
        self.batchers = {name: Batcher(ds, cfg.task, pad) for name, ds in data.items()}
        self.log = RunLog(emit, recorder, run_id)

    # ---- the loop ------------------------------------------------------------------
    def fit(self) -> RunResult:
        cfg, device, model = self.cfg, self.device, self.model
        _seed(cfg.seed)   # again: batch order and dropout do not depend on what building the model drew
        old_threads = torch.get_num_threads()
        if device.kind == "cpu":
            torch.set_num_threads(device.threads)
        try:
            model.to(device.torch_device)
            train_b = self.batchers["train"]
            # adapters first: the lower blocks' adapters freeze with their blocks; LoRA leaves the
            # embeddings as they are
            lora = cfg.finetune == "lora" and add_lora(model, cfg.lora_rank)
            set_dropout(model, cfg.dropout)
            if device.kind == "cpu":
                use_byte_dropout(model)
            if not freeze_lower_layers(model, cfg.freeze_layers or 0) and not lora:
                prepare_embeddings(model, cfg.embeddings, torch.cat(train_b.ids) if len(train_b) else torch.zeros(0))
            keep_trainable(model)
            if lora and device.amp_dtype is torch.bfloat16:   # the frozen body needs no fp32 copy
                store_frozen_compact(model, torch.bfloat16)
            model.train()
            self.net = model
            if self.dist is not None:
                from torch.nn.parallel import DistributedDataParallel

                on_gpu = device.kind == "cuda"
                self.net = DistributedDataParallel(model, device_ids=[self.dist.local_rank] if on_gpu else None)
            return self._loop(train_b)
        finally:
            torch.set_num_threads(old_threads)

    def _loop(self, train_b: Batcher) -> RunResult:
        cfg, device, model = self.cfg, self.device, self.model
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = make_optimizer(model, cfg, device)
        scaler = torch.amp.GradScaler("cuda") if device.use_scaler else None
        n_batches = math.ceil(len(train_b) / cfg.batch_size)
        if self.dist is not None:  # each optimizer step takes one batch from every process
            n_batches = math.ceil(n_batches / self.dist.world)
        spe = math.ceil(n_batches / cfg.grad_accum)          # optimizer steps per epoch
        max_steps = total = spe * cfg.epochs
        sched = LinearSchedule(cfg.lr, max_steps, cfg.warmup_ratio)
        self.average = WeightAverage(model, cfg.weight_average, total_steps=max_steps) if cfg.weight_average else None
        dev_rows = dev_sample(len(self.batchers["dev"]), cfg.max_eval_docs, cfg.seed)
        self.eval_share = len(dev_rows) / len(self.batchers["dev"]) if dev_rows else 1.0
        eval_bs = defaults_for(device.kind).eval_batch_size
        sync_every = 1 if device.kind == "cpu" else 10       # a GPU is not made to wait for every loss
        step, tokens, train_s, eval_s = 0, 0, 0.0, None
        best: dict[str, Any] = {"state": None, "epoch": None, "report": None}
        patience = Patience(cfg.patience)
        bad_syncs, epoch, stop = 0, 0, ""
        pending = torch.zeros((), device=device.torch_device)
        unsynced, loss_sum, loss_steps = 0, 0.0, 0
        t_loop = last_report = time.perf_counter()
        plan_at = (t_loop, 0, 0.0, 0)     # when the time budget was last planned: time, step, train s, tokens
        step_tokens = train_b.total_tokens / max(1, spe)      # an average optimizer step's tokens
        self.emit(event("status", message="Training", total_steps=total, epochs=cfg.epochs, run_id=self.run_id))
        while step < total and not stop:
            batches = train_b.train_batches(cfg.batch_size, cfg.seed, epoch, cfg.length_group)
            if self.dist is not None:
                batches = self.dist.shard(batches)
            for k in range(0, len(batches), cfg.grad_accum):
                if step >= total:
                    break
                group = batches[k:k + cfg.grad_accum]
                t0 = time.perf_counter()
                for lr_group in optimizer.param_groups:
                    lr_group["lr"] = sched.lr(step) * lr_group["lr_scale"]
                for micro in group:
                    if self.cancelled():
                        stop = "cancelled"
                        break
                    inputs = train_b.collate(micro, device.torch_device)
                    with autocast(device):
                        loss = self.net(**inputs).loss / len(group)
                    (scaler.scale(loss) if scaler else loss).backward()
                    pending += loss.detach()
                    tokens += sum(train_b.lengths[i] for i in micro)
                if stop:
                    optimizer.zero_grad(set_to_none=True)
                    break
                if scaler:
                    scaler.unscale_(optimizer)
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                if scaler:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                if self.average is not None:
                    self.average.update()
                step += 1
                unsynced += 1
                if unsynced >= sync_every or step % spe == 0 or step >= total:
                    value = float(self.dist.mean(pending) if self.dist is not None else pending)
                    pending.zero_()
                    if math.isfinite(value):
                        loss_sum, loss_steps, bad_syncs = loss_sum + value, loss_steps + unsynced, 0
                    else:
                        # fp16's scaler skips the odd overflowing step; anything else is divergence
                        bad_syncs += 1
                        if not scaler or bad_syncs >= 3:
                            raise TrainingDiverged(nan_message(step, cfg.lr))
                    unsynced = 0
                train_s += time.perf_counter() - t0
                now = time.perf_counter()
                if cfg.time_budget_s and step >= BUDGET_PROBE_STEPS and (
                        now - plan_at[0] >= REPLAN_EVERY_S or step % spe == 0 or step == BUDGET_PROBE_STEPS):
                    # Seconds per token, not per step: batches differ in length (the longest comes
                    # first on purpose), and the first steps' pace planned 233 of 375 SST-2 steps.
                    # The slower of the whole run's pace and the recent one: a machine that got
                    # busy meanwhile must not push the run past its budget.
                    recent = (train_s - plan_at[2]) / max(1, tokens - plan_at[3])
                    per_token = max(train_s / max(1, tokens), recent if step - plan_at[1] >= 3 else 0.0)
                    planned = self._plan(now - t_loop, step, per_token * step_tokens, train_s, tokens, spe,
                                         max_steps, eval_s)
                    plan_at = (now, step, train_s, tokens)
                    if planned != total:
                        total = planned
                        sched.retarget(total, step)
                if loss_steps and (now - last_report >= REPORT_EVERY_S or step % spe == 0 or step >= total):
                    self.log.step(step, total, spe, loss_sum / loss_steps, sched.lr(step - 1), tokens, train_s,
                                      now - t_loop, eval_s)
                    loss_sum, loss_steps, last_report = 0.0, 0, now
            if stop:
                break
            # an epoch (or the planned run) ended: score on dev
            t_eval = time.perf_counter()
            report = None
            if self.dist is None or self.dist.is_main:
                with scored_weights(self.average):
                    report = evaluate(model, self.batchers["dev"], self.data["dev"], cfg.task,
                                      self.splits.label_names, device, eval_bs, dev_rows, self.cancelled)
            if self.dist is not None:  # every process takes rank 0's verdict, so all stop together
                report = self.dist.share(report)
            if report is None:
                stop = "cancelled"
                break
            eval_s = time.perf_counter() - t_eval
            epoch += 1
            self.log.epoch(step, step / spe, report)
            # two decisions (evaluate.Patience): which checkpoint is kept (a lower loss breaks a
            # score tie), and whether the run still progresses (a tie needs a real loss gain)
            if patience.update(report):
                state = self.average.state() if self.average is not None else trainable_state(model)
                best = {"state": state, "epoch": epoch, "report": report}
            # with a time budget the schedule anneals by the deadline: that is the stopping rule
            if patience.exhausted and not cfg.time_budget_s and step < total:
                stop = "early stop"
                self.emit(event("status", message=stop_message(stop, cfg, patience.bad_epochs, total, max_steps,
                                                                spe), step=step, total_steps=total,
                                run_id=self.run_id))
        self.loop_s = time.perf_counter() - t_loop
        self.stop_message = stop_message(stop, cfg, patience.bad_epochs, total, max_steps, spe)
        return finish_run(self, step, spe, tokens, train_s, stop, best, dev_rows)

    # ---- reports -------------------------------------------------------------------
    def _plan(self, elapsed: float, step: int, pace: float, train_s: float, tokens: int, spe: int, max_steps: int,
              eval_s: float | None) -> int:
        if eval_s is None:
            # Before the first scoring: a forward pass costs about a third of a training step per token.
            dev = self.batchers["dev"]
            share = self.eval_share
            eval_s = train_s / max(1, tokens) * dev.total_tokens * share * 0.4
        return steps_that_fit(self.cfg.time_budget_s or 0.0, elapsed, step, pace, spe, eval_s, max_steps)


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
