"""Few-shot training the SetFit way, for a classification task with few labels.

Two phases, as in SetFit (Tunstall et al., 2022): first the sentence-embedding body learns
from the labels contrastively (documents of one class pulled together, of different classes
pushed apart: sentence-transformers' ``BatchHardSoftMarginTripletLoss`` over the triplets of
batches drawn by its ``GroupByLabelBatchSampler``, so every batch holds pairs of several
classes); then a logistic regression (scikit-learn) is fitted on the documents' mean-pooled
vectors.  The regression's weights become the classifier's linear layer over the same vectors
(modeling/pooling.py's mean pooling), so the run's folder is an ordinary mean-pooled
``...ForSequenceClassification`` model that prediction, explanations, pre-annotation, apply
and ONNX export load as any other.  Dev is scored once, at the end (scoring it after every
pass cost 90% of a 16-label run).  Which runs take this way: training/fewshot_choice.py.
Runs on the training thread.
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.errors import UserError
from workbench.jobs import CancelFn, ProgressFn
from workbench.modeling.device import DeviceInfo
from workbench.modeling.pooling import pooled_vectors, use_mean_pooling
from workbench.training.batching import Batcher
from workbench.training.config import TrainConfig, defaults_for
from workbench.training.curves import RunLog
from workbench.training.data import Splits
from workbench.training.evaluate import autocast, evaluate
from workbench.training.events import RunResult, event
from workbench.training.fewshot_choice import FINETUNE_NAME
from workbench.training.model import trainable_state
from workbench.training.optimizer import make_optimizer
from workbench.training.run_end import TrainingDiverged, finish_run, nan_message
from workbench.training.schedule import LinearSchedule

# The contrastive phase's recipe (SST-2, docs/training-defaults.md "Few-shot (SetFit)"): SetFit's
# body learning rate; passes over the labels, each in batches of 16 from the label-grouping sampler
FEWSHOT_LR = 2e-5
FEWSHOT_EPOCHS = 80
FEWSHOT_BATCH = 16
# ... and at most this many steps on auto (16 labels per class: 80 passes; 64: 20), so that the
# body's training stays a minute or two on a 2-core CPU.  160 steps rather than 40 at 16 labels per
# class: accuracy 0.736 against 0.698 (SST-2, seeds 13/7/21; lr 6e-5 instead gave 0.721)
FEWSHOT_MAX_STEPS = 160
HEAD_MAX_ITER = 1000
REPORT_EVERY_S = 0.25
EMBED_BATCH = 64


def fewshot_settings(cfg: TrainConfig, asked: TrainConfig, train_docs: int) -> TrainConfig:
    """``cfg`` (resolved for fine-tuning) with the few-shot recipe where the user left a setting
    on auto (``asked``: the settings as given; ``train_docs``: how many labels train)."""
    batch = max(4, (asked.batch_size or FEWSHOT_BATCH) + (asked.batch_size or 0) % 2)
    epochs = asked.epochs or max(1, min(FEWSHOT_EPOCHS, FEWSHOT_MAX_STEPS // math.ceil(train_docs / batch)))
    return dataclasses.replace(cfg, method="fewshot", epochs=epochs,
                               lr=asked.lr or FEWSHOT_LR, batch_size=batch,
                               warmup_ratio=0.1 if asked.warmup_ratio is None else asked.warmup_ratio,
                               freeze_layers=asked.freeze_layers or 0, weight_average=0.0)


def fewshot_blocker(model: nn.Module, cfg: TrainConfig) -> str:
    """Why ``model`` cannot take a few-shot head ("" when it can): the head must be one linear
    layer over the mean of the document's pieces.  Swaps in mean pooling when it can."""
    if cfg.pooling == "cls":
        return "few-shot training pools the document by the mean of its pieces (pooling is set to cls)"
    if not isinstance(getattr(model, "classifier", None), nn.Linear) or not use_mean_pooling(model):
        return (f"few-shot training needs a base model whose head is one linear layer over a pooled vector "
                f"({type(model).__name__} has another)")
    return ""


def settle_method(method: str, why: str, model: nn.Module, cfg: TrainConfig, asked: TrainConfig,
                  train_docs: int) -> tuple[str, str, TrainConfig]:
    """The method once the model is loaded: few-shot falls back to fine-tuning (saying why) when
    the model cannot take its head, or is refused when the user asked for it by name; ``cfg``
    gets the chosen method's settings.  Returns ``(method, why, cfg)``."""
    blocker = fewshot_blocker(model, cfg) if method == "fewshot" else ""
    if blocker and asked.method == "fewshot":
        raise UserError(blocker)
    if blocker:
        return "finetune", f"{FINETUNE_NAME}: {blocker}", dataclasses.replace(cfg, method="finetune")
    if method == "fewshot":
        return method, why, fewshot_settings(cfg, asked, train_docs)
    return method, why, dataclasses.replace(cfg, method="finetune")


