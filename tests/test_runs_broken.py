"""A run whose model folder is damaged or gone after import is listed as broken, never fatal;
`workbench-cli runs` lists runs and `runs PROJECT delete N` removes one, and only what the app wrote."""
from __future__ import annotations

import json
import pathlib
import shutil
import sqlite3

import pytest

from runs_support import cli, make_project, make_run_folder, runs_table
from workbench.training.run_folders import MARKER


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return make_run_folder(tmp_path_factory.mktemp("template") / "bundle-run1-ner")


@pytest.fixture
def imported(template, tmp_path, workbench_home) -> tuple[pathlib.Path, list[int]]:
    """A project with two imported NER runs (ids 1 and 2)."""
    project = make_project(tmp_path / "p.db")
    for _ in range(2):
        out = cli("import-run", project, template)
        assert out.returncode == 0, out.stderr
    return project, [r[0] for r in runs_table(project)]


def folder_of(project: pathlib.Path, run_id: int) -> pathlib.Path:
    return pathlib.Path(next(r[3] for r in runs_table(project) if r[0] == run_id)).parent


def no_traceback(out) -> None:
    assert "Traceback" not in out.stderr and "JSONDecodeError" not in out.stderr, out.stderr


def listed(project: pathlib.Path) -> dict[int, dict]:
    out = cli("runs", project, "--json")
    assert out.returncode == 0, out.stderr
    return {r["id"]: r for r in json.loads(out.stdout)["runs"]}


def test_a_damaged_config_is_listed_as_broken_and_every_command_goes_on(imported):
    project, (good, bad) = imported
    (folder_of(project, bad) / "model" / "config.json").write_text('{"architectures": ["BertForTokenCl')
    runs = listed(project)
    assert runs[bad]["status"] == "broken" and "config.json: not valid JSON" in runs[bad]["reason"]
    assert runs[good]["status"] == "done" and runs[good]["reason"] == ""
    text = cli("runs", project)
    assert text.returncode == 0 and "broken: " in text.stdout and f"{bad}  ner" in text.stdout.replace("    ", " ")

    # the newest run is the broken one: predict and suspicious say so and use the newest loadable run
    for args in (("predict", project, "--task", "ner", "--quiet"),
                 ("suspicious", project, "--task", "ner", "--method", "dev", "--quiet")):
        out = cli(*args)
        no_traceback(out)
        assert out.returncode == 0, out.stderr
        assert f"run {bad} is broken" in out.stderr and "config.json" in out.stderr
    # naming the broken run: a message, not a traceback
    for args in (("predict", project, "--run", bad), ("export-onnx", project, "--run", bad),
                 ("suspicious", project, "--task", "ner", "--method", "dev", "--run", bad)):
        out = cli(*args)
        no_traceback(out)
        assert out.returncode == 1 and f"error: run {bad} is broken" in out.stderr, out.stderr


def test_a_deleted_folder_is_broken_and_only_broken_runs_left_is_a_message(imported):
    project, runs = imported
    for run_id in runs:
        shutil.rmtree(folder_of(project, run_id))
    assert all(r["status"] == "broken" and "missing" in r["reason"] for r in listed(project).values())
    out = cli("predict", project, "--task", "ner")
    no_traceback(out)
    assert out.returncode == 1 and "no finished ner run" in out.stderr and "is broken" in out.stderr


def test_predict_on_a_run_with_pickled_weights_only_says_why(imported):
    project, (run_id, _) = imported
    model = folder_of(project, run_id) / "model"
    (model / "model.safetensors").rename(model / "pytorch_model.bin")
    out = cli("predict", project, "--run", run_id)
    no_traceback(out)
    assert out.returncode == 1 and "pytorch_model.bin" in out.stderr and "pickle" in out.stderr


def test_delete_removes_the_run_and_its_folder_and_says_so(imported):
    project, (first, second) = imported
    assert cli("predict", project, "--run", second, "--split", "unlabeled", "--quiet").returncode == 0
    folder = folder_of(project, second)
    out = cli("runs", project, "delete", second)
    assert out.returncode == 0, out.stderr
    assert f"deleted run {second}" in out.stdout and f"removed its folder {folder}" in out.stdout
    assert "suggestions" in out.stdout      # it was the run whose suggestions the Annotate screen showed
    assert not folder.exists() and folder_of(project, first).is_dir()
    with sqlite3.connect(project) as conn:
        assert conn.execute("SELECT count(*) FROM run_points WHERE run_id = ?", (second,)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM predictions WHERE run_id = ?", (second,)).fetchone() == (0,)
        assert "inference.suggestion_runs" not in dict(conn.execute("SELECT key, value FROM settings")) or \
            str(second) not in dict(conn.execute("SELECT key, value FROM settings"))["inference.suggestion_runs"]
    assert [r[0] for r in runs_table(project)] == [first]
    again = cli("runs", project, "delete", second)
    assert again.returncode == 1 and f"no run {second}" in again.stderr


def test_delete_never_removes_a_folder_the_app_did_not_write_inside_its_runs_folder(imported, tmp_path,
                                                                                   workbench_home):
    project, (first, second) = imported
    # the user's own folder elsewhere (a run trained with --output-dir into their thesis folder)
    thesis = tmp_path / "thesis"
    shutil.copytree(folder_of(project, first), thesis)
    (thesis / MARKER).unlink()
    (thesis / "chapter1.txt").write_text("my thesis")
    # and a folder the user made inside the runs folder, without the app's marker
    mine = workbench_home / "runs" / "my-own-model"
    shutil.copytree(folder_of(project, second), mine)
    (mine / MARKER).unlink()
    with sqlite3.connect(project) as conn:
        conn.execute("UPDATE runs SET model_dir = ? WHERE id = ?", (str(thesis / "model"), first))
        conn.execute("UPDATE runs SET model_dir = ? WHERE id = ?", (str(mine / "model"), second))
    conn.close()
    out = cli("runs", project, "delete", first)
    assert out.returncode == 0 and f"left its folder {thesis}" in out.stdout and "not inside" in out.stdout
    out = cli("runs", project, "delete", second)
    assert out.returncode == 0 and f"left its folder {mine}" in out.stdout and "did not write it" in out.stdout
    assert (thesis / "chapter1.txt").read_text() == "my thesis" and (mine / "model" / "config.json").is_file()
    assert runs_table(project) == []


def test_delete_removes_a_run_folder_written_before_folders_were_marked(imported, workbench_home):
    project, (first, _) = imported
    legacy = workbench_home / "runs" / f"p-run{first}-ner-20250101-120000"
    folder_of(project, first).rename(legacy)
    (legacy / MARKER).unlink()
    with sqlite3.connect(project) as conn:
        conn.execute("UPDATE runs SET model_dir = ? WHERE id = ?", (str(legacy / "model"), first))
    conn.close()
    out = cli("runs", project, "delete", first)
    assert out.returncode == 0 and f"removed its folder {legacy}" in out.stdout and not legacy.exists()


def test_runs_command_refuses_what_it_cannot_do(imported):
    project, _ = imported
    out = cli("runs", project, "delete")
    assert out.returncode == 1 and "which run" in out.stderr
    out = cli("runs", project.with_name("nope.db"))
    assert out.returncode == 1 and "no such project file" in out.stderr
