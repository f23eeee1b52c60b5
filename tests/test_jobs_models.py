"""The model jobs of the core under the one contract (workbench/jobs.py), with no widget at all:
each reports workbench.jobs.Progress and a cancel raises Cancelled, carrying what was kept
where something was (a run, cached predictions) and nothing where nothing was."""
from __future__ import annotations

import os
import sys
import threading

import pytest

from inference_support import copy_project, trained
from workbench.jobs import Cancelled, Progress
from workbench.store import Store


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path)


def test_a_cancelled_preannotation_keeps_what_it_predicted_as_suggestions(project, monkeypatch):
    from workbench.inference import batch

    monkeypatch.setattr(batch, "CHUNK", 10)
    run_id = trained()["ner"].run_id
    seen: list[Progress] = []
    with pytest.raises(Cancelled, match="predicted so far are kept") as stopped:
        batch.predict_job(project, run_id, "unlabeled", progress=seen.append, cancelled=lambda: seen[-1].done >= 10)
    kept = stopped.value.partial
    assert kept.which == "unlabeled" and kept.predicted == 10 and kept.documents == 30
    assert all(isinstance(p, Progress) and p.total == 30 for p in seen)
    with Store(project) as store:
        assert batch.suggestion_run(store, "ner") == run_id       # the kept predictions are suggestions


def test_a_review_reports_its_predictions_and_a_cancel_builds_nothing(project):
    from workbench.inference.review import review_job

    run_id = trained()["sentiment"].run_id
    with pytest.raises(Cancelled, match="review cancelled") as stopped:
        review_job(project, run_id, "dev", cancelled=lambda: True)
    assert stopped.value.partial is None
    seen: list[Progress] = []
    rs = review_job(project, run_id, "dev", progress=seen.append)
    assert rs.reviews and seen[-1].done == seen[-1].total == len(rs.reviews)


def test_a_cancelled_dev_check_ranks_nothing(project):
    from workbench.inference.suspicious import dev_job

    with pytest.raises(Cancelled, match="nothing was stored") as stopped:
        dev_job(project, trained()["ner"].run_id, cancelled=lambda: True)
    assert stopped.value.partial is None
    assert dev_job(project, trained()["ner"].run_id)           # not cancelled: every dev document ranked


def test_explanations_report_what_they_do_and_stop_when_cancelled():
    from workbench.inference.explain import ATTRIBUTION, Request, explain_job, load_predictor
    from workbench.inference.predictor import as_document

    run = trained()["sentiment"]
    with pytest.raises(Cancelled):
        load_predictor(run.model_dir, 64, cancelled=lambda: True)
    seen: list[Progress] = []
    pred = load_predictor(run.model_dir, 64, progress=seen.append)
    assert [p.message for p in seen] == ["Loading the model"]
    request = Request(ATTRIBUTION, as_document("the film was great fun"), steps=8, max_steps=4096)
    asked = []

    def cancel_on_the_second_pass() -> bool:   # asked before the job, then before each pass
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(Cancelled, match="explanation cancelled"):
        explain_job(pred, request, cancelled=cancel_on_the_second_pass)
    assert len(asked) == 3
    seen.clear()
    exp = explain_job(pred, request, progress=seen.append)
    assert exp.kind == ATTRIBUTION and [p.message for p in seen] == ["Computing attributions"]


def test_the_training_job_runs_below_the_ui_and_a_cancel_carries_the_run(tmp_path, workbench_home):
    from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs
    from workbench.training.config import TrainConfig
    from workbench.training.jobs import train_job

    tiny = make_tiny_bert(tmp_path / "tiny", TOY_WORDS, hidden=32, layers=2)
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER", "LOC"]) as store:
        store.add_documents(toy_ner_docs(12))
        store.add_documents(toy_ner_docs(12, split="dev"))
    config = TrainConfig(project, "ner", base_model=str(tiny), epochs=30, batch_size=4, lr=5e-3, patience=0, seed=3)
    seen: list[Progress] = []
    nice: list[int] = []
    outcome: dict = {}

    def report(p: Progress) -> None:
        if not nice and sys.platform.startswith("linux"):
            nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        seen.append(p)

    def run() -> None:   # on a thread of its own, as the app runs it
        try:
            outcome["result"] = train_job(config, progress=report,
                                          cancelled=lambda: any(p.detail.kind == "epoch" for p in seen))
        except Cancelled as stop:
            outcome["stop"] = stop

    before = os.getpriority(os.PRIO_PROCESS, 0) if sys.platform.startswith("linux") else 0
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    stop = outcome["stop"]
    assert stop.partial.status == "cancelled" and stop.partial.model_dir and stop.partial.epochs_done >= 1
    assert str(stop) == "training cancelled by the user"
    assert any(p.detail.kind == "step" and p.detail.loss is not None and p.total > 0 for p in seen)
    if sys.platform.startswith("linux"):
        assert nice[0] > before                                   # the UI thread keeps its priority
        assert os.getpriority(os.PRIO_PROCESS, 0) == before


def test_the_device_job_names_the_device_and_honours_a_cancel():
    from workbench.training.jobs import device_job

    seen: list[Progress] = []
    assert "CPU" in device_job("cpu", progress=seen.append)
    assert seen[0].message == "Finding the device"
    with pytest.raises(Cancelled):
        device_job("cpu", cancelled=lambda: True)
