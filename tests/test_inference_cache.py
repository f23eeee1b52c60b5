"""Prediction cache, batch jobs, split review (the metrics training reports), uncertain-first, CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest

from inference_support import copy_project, one_cpu, trained
from workbench.inference import cache
from workbench.inference.batch import predict_job, select_documents, suggestion_run
from workbench.inference.review import build_review, review_job
from workbench.inference.run_model import finished_runs, open_run
from workbench.jobs import Cancelled, Progress
from workbench.store import Store


@pytest.fixture
def project(tmp_path):
    trained()
    with one_cpu():
        yield copy_project(tmp_path)


def test_review_of_dev_reproduces_the_training_report(project):
    built = trained()
    for task in ("ner", "sentiment"):
        rs = review_job(project, built[task].run_id, "dev")
        assert rs is not None and len(rs.reviews) == 40
        assert rs.report["f1"] == pytest.approx(built[task].dev["f1"], abs=1e-9)
        assert rs.report["accuracy"] == pytest.approx(built[task].dev["accuracy"], abs=1e-9)
        assert rs.matrix.sum() >= 40


def test_cache_round_trip_and_text_change(project):
    run_id = trained()["ner"].run_id
    progress: list[Progress] = []
    first = predict_job(project, run_id, "dev", progress=progress.append)
    assert first.predicted == 40 and first.cached == 0 and progress[-1].done == 40
    again = predict_job(project, run_id, "dev")
    assert again.predicted == 0 and again.cached == 40
    with Store(project) as store:
        run = open_run(store, run_id)
        ids = select_documents(store, "ner", "dev")
        preds = cache.load(store, run_id, "ner", run.label_names, ids)
        live = run.predictor("cpu").predict([store.document(i) for i in ids[:5]])
        for p in live:
            c = preds[p.doc_id]
            assert c.tags == p.tags
            assert np.allclose(c.probs, p.probs, atol=2e-3)      # float16 in the file
        # a changed text invalidates that document's prediction
        store.conn.execute("UPDATE documents SET text = 'bob left', hash = 'x' WHERE id = ?", (ids[0],))
        assert cache.missing(store, run_id, ids) == [ids[0]]
        assert ids[0] not in cache.load(store, run_id, "ner", run.label_names, ids)


def test_preannotation_sets_suggestions_and_uncertain_queue(project):
    run_id = trained()["ner"].run_id
    summary = predict_job(project, run_id, "unlabeled")
    assert summary.predicted == 30
    with Store(project) as store:
        assert suggestion_run(store, "ner") == run_id
        by_conf = cache.uncertain_unlabeled(store, run_id, "ner")
        by_margin = cache.uncertain_unlabeled(store, run_id, "ner", "margin")
        assert sorted(by_conf) == sorted(by_margin) == select_documents(store, "ner", "unlabeled")
        confs = [store.conn.execute("SELECT confidence FROM predictions WHERE run_id = ? AND doc_id = ?",
                                    (run_id, d)).fetchone()[0] for d in by_conf]
        assert confs == sorted(confs)
        # labeling a document takes it out of the queue
        store.set_spans(by_conf[0], [], status="accepted")
        assert by_conf[0] not in cache.uncertain_unlabeled(store, run_id, "ner")


def test_large_jobs_take_the_onnx_path_with_the_same_results(project, monkeypatch):
    from workbench.inference import batch

    run_id = trained()["sentiment"].run_id
    predict_job(project, run_id, "dev")
    with Store(project) as store:
        run = open_run(store, run_id)
        before = cache.load(store, run_id, "sentiment", run.label_names)
    monkeypatch.setattr(batch, "ONNX_FROM", 1)
    used = []
    from workbench.inference import onnx_export

    real = onnx_export.use_onnx_runtime
    monkeypatch.setattr(onnx_export, "use_onnx_runtime",
                        lambda pred, int8=False: used.append(real(pred, int8=int8)) or used[-1])
    predict_job(project, run_id, "dev", refresh=True)
    assert used == ["fp32"]        # a labeled split is scored at full precision
    with Store(project) as store:
        after = cache.load(store, run_id, "sentiment", run.label_names)
    assert before.keys() == after.keys()
    assert all(np.allclose(before[d].probs, after[d].probs, atol=2e-3) for d in before)


def test_deleting_a_run_drops_its_cache(project):
    from workbench.training.runs import delete_run

    run_id = trained()["sentiment"].run_id
    predict_job(project, run_id, "dev")
    with Store(project) as store:
        assert store.conn.execute("SELECT count(*) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()[0] == 40
        delete_run(store, run_id)
        assert store.conn.execute("SELECT count(*) FROM predictions WHERE run_id = ?", (run_id,)).fetchone()[0] == 0


def test_cancel_keeps_finished_chunks(project, monkeypatch):
    from workbench.inference import batch

    monkeypatch.setattr(batch, "CHUNK", 10)
    seen = []
    with pytest.raises(Cancelled) as stopped:
        predict_job(project, trained()["ner"].run_id, "train", progress=seen.append, cancelled=lambda: len(seen) >= 3)
    summary = stopped.value.partial      # what it kept, counted
    assert 0 < summary.predicted < 160 and "kept" in str(stopped.value)
    with Store(project) as store:
        n = store.conn.execute("SELECT count(*) FROM predictions").fetchone()[0]
    assert n == summary.predicted


def test_runs_listing_and_errors(project):
    from workbench.errors import UserError

    with Store(project) as store:
        runs = finished_runs(store)
        assert [r.task for r in runs] == ["sentiment", "ner"]
        assert open_run(store, None, "ner").entity_labels == ["PER", "ORG", "LOC"]
        with pytest.raises(UserError, match="no run 99"):
            open_run(store, 99)
        with pytest.raises(UserError, match="not sentiment"):
            open_run(store, runs[1].run_id, "sentiment")


def test_cli_predict_suspicious_export(project, tmp_path, capsys):
    from workbench.cli import main

    built = trained()
    assert main(["predict", str(project), "--task", "ner", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "micro avg" in out and "documents have errors" in out
    assert main(["predict", str(project), "--run", str(built["sentiment"].run_id), "--split", "unlabeled",
                 "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["predicted"] == 30 and len(data["documents"]) == 30
    assert {"sentiment", "confidence", "doc_id"} <= set(data["documents"][0])
    assert main(["suspicious", str(project), "--task", "ner", "--top", "3", "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "dev" and len(data["documents"]) == min(3, data["suspicious"])
    assert data["suspicious"] < data["scored"]       # documents where the model agrees are not listed
    assert all(d["score"] < 0.5 or d["gold"] != d["pred"] for d in data["documents"])
    scores = [d["score"] for d in data["documents"]]
    assert scores == sorted(scores)
    assert main(["export-onnx", str(project), "--task", "sentiment", "--out", str(tmp_path / "onnx")]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["predict", str(project), "--run", "42"]) == 1
    assert "no run 42" in capsys.readouterr().err


def test_build_review_leaves_out_what_is_not_cached(project):
    with Store(project) as store:
        run = open_run(store, trained()["ner"].run_id)
        assert build_review(store, run, "dev").reviews == []


def test_uncertain_first_queue_setting(project):
    from workbench.inference.queue import next_order, next_uncertain, set_next_order

    run_id = trained()["ner"].run_id
    predict_job(project, run_id, "unlabeled")
    with Store(project) as store:
        queue = cache.uncertain_unlabeled(store, run_id, "ner", "margin")
        assert next_order(store) == "in_order" and next_uncertain(store, 0) is None
        set_next_order(store, "margin")
        assert next_uncertain(store, 0) == queue[0]
        assert next_uncertain(store, queue[0]) == queue[1]        # never the document just left
        with pytest.raises(ValueError):
            set_next_order(store, "random")


def test_a_suggestion_from_the_int8_copy_is_predicted_again_once_labeled(project, monkeypatch):
    from workbench.inference import batch

    monkeypatch.setattr(batch, "ONNX_FROM", 1)
    run_id = trained()["sentiment"].run_id
    pre = predict_job(project, run_id, "unlabeled")
    assert pre.predicted > 0
    with Store(project) as store:
        (exact,) = set(store.conn.execute("SELECT exact FROM predictions WHERE run_id = ?", (run_id,)))
        assert exact == (0,)                              # suggestions came from the int8 copy
        doc_id = select_documents(store, "sentiment", "unlabeled")[0]
        store.set_class(doc_id, "sentiment", "positive", status="accepted")
        store.set_split([doc_id], "dev")
    scored = predict_job(project, run_id, "dev")          # scoring dev needs the exact model
    assert scored.predicted >= 1
    with Store(project) as store:
        row = store.conn.execute("SELECT exact FROM predictions WHERE run_id = ? AND doc_id = ?",
                                 (run_id, doc_id)).fetchone()
        assert row == (1,)