class _Embedder(nn.Module):
    """The body as sentence-transformers' losses call it: features in, ``sentence_embedding`` out."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"sentence_embedding": pooled_vectors(self.model, features["input_ids"], features["attention_mask"])}


class FewShotRun:
    """One few-shot run between its row being written and its result (the attributes are the ones
    run_end.finish_run reads, as loop._Run's)."""

    def __init__(self, cfg: TrainConfig, device: DeviceInfo, source: str, recorder: Any, run_id: int,
                 splits: Splits, data: dict[str, Any], tokenizer: Any, model: nn.Module, counts: dict[str, Any],
                 emit: ProgressFn, cancelled: CancelFn, t_wall: float) -> None:
        self.cfg, self.device, self.source, self.recorder, self.run_id = cfg, device, source, recorder, run_id
        self.splits, self.data, self.tokenizer, self.model, self.counts = splits, data, tokenizer, model, counts
        self.emit, self.cancelled, self.t_wall = emit, cancelled, t_wall
        self.dist = None
        self.batchers = {name: Batcher(ds, cfg.task, tokenizer.pad_token_id) for name, ds in data.items()}
        self.log = RunLog(emit, recorder, run_id)
        self.loop_s, self.stop_message = 0.0, ""

    def fit(self) -> RunResult:
        device = self.device
        old_threads = torch.get_num_threads()
        if device.kind == "cpu":
            torch.set_num_threads(device.threads)
        try:
            self.model.to(device.torch_device)
            return self._fit()
        finally:
            torch.set_num_threads(old_threads)

    def _fit(self) -> RunResult:
        cfg, model = self.cfg, self.model
        t_loop = time.perf_counter()
        step, spe, tokens, train_s = self._pairs()
        pairs_s = time.perf_counter() - t_loop
        best: dict[str, Any] = {"state": None, "epoch": None, "report": None}
        stop = "cancelled" if self.cancelled() else ""
        head_s = dev_s = 0.0
        if not stop:
            self._head()
            head_s = time.perf_counter() - t_loop - pairs_s
            n_dev = len(self.batchers["dev"])
            self.emit(event("status", message=f"Scoring dev: {n_dev} documents, once at the end", step=step,
                            total_steps=step, run_id=self.run_id))
            report = evaluate(model, self.batchers["dev"], self.data["dev"], cfg.task, self.splits.label_names,
                              self.device, defaults_for(self.device.kind).eval_batch_size, None, self.cancelled)
            dev_s = time.perf_counter() - t_loop - pairs_s - head_s
            if report is None:
                stop = "cancelled"
            else:
                self.log.epoch(step, step / spe, report)
                best = {"state": trainable_state(model), "epoch": cfg.epochs, "report": report}
        self.loop_s = time.perf_counter() - t_loop
        # where the time went, in the run's own words: the pairs, the head, scoring dev once
        self.stop_message = ("cancelled by the user" if stop else
                             f"few-shot: {step} contrastive steps over the labels ({pairs_s:.0f} s), the classifier "
                             f"head ({head_s:.0f} s), dev scored once ({dev_s:.0f} s)")
        return finish_run(self, step, spe, tokens, train_s, stop, best, None)

    def _pairs(self) -> tuple[int, int, int, float]:
        """The contrastive phase; returns (steps, steps per pass, tokens, seconds of steps)."""
        from sentence_transformers.base.sampler import GroupByLabelBatchSampler
        from sentence_transformers.sentence_transformer.losses import BatchHardSoftMarginTripletLoss
        import datasets

        cfg, model, device = self.cfg, self.model, self.device
        train_b = self.batchers["train"]
        labels = datasets.Dataset.from_dict({"label": [int(t) for t in train_b.labels]})
        try:
            sampler = GroupByLabelBatchSampler(labels, cfg.batch_size, drop_last=False, valid_label_columns=["label"],
                                               generator=torch.Generator(), seed=cfg.seed)
        except ValueError as exc:    # fewer than two classes with two labels: fewshot_choice refuses earlier
            raise UserError(f"few-shot training cannot draw pairs from these labels ({exc})") from exc
        loss_fn = BatchHardSoftMarginTripletLoss(_Embedder(model))
        spe = max(1, len(sampler))
        total = spe * (cfg.epochs or FEWSHOT_EPOCHS)
        sched = LinearSchedule(cfg.lr or FEWSHOT_LR, total, cfg.warmup_ratio or 0.0)
        optimizer = make_optimizer(model, cfg, device)
        params = [p for p in model.parameters() if p.requires_grad]
        self.emit(event("status", message=f"Few-shot, pairs: {total} contrastive steps over {len(train_b)} labels",
                        total_steps=total, epochs=cfg.epochs or 0, run_id=self.run_id))
        model.train()
        step, tokens, train_s, loss_sum, loss_n = 0, 0, 0.0, 0.0, 0
        t_loop = last = time.perf_counter()
        for epoch in range(math.ceil(total / spe)):
            sampler.set_epoch(epoch)
            for batch in sampler:
                if step >= total or self.cancelled() or self._out_of_time(step, train_s):
                    return step, spe, tokens, train_s
                t0 = time.perf_counter()
                inputs = train_b.collate(batch, device.torch_device)
                for group in optimizer.param_groups:
                    group["lr"] = sched.lr(step) * group["lr_scale"]
                with autocast(device):
                    loss = loss_fn([inputs], inputs["labels"])
                loss.backward()
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise TrainingDiverged(nan_message(step, cfg.lr or FEWSHOT_LR))
                step += 1
                tokens += sum(train_b.lengths[i] for i in batch)
                loss_sum, loss_n = loss_sum + value, loss_n + 1
                train_s += time.perf_counter() - t0
                now = time.perf_counter()
                if now - last >= REPORT_EVERY_S or step % spe == 0 or step == total:
                    self.log.step(step, total, spe, loss_sum / loss_n, sched.lr(step - 1), tokens, train_s,
                                  now - t_loop, None)
                    loss_sum, loss_n, last = 0.0, 0, now
        return step, spe, tokens, train_s

    def _out_of_time(self, step: int, train_s: float) -> bool:
        """With a time budget: stop the pairs when the rest (head, dev scoring, saving: about what a
        pass of forward passes over train and dev costs, a third of a step per document) would not fit."""
        budget = self.cfg.time_budget_s
        if not budget or step == 0:
            return False
        per_doc = train_s / step / max(1, self.cfg.batch_size or FEWSHOT_BATCH)
        rest = per_doc / 3 * (len(self.batchers["train"]) + len(self.batchers["dev"]) + len(self.batchers["test"]))
        return time.perf_counter() - self.t_wall + per_doc * (self.cfg.batch_size or FEWSHOT_BATCH) + rest > budget

    @torch.inference_mode()
    def _vectors(self, batcher: Batcher) -> np.ndarray:
        """Every document's pooled vector, in fp32 as the saved model computes them."""
        self.model.eval()
        out = np.zeros((len(batcher), self.model.config.hidden_size), dtype=np.float32)
        for batch in batcher.eval_batches(EMBED_BATCH):
            inputs = batcher.collate(batch, self.device.torch_device)
            out[batch] = pooled_vectors(self.model, inputs["input_ids"], inputs["attention_mask"]).float().cpu().numpy()
        return out

    def _head(self) -> None:
        """Fit the logistic regression on the training documents' vectors and make it the model's
        classifier layer (softmax over W x + b gives the regression's probabilities)."""
        from sklearn.linear_model import LogisticRegression

        train_b = self.batchers["train"]
        self.emit(event("status", message=f"Few-shot, head: fitting the classifier on {len(train_b)} documents",
                        run_id=self.run_id))
        x = self._vectors(train_b)
        y = np.array([int(t) for t in train_b.labels])
        head = LogisticRegression(max_iter=HEAD_MAX_ITER, random_state=self.cfg.seed).fit(x, y)
        install_head(self.model.classifier, head.coef_, head.intercept_, [int(c) for c in head.classes_])


@torch.no_grad()
def install_head(layer: nn.Linear, coef: np.ndarray, intercept: np.ndarray, classes: list[int]) -> None:
    """Write a fitted logistic regression into ``layer`` (rows in the model's label order).  A
    two-class regression has one row w: the layer gets -w/2 and +w/2, whose softmax is its sigmoid."""
    weight = torch.zeros_like(layer.weight)
    bias = torch.zeros_like(layer.bias)
    coef_t = torch.as_tensor(coef, dtype=weight.dtype)
    icpt_t = torch.as_tensor(intercept, dtype=bias.dtype)
    if coef_t.shape[0] == 1 and len(classes) == 2:
        weight[classes[0]], weight[classes[1]] = -coef_t[0] / 2, coef_t[0] / 2
        bias[classes[0]], bias[classes[1]] = -icpt_t[0] / 2, icpt_t[0] / 2
    else:
        for row, cls in enumerate(classes):
            weight[cls], bias[cls] = coef_t[row], icpt_t[row]
    layer.weight.copy_(weight.to(layer.weight.device))
    layer.bias.copy_(bias.to(layer.bias.device))
