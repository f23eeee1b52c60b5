"""ONNX export of a run's model, checked against torch with ONNX Runtime.

The model is exported with the TorchScript-based exporter (``dynamo=False``:
the dynamo exporter needs ``onnxscript``, which the app does not ship), with
dynamic batch and sequence axes, inputs ``input_ids`` and ``attention_mask``
(and ``token_type_ids``, the word case, for models trained with it: casing.py),
output ``logits``.  The tokenizer files are copied next to ``model.onnx`` so
the folder is self-contained.  Runs on any one thread (CLI, worker).
"""
from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import warnings

import numpy as np
import torch

from workbench.errors import UserError
from workbench.inference.predictor import Predictor, as_document
from workbench.output_paths import check_folder, read_manifest, remember, writing_file, writing_folder

SAMPLES = [
    "Alice Smith flew from Paris to Berlin on Monday.",
    "The battery died after two days, which is disappointing.",
    "ok",
    "Great value for the price and the support team answered within an hour, would recommend to anyone.",
]


@dataclasses.dataclass
class ExportReport:
    path: pathlib.Path
    max_abs_diff: float      # largest |logit difference| ONNX Runtime vs torch on the samples
    tolerance: float
    samples: int

    @property
    def ok(self) -> bool:
        return self.max_abs_diff <= self.tolerance


class _Logits(torch.nn.Module):
    """Only the logits, from positional inputs (what the exporter traces)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


def export_onnx(model_dir: str | pathlib.Path, out_dir: str | pathlib.Path, *, opset: int = 17,
                tolerance: float = 1e-3, samples: list[str] | None = None, overwrite: bool = False,
                protect: list[str | pathlib.Path] | None = None) -> ExportReport:
    """Write ``out_dir/model.onnx`` (+ tokenizer and config) and compare its logits with torch's
    on sample sentences (padded as a batch).  Raises UserError when they differ by more than
    ``tolerance`` (and then writes nothing).

    ``out_dir`` is a new or empty folder, or with ``overwrite`` an earlier ONNX export (only
    the files it wrote are replaced); ``protect``: files never written onto (the project).
    The rules are workbench.output_paths'."""
    protect = protect or []
    check_folder(out_dir, overwrite=overwrite, protect=protect)   # before the model is loaded
    with writing_folder(out_dir, kind="onnx", overwrite=overwrite, protect=protect) as staging:
        report = _export(model_dir, staging, opset, tolerance, samples)
    report.path = pathlib.Path(out_dir) / report.path.name
    return report


def _export(model_dir: str | pathlib.Path, out: pathlib.Path, opset: int, tolerance: float,
            samples: list[str] | None) -> ExportReport:
    import onnxruntime as ort

    pred = Predictor(model_dir, device="cpu")
    model = _Logits(pred.model).eval()
    texts = samples or SAMPLES
    enc = pred.encode([as_document(t, i) for i, t in enumerate(texts)])
    inputs = pred._tensors(enc)
    path = out / "model.onnx"
    names = list(inputs)      # input_ids, attention_mask, and token_type_ids for a word-case model
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch", 1: "sequence"} if pred.token_level else {0: "batch"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, tuple(inputs[name] for name in names), str(path), dynamo=False,
            input_names=names, output_names=["logits"], opset_version=opset, dynamic_axes=axes,
        )
    pred.tokenizer.save_pretrained(str(out))
    pred.model.config.save_pretrained(str(out))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.inference_mode():
        ref = model(**inputs).float().numpy()
    got = session.run(["logits"], {k: v.cpu().numpy() for k, v in inputs.items()})[0]
    mask = inputs["attention_mask"].numpy().astype(bool)
    diff = np.abs(got - ref)
    worst = float(diff[mask].max() if pred.token_level else diff.max())
    report = ExportReport(path, worst, tolerance, len(texts))
    if not report.ok:
        raise UserError(f"ONNX export differs from torch by {worst:.2g} (tolerance {tolerance:g}); "
                        f"nothing was written")
    return report


def default_onnx_dir(model_dir: str | pathlib.Path) -> pathlib.Path:
    """Where a run's ONNX export lives: ``<run folder>/onnx`` (next to ``<run folder>/model``)."""
    model_dir = pathlib.Path(model_dir)
    return (model_dir.parent if model_dir.name == "model" else model_dir) / "onnx"


# what an ONNX export folder held before exports carried a manifest (tokenizer files by family)
_EXPORT_FILES = {"model.onnx", "model.int8.onnx", "config.json", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "added_tokens.json", "vocab.txt", "vocab.json", "merges.txt",
                 "spiece.model", "sentencepiece.bpe.model", "chat_template.jinja"}


