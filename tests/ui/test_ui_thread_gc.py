"""Qt objects caught in reference cycles die on the UI thread, even while a job allocates on its
own thread (ui/ui_thread_gc.py).  Collected on the job's thread, a Qt object's destructor
deadlocked with the UI thread: the Review screen's test hung in CI that way."""
from __future__ import annotations

import gc
import sys
import threading

import pytest

pytestmark = pytest.mark.ui


def allocating_job(*, progress, cancelled):  # noqa: ANN001, ANN201
    """Makes enough container objects, kept, that Python's automatic collector would run here."""
    kept = [{"i": i} for i in range(20_000)]
    return threading.get_ident(), kept


def test_a_dropped_qt_object_in_a_cycle_dies_on_the_ui_thread(qtbot, _collect_on_ui_thread):
    from PySide6.QtCore import QObject, Qt

    from ui.workers import JobHost

    assert not gc.isenabled()     # the app's collector has taken over
    died_on: list[int] = []

    class Held(QObject):
        pass

    for _ in range(20):
        obj = Held()
        obj.me = obj                 # a cycle: only the collector frees it
        obj.destroyed.connect(lambda *_: died_on.append(threading.get_ident()),
                              Qt.ConnectionType.DirectConnection)
    del obj
    host = JobHost()
    done: list[tuple] = []
    host.start(allocating_job, on_done=done.append)
    qtbot.waitUntil(lambda: not host.busy, timeout=60_000)
    qtbot.waitUntil(lambda: len(died_on) == 20, timeout=10_000)    # the collector's timer ran
    assert done and done[0][0] != threading.get_ident()
    assert set(died_on) == {threading.get_ident()}               # all on the UI thread
    assert sum(_collect_on_ui_thread.collections) > 0


def test_an_import_burst_is_frozen_not_scanned_on_the_ui_thread(qtbot, _collect_on_ui_thread):
    """A job that loads the training stack makes objects that live as long as the app: the
    next tick sets them aside (gc.freeze) instead of holding the UI thread to scan them."""
    import types

    collector = _collect_on_ui_thread
    frozen, freezes = gc.get_freeze_count(), collector.freezes
    names = [f"_burst_module_{i}" for i in range(250)]
    try:
        for name in names:           # what an import of a large library looks like to the tick
            sys.modules[name] = types.ModuleType(name)
        qtbot.waitUntil(lambda: collector.freezes > freezes, timeout=5_000)
        assert gc.get_freeze_count() > frozen
    finally:
        for name in names:
            sys.modules.pop(name, None)
