"""The one contract of long work (workbench/jobs.py): its Progress, its Cancelled, its helpers."""
from __future__ import annotations

import pytest

from workbench.errors import UserError
from workbench.jobs import Cancelled, Progress, check_cancelled, throttle


def test_a_cancel_is_not_a_user_error_and_carries_what_was_kept():
    stop = Cancelled("import cancelled; nothing was written")
    assert not isinstance(stop, UserError) and stop.partial is None
    assert Cancelled("training cancelled by the user", partial={"run_id": 3}).partial == {"run_id": 3}


def test_check_cancelled_raises_only_when_asked_to_stop():
    check_cancelled(None)
    check_cancelled(lambda: False)
    with pytest.raises(Cancelled, match="backup stopped") as stopped:
        check_cancelled(lambda: True, "backup stopped; nothing was kept", partial=7)
    assert stopped.value.partial == 7


def test_progress_fraction_is_known_only_with_a_total():
    assert Progress(5, 20).fraction == 0.25 and Progress(5, 20).known
    assert Progress(3, 0, "Loading the model").fraction == 0.0 and not Progress(3, 0).known
    assert Progress(30, 20).fraction == 1.0


def test_throttle_keeps_phases_details_and_the_end_and_drops_the_chatter():
    now = [0.0]
    seen: list[Progress] = []
    report = throttle(seen.append, every_s=0.1, clock=lambda: now[0])
    report(Progress(0, 100, "Reading"))                 # the first: kept
    for done in range(1, 50):                          # 49 reports in the same instant: dropped
        report(Progress(done, 100, f"{done} of 100"))
    report(Progress(50, 100, detail={"curve point": 1}))   # job data: never dropped
    now[0] = 0.2
    report(Progress(60, 100, "60 of 100"))             # time has passed: kept
    report(Progress(61, 100, "61 of 100"))             # too soon: dropped
    report(Progress(0, 7, "Publishing"))               # a new phase: kept
    report(Progress(7, 7, "done"))                     # the end of a phase: kept
    assert [(p.done, p.total) for p in seen] == [(0, 100), (50, 100), (60, 100), (0, 7), (7, 7)]
