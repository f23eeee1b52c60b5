"""Where a run's row, curve points and final figures go.

In the app and ``workbench-cli train`` that is the project file
(:class:`StoreRecorder`).  A run trained from a bundle has no project: its
figures go into its run card only (:class:`CardRecorder`), and
``workbench-cli import-run`` puts them into a project later.
"""
from __future__ import annotations

import pathlib
from typing import Any, Iterable

from workbench.store import Store
from workbench.training import run_folders, runs

Point = tuple[str, int, float, float]


class StoreRecorder:
    """Run history in the project file (call on the thread that opened ``store``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.stem = store.path.stem

    def start(self, task: str, base_model: str, device: str, config: dict[str, Any], counts: dict[str, Any]) -> int:
        return runs.start_run(self.store, task, base_model, device, config, counts)

    def add_points(self, run_id: int, points: Iterable[Point]) -> None:
        runs.add_points(self.store, run_id, points)

    def claim_folder(self, run_id: int, folder: pathlib.Path) -> None:
        """Mark the run's new folder as the app's and note it on the run row, before the model is
        written: a run killed while saving leaves a folder the next open knows to be its own."""
        run_folders.mark(folder, run_id=run_id, project=str(self.store.path))
        runs.set_model_dir(self.store, run_id, str(folder / "model"))

    def finish(self, run_id: int, status: str, **figures: Any) -> None:
        runs.finish_run(self.store, run_id, status, **figures)


class CardRecorder:
    """No project: the run card (written by the loop) is the whole record."""

    def __init__(self, stem: str = "bundle") -> None:
        self.stem = stem
        self.status = ""
        self.figures: dict[str, Any] = {}

    def start(self, task: str, base_model: str, device: str, config: dict[str, Any], counts: dict[str, Any]) -> int:
        return 0

    def add_points(self, run_id: int, points: Iterable[Point]) -> None:
        return None  # the loop keeps every point for the run card

    def claim_folder(self, run_id: int, folder: pathlib.Path) -> None:
        run_folders.mark(folder, run_id=run_id)

    def finish(self, run_id: int, status: str, **figures: Any) -> None:
        self.status, self.figures = status, figures
