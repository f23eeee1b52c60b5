"""Event-loop stalls as a user feels them: the gaps between ticks of a 10 ms timer on the
UI thread (used by the Train-screen test and its benchmark).  UI thread only."""
from __future__ import annotations

import statistics
import time


class StallMeter:
    """Gaps between the ticks of a 10 ms QTimer; ``longest`` is the longest stall so far."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    @property
    def longest(self) -> float:
        return max(self.gaps, default=0.0)

    @property
    def ticks(self) -> int:
        return len(self.gaps)

    def start(self) -> None:
        self.gaps.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def figures(self) -> dict:
        g = sorted(self.gaps) or [0.0]
        return {"ticks": len(self.gaps), "longest_ms": round(g[-1] * 1000, 1),
                "p99_ms": round(g[int(0.99 * (len(g) - 1))] * 1000, 1),
                "median_ms": round(statistics.median(g) * 1000, 1),
                "over_100ms": sum(x > 0.1 for x in g), "over_50ms": sum(x > 0.05 for x in g)}
