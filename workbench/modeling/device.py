"""Which device trains, in one place: CUDA > Apple MPS > CPU.

CUDA trains in mixed precision: bf16 where the GPU supports it, else fp16 with
a gradient scaler.  A CPU with a bf16 unit (AVX-512 BF16 or AMX: Intel since Sapphire
Rapids, AMD since Zen 4), as torch reports it, trains under bf16 autocast with fp32
master weights (docs/training-defaults.md, "bf16 on the CPU"); other CPUs and MPS train
in fp32 (bf16 without the unit is emulated and slower; fp16 on MPS is not stable).
Safe on any thread.  torch is imported when a device is picked, not with this module: the
device and precision choices below are read by the command line and the Train screen at start.
"""
from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any, Mapping

from workbench.errors import UserError

if TYPE_CHECKING:
    import torch

DEVICES = ("auto", "cpu", "cuda", "mps")          # what a user may ask for: auto = CUDA > MPS > CPU


@dataclasses.dataclass(frozen=True)
class DeviceInfo:
    kind: str                      # "cuda", "mps" or "cpu"
    torch_device: str              # what tensors are moved to
    amp_dtype: torch.dtype | None  # autocast dtype, None for fp32
    use_scaler: bool               # fp16 needs a GradScaler
    description: str               # shown in the UI and the run card
    threads: int                   # torch intra-op threads (CPU)

    @property
    def precision(self) -> str:
        import torch

        if self.amp_dtype is torch.bfloat16:
            return "bf16"
        if self.amp_dtype is torch.float16:
            return "fp16"
        return "fp32"


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


# torch.cpu.get_capabilities() keys of an x86 bf16 unit.  ARM's bf16 (Graviton 3, Apple M2)
# was never measured here, so it is not taken on trust.
CPU_BF16_UNITS = ("avx512_bf16", "amx_bf16")


def cpu_capabilities() -> Mapping[str, Any]:
    """What torch detected about this CPU (empty where the torch is too old to say)."""
    import torch

    get = getattr(getattr(torch, "cpu", None), "get_capabilities", None)
    try:
        return get() if get is not None else {}
    except Exception:  # noqa: BLE001 - cpuinfo can fail in odd VMs: then say "no bf16", not crash
        return {}


def cpu_has_bf16(capabilities: Mapping[str, Any] | None = None) -> bool:
    """Whether the CPU computes bf16 natively (so bf16 autocast is faster than fp32)."""
    caps = cpu_capabilities() if capabilities is None else capabilities
    return any(bool(caps.get(unit)) for unit in CPU_BF16_UNITS)


def _cpu(threads: int, bf16: bool) -> DeviceInfo:
    import torch

    words = f"{threads} thread{'s' if threads != 1 else ''}, {'bf16' if bf16 else 'fp32'}"
    return DeviceInfo("cpu", "cpu", torch.bfloat16 if bf16 else None, False, f"CPU ({words})", threads)


def cpu_threads() -> int:
    """Intra-op threads for CPU training: one per physical core we may use.

    Hyper-threads do not help GEMM-bound training, and more threads than cores
    makes OpenMP spin against itself; ``os.sched_getaffinity`` respects
    containers and ``taskset``.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores)


def pick_device(preference: str = "auto") -> DeviceInfo:
    """Resolve ``auto|cpu|cuda|mps`` to a device, or raise UserError for one that is not here."""
    import torch

    pref = (preference or "auto").lower()
    if pref not in DEVICES:
        raise UserError(f"unknown device {preference!r}; use {', '.join(DEVICES[:-1])} or {DEVICES[-1]}")
    if pref == "cuda" and not torch.cuda.is_available():
        raise UserError("no CUDA GPU is available here (use --device auto or cpu)")
    if pref == "mps" and not _mps_available():
        raise UserError("Apple MPS is not available here (use --device auto or cpu)")
    if pref in ("auto", "cuda") and torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        if torch.cuda.is_bf16_supported():
            return DeviceInfo("cuda", "cuda", torch.bfloat16, False, f"GPU: {name} (bf16 mixed precision)", 1)
        return DeviceInfo("cuda", "cuda", torch.float16, True, f"GPU: {name} (fp16 mixed precision)", 1)
    if pref in ("auto", "mps") and _mps_available():
        return DeviceInfo("mps", "mps", None, False, "Apple GPU (MPS, fp32)", 1)
    return _cpu(cpu_threads(), cpu_has_bf16())


def describe_auto() -> str:
    """One line for the UI before training starts (cheap: no model is loaded)."""
    return pick_device("auto").description


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def with_precision(device: DeviceInfo, precision: str = "auto") -> DeviceInfo:
    """Override the automatic choice (for comparisons and for GPUs whose bf16 misbehaves).

    fp16 is a CUDA feature here, and bf16 is refused on a CPU without a bf16 unit (emulated,
    it is slower than fp32) and on MPS.
    """
    import torch

    if precision not in PRECISIONS:
        raise UserError(f"unknown precision {precision!r}; use {', '.join(PRECISIONS)}")
    if precision == "auto" or precision == device.precision:
        return device
    if precision == "fp32" and device.kind == "cpu":
        return _cpu(device.threads, False)
    if precision == "fp32":
        label = device.description.split(" (")[0]
        return dataclasses.replace(device, amp_dtype=None, use_scaler=False, description=f"{label} (fp32)")
    if device.kind == "cpu" and precision == "bf16":
        if not cpu_has_bf16():
            raise UserError("this CPU has no bf16 unit (AVX-512 BF16 or AMX), so bf16 would be slower than fp32 "
                            "here; use fp32 or auto")
        return _cpu(device.threads, True)
    if device.kind != "cuda":
        raise UserError(f"{precision} mixed precision needs a CUDA GPU; this run is on {device.description}")
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise UserError("this GPU does not support bf16; use fp16 or auto")
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    label = device.description.split(" (")[0]
    return dataclasses.replace(device, amp_dtype=dtype, use_scaler=precision == "fp16",
                               description=f"{label} ({precision} mixed precision)")

