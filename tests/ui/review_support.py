"""Opening the Review screen on the shared trained runs, as the review and suggestion tests do."""
from __future__ import annotations

from inference_support import trained


def open_review(qtbot, w, task: str):  # noqa: ANN001, ANN201 - pytest-qt objects
    """Switch to Review, pick the trained ``task`` run and wait until its review is loaded."""
    tabs = w.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Review"))
    panel = w.screen("Review")
    run_id = trained()[task].run_id
    panel.run_box.setCurrentIndex(panel.run_box.findData(run_id))
    qtbot.waitUntil(lambda: not panel.jobs.busy and panel.review is not None
                    and panel.review.run.run_id == run_id, timeout=60_000)
    return panel
