"""Nothing lost: kill -9 the app in the middle of labeling; every edit it had
made (each printed by the driver right after its key press was handled) is in
the store.  DESIGN rule 4: a write is committed before the next event."""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.ui

DRIVER = pathlib.Path(__file__).with_name("kill_driver.py")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_every_edit_before_sigkill_is_in_the_store(tmp_path: pathlib.Path, workbench_home: pathlib.Path) -> None:
    from workbench.demo import ensure_demo_project
    from workbench.spans import Span
    from workbench.store import Store

    project = ensure_demo_project(tmp_path / "demo.db")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", WORKBENCH_HOME=str(workbench_home))
    proc = subprocess.Popen([sys.executable, str(DRIVER), str(project)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while len(lines) < 40 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.split())
        assert proc.poll() is None, f"driver died early: {proc.stderr.read()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)          # mid-labeling: it is still pressing keys
    finally:
        if proc.poll() is None:
            proc.kill()
        rest, _ = proc.communicate(timeout=30)
    lines += [ln.split() for ln in rest.splitlines() if ln.strip()]   # printed (so done) before the kill
    assert proc.returncode == -signal.SIGKILL
    assert len(lines) >= 40

    with Store(project) as store:
        for kind, doc, *rest_ in lines:
            doc = int(doc)
            if kind == "SPAN":
                start, end, label = int(rest_[0]), int(rest_[1]), rest_[2]
                assert Span(start, end, label) in store.annotation(doc, "ner").spans, (doc, rest_)
            elif kind == "SENT":
                assert store.annotation(doc, "sentiment").choice == rest_[0], (doc, rest_)
            elif kind == "ACCEPT":
                assert store.annotation(doc, "ner").status == "accepted", doc
                assert store.annotation(doc, "sentiment").status == "accepted", doc
        accepted = sum(1 for ln in lines if ln[0] == "ACCEPT")
        assert accepted >= 8
