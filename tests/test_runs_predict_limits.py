"""A huge document (a 50 MB one took `predict` 148 s and 9 GB) is skipped by id with a message;
every other document is predicted as before."""
from __future__ import annotations

import json
import pathlib

import pytest

from runs_support import cli, make_project, make_run_folder, runs_table
from workbench.spans import Span
from workbench.store import NewDocument, Store


@pytest.fixture
def project(tmp_path: pathlib.Path) -> tuple[pathlib.Path, int, int]:
    """A project with an imported run, a labeled 3 MB dev document and a 3 MB unlabeled one."""
    path = make_project(tmp_path / "p.db")
    assert cli("import-run", path, make_run_folder(tmp_path / "server-run")).returncode == 0
    huge = ("Mary visited Rome . " * 160_000)[:3_000_000]
    with Store(path) as store:
        dev, unlabeled = store.add_documents([NewDocument(text=huge, split="dev", spans=[Span(0, 4, "PER")]),
                                              NewDocument(text="x" + huge, split="unassigned")])
    return path, dev, unlabeled


def test_predict_skips_a_huge_document_by_id_and_predicts_the_rest(project):
    path, dev, _ = project
    run_id = runs_table(path)[0][0]
    out = cli("predict", path, "--run", run_id, "--split", "dev", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["skipped"] == [dev] and f"id {dev}" in result["skipped_note"]
    assert result["documents"] == 7 and result["predicted"] == 6
    text = cli("predict", path, "--run", run_id, "--split", "dev")
    assert text.returncode == 0 and f"skipped 1 document longer than 250,000 characters (id {dev})" in text.stderr
    assert "6 documents have errors" in text.stdout or "of 6 documents" in text.stdout


def test_pre_annotating_skips_it_too(project):
    path, _, unlabeled = project
    out = cli("predict", path, "--split", "unlabeled", "--task", "ner", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["skipped"] == [unlabeled]
    assert unlabeled not in {d["doc_id"] for d in result["documents"]}


def test_the_review_leaves_it_out_and_a_direct_prediction_says_why(project):
    from workbench.errors import UserError
    from workbench.inference.predictor import Predictor
    from workbench.inference.review import review_job

    path, dev, _ = project
    run_id = runs_table(path)[0][0]
    reviewed = review_job(path, run_id, "dev")
    assert dev in reviewed.gold and dev not in reviewed.predictions and len(reviewed.reviews) == 6
    with Store(path) as store:
        doc = store.document(dev)
    predictor = Predictor(runs_table(path)[0][3], device="cpu")
    with pytest.raises(UserError, match=f"document {dev} is too long"):
        predictor.predict([doc])
