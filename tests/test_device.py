"""Which device and number format train, with the CPU's capabilities faked: bf16 autocast only
on a CPU with a bf16 unit, fp32 on demand, bf16 refused where it would be emulated."""
from __future__ import annotations

import pytest
import torch

from workbench.errors import UserError
from workbench.modeling import device as device_mod
from workbench.modeling.device import cpu_has_bf16, pick_device, with_precision

ZEN4 = {"avx512_f": True, "avx512_bf16": True, "amx_bf16": False}
SAPPHIRE_RAPIDS = {"avx512_f": True, "avx512_bf16": True, "amx_bf16": True}
ZEN3 = {"avx2": True, "avx512_bf16": False, "amx_bf16": False}


@pytest.fixture
def cpu_only(monkeypatch):
    """A machine without a GPU, whose CPU reports what the test says."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)

    def with_caps(caps: dict) -> None:
        monkeypatch.setattr(device_mod, "cpu_capabilities", lambda: caps)
    return with_caps


def test_the_bf16_units_are_read_from_torchs_capabilities():
    assert cpu_has_bf16(ZEN4) and cpu_has_bf16(SAPPHIRE_RAPIDS) and cpu_has_bf16({"amx_bf16": True})
    assert not cpu_has_bf16(ZEN3) and not cpu_has_bf16({})
    # whatever this machine is, the answer comes from torch's own report
    assert cpu_has_bf16() == bool(torch.cpu.get_capabilities().get("avx512_bf16")
                                  or torch.cpu.get_capabilities().get("amx_bf16"))


def test_a_cpu_with_a_bf16_unit_trains_under_bf16_autocast(cpu_only):
    cpu_only(ZEN4)
    dev = pick_device("auto")
    assert dev.kind == "cpu" and dev.amp_dtype is torch.bfloat16 and dev.precision == "bf16"
    assert dev.description.endswith(", bf16)") and dev.description.startswith("CPU (")
    assert not dev.use_scaler


def test_a_cpu_without_one_trains_in_fp32(cpu_only):
    cpu_only(ZEN3)
    dev = pick_device("cpu")
    assert dev.amp_dtype is None and dev.precision == "fp32" and dev.description.endswith(", fp32)")
    cpu_only({})       # a torch or a VM that reports nothing: fp32, no crash
    assert pick_device("auto").precision == "fp32"


def test_fp32_is_forced_on_a_bf16_cpu_and_bf16_refused_without_the_unit(cpu_only):
    cpu_only(ZEN4)
    forced = with_precision(pick_device("auto"), "fp32")
    assert forced.amp_dtype is None and forced.kind == "cpu" and forced.description.endswith(", fp32)")
    assert with_precision(forced, "bf16").precision == "bf16"
    cpu_only(ZEN3)
    with pytest.raises(UserError, match="no bf16 unit"):
        with_precision(pick_device("auto"), "bf16")
    with pytest.raises(UserError, match="CUDA"):
        with_precision(pick_device("auto"), "fp16")


def test_a_cpu_that_fails_to_report_is_taken_as_having_no_bf16(monkeypatch):
    def broken():
        raise RuntimeError("cpuinfo failed")
    monkeypatch.setattr(torch.cpu, "get_capabilities", broken)
    assert device_mod.cpu_capabilities() == {} and not cpu_has_bf16()
