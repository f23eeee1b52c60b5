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


# ---- every job of the core: it reports Progress and a cancel raises Cancelled (no widget) --------------
def _jsonl(path, n: int):  # noqa: ANN001, ANN202
    import json

    path.write_text("".join(json.dumps({"text": f"Ada met Bob in town number {i}."}) + "\n" for i in range(n)),
                    encoding="utf-8")
    return path


def _project(path, docs: int = 0):  # noqa: ANN001, ANN202
    from workbench.store import NewDocument, Store

    with Store.create(path, ["ner"], ["PER"]) as store:
        store.add_documents([NewDocument(f"Ada wrote review number {i}.") for i in range(docs)])
    return path


def test_an_import_reports_lines_read_and_a_cancel_writes_nothing(tmp_path, monkeypatch):
    from workbench.formats import importer
    from workbench.formats.jobs import import_job
    from workbench.store import Store

    monkeypatch.setattr(importer, "CHUNK", 100)
    project, source = _project(tmp_path / "p.db", 3), _jsonl(tmp_path / "in.jsonl", 450)
    seen: list[Progress] = []
    report = import_job(project, str(source), "jsonl", False, progress=seen.append)
    assert report.documents == 450
    # lines read, then a busy bar while the documents are added (one transaction), then done
    assert [(p.done, p.total) for p in seen] == [(100, 450), (200, 450), (300, 450), (400, 450), (450, 450),
                                                 (0, 0), (450, 450)]
    assert seen[0].message == "100 of 450 lines read" and seen[-1].message == "450 documents imported"
    assert seen[-2].message == "Adding 450 documents to the project"
    # a longer import says how fast it reads and how long the reading has left
    assert importer._reading(120_000, 1_000_000, 120_000, 3.0) == \
        "120,000 of 1,000,000 lines read · 40,000 records/s · about 22 s left to read"

    seen.clear()
    with pytest.raises(Cancelled, match="nothing was written") as stopped:
        import_job(project, str(source), "jsonl", False, progress=seen.append, cancelled=lambda: len(seen) >= 2)
    assert stopped.value.partial is None and len(seen) == 2
    with Store(project) as store:
        assert store.document_count() == 3 + 450      # the first import, nothing of the second


def test_a_preview_reads_the_whole_file_and_stops_when_cancelled(tmp_path, monkeypatch):
    from workbench.formats import jobs as format_jobs

    monkeypatch.setattr(format_jobs, "PREVIEW_CHECK_EVERY", 50)
    source = _jsonl(tmp_path / "in.jsonl", 400)
    seen: list[Progress] = []
    result = format_jobs.preview_job(str(source), "jsonl", False, progress=seen.append)
    assert result["total"] == 400 and len(result["docs"]) == format_jobs.PREVIEW_ROWS
    assert seen[0].message == "Reading the file" and seen[-1].message == "400 documents read"
    with pytest.raises(Cancelled):
        format_jobs.preview_job(str(source), "jsonl", False, cancelled=lambda: True)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": \n', encoding="utf-8")
    assert "bad.jsonl:2" in format_jobs.preview_job(str(bad), "jsonl", False)["error"]   # a result, not a failure


def test_an_export_says_what_it_wrote_and_a_cancel_before_it_starts_writes_nothing(tmp_path):
    from workbench.formats.jobs import export_job

    project = _project(tmp_path / "p.db", 5)
    seen: list[Progress] = []
    assert export_job(project, str(tmp_path / "out.jsonl"), "jsonl", progress=seen.append) == 5
    assert [(p.done, p.total, p.message) for p in seen] == [(0, 0, "Writing out.jsonl"), (5, 5, "Wrote 5 documents")]
    with pytest.raises(Cancelled, match="nothing was written"):
        export_job(project, str(tmp_path / "again.jsonl"), "jsonl", cancelled=lambda: True)
    assert not (tmp_path / "again.jsonl").exists()


def test_a_cancelled_backup_keeps_no_copy(tmp_path, workbench_home, monkeypatch):
    from workbench.store import NewDocument, Store, backups

    monkeypatch.setattr(backups, "_STEP_PAGES", 16)     # many steps, so a cancel lands between two
    project = tmp_path / "p.db"
    with Store.create(project, ["ner"], ["PER"]) as store:
        store.add_documents([NewDocument(f"Ada wrote long review number {i}. " * 40) for i in range(300)])
    seen: list[Progress] = []
    with pytest.raises(Cancelled, match="nothing was kept"):
        backups.auto_backup(project, progress=seen.append, cancelled=lambda: len(seen) >= 1)
    assert seen and seen[0].total > seen[0].done and seen[0].message == "Copying p.db"
    folder = backups.backup_folder(project)
    assert backups.list_backups(project) == [] and not list(folder.glob(".*.partial"))
    assert backups.auto_backup(project) is not None          # not cancelled: the daily copy is made


def test_the_cli_says_cancelled_and_exits_as_an_interrupt(capsys):
    import argparse

    from workbench import cli

    def stopped(_args):  # noqa: ANN001, ANN202
        raise Cancelled("import cancelled; nothing was written")

    assert cli._run(argparse.Namespace(func=stopped)) == 130
    assert capsys.readouterr().err == "cancelled: import cancelled; nothing was written\n"


def test_pre_annotation_says_how_fast_it_goes_and_how_long_is_left():
    from workbench.inference.batch import PredictSummary, _predicting

    def said(predicted: int, seconds: float, todo: int = 1_000_000) -> str:
        return _predicting(PredictSummary(1, "ner", "unlabeled", todo, predicted, 0, seconds), todo)

    assert said(0, 0.0) == "0 of 1,000,000 documents"
    assert said(12_000, 30.0) == "12,000 of 1,000,000 documents · 400 documents/s · about 41 min left"
    assert said(990_000, 2475.0) == "990,000 of 1,000,000 documents · 400 documents/s · about 25 s left"
    assert said(1_000_000, 2500.0) == "1,000,000 of 1,000,000 documents · 400 documents/s"
