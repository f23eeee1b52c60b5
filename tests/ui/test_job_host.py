"""ui/workers.JobHost: the one way a screen runs a job (start, cancel, drop a stale result, shut down)."""
from __future__ import annotations

import threading
import time

import pytest

from workbench.jobs import Cancelled, Progress, check_cancelled


def slow_job(name: str, gate: threading.Event, log: list, *, progress, cancelled):  # noqa: ANN001, ANN201
    """Runs until cancelled (or the gate opens), then returns anyway: a result that comes late."""
    log.append(("start", name, threading.get_ident()))
    progress(Progress(0, 2, f"{name} started"))
    while not cancelled() and not gate.wait(0.01):
        pass
    progress(Progress(2, 2, f"{name} finished"))
    log.append(("end", name))
    return name


def stopping_job(*, progress, cancelled):  # noqa: ANN001, ANN201
    while True:
        check_cancelled(cancelled, "stopped; nothing was kept")
        time.sleep(0.01)


def failing_job(*, progress, cancelled):  # noqa: ANN001, ANN201
    raise ValueError("the file is broken")


@pytest.fixture
def host(qtbot):
    from PySide6.QtWidgets import QWidget

    from ui.workers import JobHost

    screen = QWidget()
    qtbot.addWidget(screen)
    jobs = JobHost(screen)
    yield jobs
    assert jobs.shutdown(10_000)


def outcomes() -> dict:
    calls: dict = {"done": [], "failed": [], "cancelled": [], "progress": [], "threads": set()}

    def make(kind: str):  # noqa: ANN202
        def record(value) -> None:  # noqa: ANN001
            calls["threads"].add(threading.get_ident())
            calls[kind].append(value)
        return record

    calls["callbacks"] = {f"on_{k}": make(k) for k in ("done", "failed", "cancelled", "progress")}
    return calls


def test_a_second_start_cancels_the_first_and_its_late_result_is_dropped(qtbot, host):
    log: list = []
    first, second = outcomes(), outcomes()
    never = threading.Event()
    host.start(slow_job, "first", never, log, **first["callbacks"])
    qtbot.waitUntil(lambda: bool(first["progress"]), timeout=10_000)      # it runs
    opened = threading.Event()
    opened.set()
    host.start(slow_job, "second", opened, log, **second["callbacks"])
    assert host.busy
    qtbot.waitUntil(lambda: bool(second["done"]), timeout=10_000)
    qtbot.wait(100)       # anything the first still had on its way would have arrived by now
    assert second["done"] == ["second"] and not second["failed"] and not second["cancelled"]
    # the first returned "first" after it was cancelled: nobody hears it, nor its last report
    assert first["done"] == [] and [p.message for p in first["progress"]] == ["first started"]
    # one at a time: the second started only after the first had ended
    assert [entry[:2] for entry in log] == [("start", "first"), ("end", "first"), ("start", "second"),
                                            ("end", "second")]
    # every callback ran on the UI thread, never on the job's
    assert first["threads"] | second["threads"] == {threading.get_ident()}
    assert {entry[2] for entry in log if entry[0] == "start"}.isdisjoint({threading.get_ident()})
    assert not host.busy


def test_a_cancel_is_not_a_failure_and_a_failure_is_one(qtbot, host):
    calls = outcomes()
    ended: list = []
    host.ended.connect(lambda: ended.append(True))
    host.start(stopping_job, **calls["callbacks"])
    host.cancel()
    qtbot.waitUntil(lambda: bool(calls["cancelled"]), timeout=10_000)
    (stop,) = calls["cancelled"]
    assert isinstance(stop, Cancelled) and str(stop) == "stopped; nothing was kept"
    assert calls["failed"] == [] and calls["done"] == [] and ended == [True]

    calls = outcomes()
    host.start(failing_job, **calls["callbacks"])
    qtbot.waitUntil(lambda: bool(calls["failed"]), timeout=10_000)
    assert [str(e) for e in calls["failed"]] == ["the file is broken"] and calls["cancelled"] == []


def test_shutdown_waits_for_the_job_and_nothing_calls_back_afterwards(qtbot, host):
    log: list = []
    calls = outcomes()
    host.start(slow_job, "closing", threading.Event(), log, **calls["callbacks"])
    qtbot.waitUntil(lambda: bool(calls["progress"]), timeout=10_000)
    assert host.shutdown(10_000)
    assert log[-1] == ("end", "closing")          # the job had ended when shutdown returned
    qtbot.wait(100)
    assert calls["done"] == [] and calls["cancelled"] == [] and len(calls["progress"]) == 1
    assert not host.busy


def test_a_job_started_from_a_result_waits_for_the_one_ending(qtbot, host):
    log: list = []
    opened = threading.Event()
    opened.set()
    results: list = []

    def chain(result) -> None:  # noqa: ANN001
        results.append(result)
        if len(results) == 1:
            host.start(slow_job, "next", opened, log, on_done=results.append)

    host.start(slow_job, "one", opened, log, on_done=chain)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=10_000)
    assert results == ["one", "next"] and [e[:2] for e in log][-2:] == [("start", "next"), ("end", "next")]


CHAIN = """
import sys, time
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from ui.workers import JobHost, wait_all

def job(i, *, progress, cancelled):
    return i

host, results = JobHost(), []
def chain(result):
    results.append(result)
    if len(results) < 400:
        host.start(job, len(results), on_done=chain)    # the next one, as its predecessor's thread ends
host.start(job, 0, on_done=chain)
end = time.time() + 120
while len(results) < 400 and time.time() < end:
    app.processEvents()
print(results == list(range(400)), wait_all(10000))
"""


def test_four_hundred_jobs_each_started_as_the_last_one_ends_run_in_order_without_a_crash():
    """A thread is forgotten only once it has wholly ended: it used to be dropped while it was still
    emitting its finished signal, and the next start destroyed a running QThread (a segfault by the
    300th job).  In a process of its own, so a crash fails this test instead of the whole run."""
    import os
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", CHAIN], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]