def run_onnx_dir(model_dir: str | pathlib.Path) -> pathlib.Path:
    """:func:`default_onnx_dir`, with an export written there by an earlier version (no manifest,
    nothing but export files) taken as this program's, so it can be replaced."""
    out = default_onnx_dir(model_dir)
    with contextlib.suppress(OSError):   # a read-only run folder: the export there is used as it is
        if out.is_dir() and read_manifest(out) is None:
            entries = list(out.iterdir())
            if entries and all(p.name in _EXPORT_FILES and p.is_file() and not p.is_symlink() for p in entries):
                remember(out, [p.name for p in entries], "onnx")
    return out


# int8 weights may move a probability by this much on the samples (mean over their pieces)
INT8_MEAN_TOLERANCE = 0.02


@contextlib.contextmanager
def _root_warnings_off():
    """ONNX Runtime's quantizer logs advice on the root logger ("consider to run pre-processing
    before quantization"), which would reach every CLI user's stderr: a user cannot act on it."""
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def ensure_int8_onnx(model_dir: str | pathlib.Path) -> pathlib.Path:
    """An int8 copy of the run's checked ONNX export (weights quantized per channel, activations
    per batch: ONNX Runtime's dynamic quantization), made once and checked against the fp32
    export on the samples; UserError when the two disagree by more than INT8_MEAN_TOLERANCE.

    About 1.7 times the fp32 speed on CPU.  Used for pre-annotation only: suggestions a person
    reviews anyway.  Measured on a CoNLL model, 2,000 dev sentences: entity F1 0.8756 vs 0.8769
    in fp32, 99.6% of the word tags the same.
    """
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = ensure_onnx(model_dir)
    path = fp32.with_name("model.int8.onnx")
    if path.is_file() and path.stat().st_mtime >= fp32.stat().st_mtime:
        return path
    with writing_file(path, overwrite=True) as tmp:
        with warnings.catch_warnings(), _root_warnings_off():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        pred = Predictor(model_dir, device="cpu")
        inputs = {k: v.numpy() for k, v in pred._tensors(pred.encode([as_document(t, i)
                                                                      for i, t in enumerate(SAMPLES)])).items()}
        probs = []
        for onnx_file in (fp32, tmp):
            logits = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"]).run(["logits"], inputs)[0]
            e = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probs.append(e / e.sum(axis=-1, keepdims=True))
        diff = np.abs(probs[0] - probs[1]).max(axis=-1)
        mean = float(diff[inputs["attention_mask"].astype(bool)].mean() if pred.token_level else diff.mean())
        if mean > INT8_MEAN_TOLERANCE:
            raise UserError(f"int8 model differs from fp32 by {mean:.3f} on average (tolerance {INT8_MEAN_TOLERANCE})")
    remember(path.parent, [path.name], "onnx")   # ours: a later export may replace it
    return path


def ensure_onnx(model_dir: str | pathlib.Path) -> pathlib.Path:
    """The run's checked ONNX export, made now if it is missing or older than the weights.
    Built in a staging folder and moved into place (output_paths), so two jobs never see half
    a file; files in that folder this program did not write are kept."""
    model_dir = pathlib.Path(model_dir)
    out = run_onnx_dir(model_dir)
    path = out / "model.onnx"
    weights = max((p.stat().st_mtime for p in model_dir.glob("*.safetensors")), default=0.0)
    if path.is_file() and path.stat().st_mtime >= weights:
        return path
    export_onnx(model_dir, out, overwrite=True)
    return path


def use_onnx_runtime(pred: Predictor, int8: bool = False) -> str | None:
    """Make ``pred`` predict batches through ONNX Runtime on CPU: the same probabilities (the
    export is checked against torch) about 1.5 times faster; with ``int8``, the int8 export
    first (checked against fp32, about 1.7 times faster again; for suggestions).  The run's
    model is exported once, next to it.  Returns "int8" or "fp32" for the path taken, None
    where neither can be had (torch goes on)."""
    if pred.device.type != "cpu":
        return None
    for name, make in ((("int8", ensure_int8_onnx),) if int8 else ()) + (("fp32", ensure_onnx),):
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = torch.get_num_threads()
            pred.use_session(ort.InferenceSession(str(make(pred.model_dir)), options,
                                                  providers=["CPUExecutionProvider"]))
            return name
        except Exception:  # noqa: BLE001 - an optional speed-up: any failure means the next path
            pred.use_session(None)
    return None
