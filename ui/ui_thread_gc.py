"""Python's cyclic garbage collector, run on the UI thread only.

Why: Python collects reference cycles on whichever thread happens to allocate when a
generation fills up, and with the workers of ui/workers.py that is often a job's thread.
When the garbage holds a Qt object (a closed dialog's widgets, a menu and its actions),
its C++ destructor then runs on the job's thread: it takes Qt's object lock and waits for
the interpreter lock, while the UI thread, holding the interpreter lock, waits for Qt's
lock to delete a widget of its own.  The window hangs for good (seen in CI: a review job's
thread collecting inside ``from_pretrained``, the UI thread deleting a QMenu), or it
crashes.  So the automatic collector is switched off and :class:`UiThreadCollector` runs
the same generational collections from a timer on the UI thread, where Qt objects may die.

Jobs still free what they drop by reference counting at once; only cycles wait for the
timer (half a second at most while the event loop runs).

One cost moves with it: a job that imports the training stack makes some 600,000 objects
in a few seconds, which the automatic collector would have scanned a few hundred at a
time; one collection of them all holds the UI thread for a third of a second.  Objects
made by imports live as long as the process, so when a tick sees that many modules were
loaded since the last, it moves everything tracked so far out of the collector's sight
(``gc.freeze``, no scan) instead of collecting it.  What is frozen is still freed by
reference counting; only a reference cycle made before the freeze that becomes garbage
later stays in memory, a price paid once per import burst.
"""
from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, QTimer

# How often the counts are looked at.  A collection of the young generations takes a few
# milliseconds; the full one (rare, see _check) scans only what was made since the last freeze.
CHECK_MS = 500
# Modules loaded between two ticks that make the tick freeze instead of collect (importing
# torch and transformers loads thousands; the app's own screens a few dozen at a time).
FREEZE_AFTER_MODULES = 200


class UiThreadCollector(QObject):
    """Collects on the UI thread what the automatic collector would have collected anywhere.
    Made and used on the UI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.long_lived = 0                   # in the oldest generation after the last full collection
        self.collections = [0, 0, 0]      # how many of each generation ran (for tests)
        self.freezes = 0
        self.recheck_at = 0                   # the oldest generation's count before its next look
        self.modules = len(sys.modules)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self._check)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        """Give the collection back to Python (the app is closing; tests)."""
        self.timer.stop()
        gc.enable()

    def _check(self) -> None:
        modules = len(sys.modules)
        if modules - self.modules >= FREEZE_AFTER_MODULES:
            self.modules = modules
            gc.freeze()
            self.freezes += 1
            return
        self.modules = modules
        counts = gc.get_count()
        # as CPython does: nothing until the youngest generation is full, then the oldest
        # generation whose count is over its threshold
        if counts[0] <= self.thresholds[0]:
            return
        generation = max(gen for gen in range(3) if gen == 0 or counts[gen] > self.thresholds[gen])
        if generation == 2 and counts[2] <= self.recheck_at:
            generation = 1
        elif generation == 2:
            # CPython's rule for the oldest generation: only when what moved into it since the
            # last full collection is over a quarter of it; else the young ones (and the count
            # of objects, itself a scan, is taken again only after as many more collections)
            pending = len(gc.get_objects(generation=2)) - self.long_lived
            if pending <= self.long_lived // 4:
                generation, self.recheck_at = 1, counts[2] + self.thresholds[2]
        gc.collect(generation)
        self.collections[generation] += 1
        if generation == 2:
            self.long_lived = len(gc.get_objects(generation=2))
            self.recheck_at = 0


_COLLECTOR: UiThreadCollector | None = None


def collect_on_ui_thread(app: QObject) -> UiThreadCollector:
    """Switch the automatic collector off and collect from the UI thread's timer instead
    (once per process; later calls return the same collector).  UI thread only."""
    global _COLLECTOR
    if _COLLECTOR is None:
        _COLLECTOR = UiThreadCollector(app)
        _COLLECTOR.start()
    return _COLLECTOR
