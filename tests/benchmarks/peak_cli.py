"""``workbench-cli`` that reports its resident memory at the phases of a training run (Linux only).

    python tests/benchmarks/peak_cli.py train PROJECT ...     (the same arguments as workbench-cli)

Prints on stderr, as it exits, one line ``MEMORY_KB {json}`` holding, in kB:
  - ``before_loop``: the resident set right before the first training step (the loaded model,
    the tokenized data, the adapters; read from VmRSS);
  - ``loop_peak``: the high-water mark of the training loop alone (steps and dev checks): the
    kernel's mark (VmHWM) is reset through ``/proc/self/clear_refs`` right before the first step
    and read when the loop hands over to scoring and saving the best checkpoint;
  - ``file_at_loop_end``: how much of the resident set was file pages as the loop ended (the
    model file transformers maps into memory, the libraries' code);
  - ``end_peak``: the high-water mark from there to the exit (the final scoring and the save),
    reset the same way;
  - ``process_peak``: the whole process's peak (getrusage), loading and saving included.
Used by bench_precision.py.  Not part of the product.
"""
from __future__ import annotations

import atexit
import json
import re
import runpy
import sys

STATUS = "/proc/self/status"


def _status_kb(field: str) -> int:
    with open(STATUS, encoding="ascii") as f:
        return int(re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M).group(1))


def _reset_high_water() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")      # 5: reset the peak resident set size (VmHWM) to the current one


def main() -> None:
    import resource

    from workbench.training import loop

    figures: dict[str, int] = {}
    run_loop, finish = loop._Run._loop, loop.finish_run

    def measured_loop(self, *args, **kwargs):
        figures["before_loop"] = _status_kb("VmRSS")
        _reset_high_water()
        return run_loop(self, *args, **kwargs)

    def measured_finish(*args, **kwargs):
        figures["loop_peak"] = _status_kb("VmHWM")
        figures["file_at_loop_end"] = _status_kb("RssFile")
        _reset_high_water()
        return finish(*args, **kwargs)

    def report() -> None:
        if "loop_peak" in figures:
            figures["end_peak"] = _status_kb("VmHWM")
        figures["process_peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("MEMORY_KB", json.dumps(figures), file=sys.stderr)

    loop._Run._loop, loop.finish_run = measured_loop, measured_finish
    atexit.register(report)
    sys.argv[0] = "workbench-cli"
    runpy.run_module("workbench.cli", run_name="__main__")


if __name__ == "__main__":
    main()
