"""Exports never destroy the user's files (issue 14, items 1, 2, 12, 13): what a hostile tester
tried with ``workbench-cli export``, ``export-bundle``, ``export-onnx`` and ``train --output-dir``."""
from __future__ import annotations

import errno
import json
import math
import os
import pathlib
import resource
import signal
import sqlite3
import stat
import subprocess
import sys

import pytest

from workbench.cli import main
from workbench.store import NewDocument, Store
from tiny_bert import TOY_WORDS, make_tiny_bert, toy_ner_docs


def make_project(path: pathlib.Path, n: int = 12, words: int = 0) -> pathlib.Path:
    """NER and sentiment, ``n`` accepted NER documents (``words`` extra words each, to make them big)."""
    docs = toy_ner_docs(n)
    for d in docs:
        d.text += " the" * words
    with Store.create(path, ["ner", "sentiment"], ["PER", "LOC"], ["negative", "positive"]) as store:
        store.add_documents(docs)
    return path


def run(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def is_project(path: pathlib.Path) -> bool:
    with Store(path) as store:
        return store.document_count() > 0


def listing(folder: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---- hf folders --------------------------------------------------------------------------------

def test_hf_export_into_a_folder_with_a_foreign_file_is_refused_and_the_file_survives(tmp_path, capsys):
    project = make_project(tmp_path / "p.db")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "t.txt").write_text("thesis")
    for extra in ([], ["--overwrite"]):       # --overwrite does not make a folder ours
        rc, _, err = run(capsys, "export", project, tmp_path / "x", "--format", "hf", *extra)
        assert rc == 1 and "not written by this program" in err
        assert (tmp_path / "x" / "t.txt").read_text() == "thesis" and listing(tmp_path / "x") == ["t.txt"]


def test_hf_export_onto_the_projects_own_folder_leaves_the_project(tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    project = make_project(work / "p.db")
    for extra in ([], ["--overwrite"]):
        rc, _, err = run(capsys, "export", project, work, "--format", "hf", *extra)
        assert rc == 1 and err.startswith("error: ")
        assert is_project(project)


@pytest.mark.parametrize("fmt", ["hf", "jsonl"])
def test_export_to_dot_and_other_edge_paths_gives_a_message_not_a_traceback(tmp_path, capsys, monkeypatch, fmt):
    project = make_project(tmp_path / "p.db")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_folder" / "keep.txt").write_text("mine")
    edges = [".", "..", "/", "", "missing/out", "a_folder", "p.db/inside", "a_folder/"]
    before = listing(tmp_path)
    for edge in edges:
        rc, _, err = run(capsys, "export", "p.db", edge, "--format", fmt)
        assert rc == 1 and err.startswith("error: ") and "Traceback" not in err, (edge, err)
        assert len(err.strip().splitlines()) == 1, (edge, err)
    assert listing(tmp_path) == before and is_project(project)


def test_overwrite_replaces_only_what_the_earlier_export_wrote(tmp_path, capsys):
    project = make_project(tmp_path / "p.db", n=12)
    out = tmp_path / "hf"
    assert run(capsys, "export", project, out, "--format", "hf")[0] == 0
    assert (out / ".workbench-output.json").is_file()
    (out / "notes.txt").write_text("my notes")                       # the user's, next to the export
    rc, _, err = run(capsys, "export", project, out, "--format", "hf")
    assert rc == 1 and "--overwrite" in err                          # asked to say so
    with Store(project) as store:
        store.add_documents(toy_ner_docs(3, offset=40))
    rc, stdout, _ = run(capsys, "export", project, out, "--format", "hf", "--overwrite")
    assert rc == 0 and "exported 15 documents" in stdout
    assert (out / "notes.txt").read_text() == "my notes"
    import datasets

    assert datasets.load_from_disk(str(out))["train"].num_rows == 15
    assert not [p for p in out.iterdir() if p.name.startswith(".workbench-partial")]
    # a foreign file where the export writes: refused before anything is removed
    (out / "train" / "mine.txt").write_text("inside")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rc, _, err = run(capsys, "export", project, out, "--format", "hf", "--overwrite")
    assert rc == 1 and "mine.txt" in err and "did not write" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# ---- files -------------------------------------------------------------------------------------

def test_jsonl_export_onto_the_project_itself_or_another_project_is_refused(tmp_path, capsys):
    project = make_project(tmp_path / "self.db")
    other = make_project(tmp_path / "other.db", n=3)
    os.link(project, tmp_path / "hard.db")
    os.symlink(project, tmp_path / "soft.jsonl")
    for extra in ([], ["--overwrite"]):
        for target in (project, other, tmp_path / "hard.db", tmp_path / "soft.jsonl"):
            rc, _, err = run(capsys, "export", project, target, "--format", "jsonl", *extra)
            assert rc == 1 and ("project itself" in err or "SQLite database" in err), (target, err)
    assert is_project(project) and is_project(other) and (tmp_path / "soft.jsonl").is_symlink()


def test_a_symlink_to_a_file_is_written_through_and_stays_a_link(tmp_path, capsys):
    project = make_project(tmp_path / "p.db", n=4)
    real = tmp_path / "data" / "real.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    rc, _, err = run(capsys, "export", project, link, "--format", "jsonl")
    assert rc == 1 and "exists" in err and real.read_text() == "old\n"
    assert run(capsys, "export", project, link, "--format", "jsonl", "--overwrite")[0] == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert len(real.read_text().splitlines()) == 4
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.jsonl"]    # no temporary left


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path, capsys):
    project = make_project(tmp_path / "p.db", n=2)
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for fmt, extra in (("jsonl", []), ("csv", ["--overwrite"])):
        rc, _, err = run(capsys, "export", project, fifo, "--format", fmt, *extra)
        assert rc == 1 and "not a regular file" in err
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_exports_keep_the_users_umask(tmp_path, capsys):
    project = make_project(tmp_path / "p.db", n=4)
    old = os.umask(0o022)
    try:
        for fmt, name in (("jsonl", "out.jsonl"), ("csv", "out.csv"), ("conll", "out.conll"), ("hf", "hf")):
            assert run(capsys, "export", project, tmp_path / name, "--format", fmt)[0] == 0
        os.umask(0o027)
        assert run(capsys, "export", project, tmp_path / "strict.jsonl", "--format", "jsonl")[0] == 0
    finally:
        os.umask(old)
    for name in ("out.jsonl", "out.csv", "out.conll", "hf/dataset_dict.json", "hf/train/state.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
    assert stat.S_IMODE((tmp_path / "hf").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "strict.jsonl").stat().st_mode) == 0o640
    # replacing a file keeps that file's permission bits, as open() would
    (tmp_path / "out.jsonl").chmod(0o600)
    assert run(capsys, "export", project, tmp_path / "out.jsonl", "--format", "jsonl", "--overwrite")[0] == 0
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o600


def test_nan_and_infinity_in_metadata_are_exported_as_valid_json(tmp_path, capsys):
    project = tmp_path / "p.db"
    with Store.create(project, ["ner", "sentiment"], ["PER"], ["negative", "positive"]) as store:
        store.add_documents([NewDocument("Ann slept .", split="train", classes={"sentiment": "positive"},
                                         meta={"score": math.nan, "hi": math.inf, "deep": [{"lo": -math.inf}, 1.5]})])
    assert run(capsys, "export", project, tmp_path / "out.jsonl", "--format", "jsonl")[0] == 0

    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    record = json.loads((tmp_path / "out.jsonl").read_text(), parse_constant=refuse)
    assert record["score"] is None and record["hi"] is None and record["deep"] == [{"lo": None}, 1.5]
    for fmt, name in (("csv", "out.csv"), ("hf", "hf")):
        assert run(capsys, "export", project, tmp_path / name, "--format", fmt)[0] == 0
    assert "NaN" not in (tmp_path / "out.csv").read_text()
    for part in (tmp_path / "hf").rglob("*.json"):
        json.loads(part.read_text(), parse_constant=refuse)


# ---- full disk, unwritable folders ---------------------------------------------------------------

def _fsize_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # the write fails with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs a file size limit (POSIX)")
@pytest.mark.parametrize("command", [
    ["export", "{p}", "{out}/x.jsonl", "--format", "jsonl"],
    ["export", "{p}", "{out}/x_hf", "--format", "hf"],
    ["export-bundle", "{p}", "{out}/bundle", "--task", "ner"],
])
def test_a_write_that_fails_half_way_leaves_nothing_behind(tmp_path, command):
    """A real failing write from the kernel, no root needed: the process may not grow a file past
    64 KB (EFBIG), as a full disk stops it (ENOSPC); every writer (Python, Arrow) meets it."""
    project = make_project(tmp_path / "p.db", n=400, words=30)     # ~200 KB of text
    out = tmp_path / "out"
    out.mkdir()
    args = [a.format(p=project, out=out) for a in command]
    done = subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True, text=True,
                          preexec_fn=_fsize_limit(64 * 1024), env={**os.environ, "HF_DATASETS_CACHE": str(tmp_path)})
    assert done.returncode == 1, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]     # (after datasets' progress bar)
    assert last.startswith(f"error: cannot write {out}") and "Traceback" not in done.stderr
    assert "larger than this file system" in last
    assert listing(out) == [] and is_project(project)


def test_full_disk_says_so_and_keeps_the_earlier_export(tmp_path, capsys, monkeypatch):
    import datasets

    from workbench import output_paths

    project = make_project(tmp_path / "p.db", n=6)
    assert run(capsys, "export", project, tmp_path / "x.jsonl", "--format", "jsonl")[0] == 0
    assert run(capsys, "export", project, tmp_path / "hf", "--format", "hf")[0] == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    real_open = open

    class FullDisk:
        """A file whose writes fail like a full disk after the first few bytes."""

        def __init__(self, fh):
            self.fh, self.left = fh, 10

        def write(self, text):
            self.left -= len(text)
            if self.left < 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.fh.write(text)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def fake_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return FullDisk(fh) if "w" in mode else fh

    monkeypatch.setattr(output_paths, "open", fake_open, raising=False)

    def save_half(self, path, **kwargs):
        pathlib.Path(path, "train").mkdir(parents=True)
        pathlib.Path(path, "train", "data-00000-of-00001.arrow").write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(datasets.DatasetDict, "save_to_disk", save_half)
    for fmt, name in (("jsonl", "x.jsonl"), ("hf", "hf"), ("jsonl", "new.jsonl"), ("hf", "new_hf")):
        rc, _, err = run(capsys, "export", project, tmp_path / name, "--format", fmt, "--overwrite")
        assert rc == 1 and err == f"error: cannot write {tmp_path / name}: the disk is full (no space left on the device)\n"
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_an_unwritable_folder_says_so(tmp_path, capsys, monkeypatch):
    """Permission and read-only file system errors, made by the OS calls' stand-ins (tests may run
    as root, whom chmod does not stop; the chmod version is the next test)."""
    from workbench import output_paths

    project = make_project(tmp_path / "p.db", n=3)
    real = {"open": os.open, "mkdir": os.mkdir}
    for code, words in ((errno.EACCES, "permission denied"), (errno.EROFS, "read-only")):
        def refuse(name):
            def call(path, *args, **kwargs):
                if pathlib.Path(path).parent == tmp_path:      # creating something in the folder
                    raise OSError(code, os.strerror(code), str(path))
                return real[name](path, *args, **kwargs)
            return call

        with monkeypatch.context() as m:
            m.setattr(output_paths.os, "open", refuse("open"))
            m.setattr(output_paths.os, "mkdir", refuse("mkdir"))
            for fmt, name in (("jsonl", "x.jsonl"), ("hf", "hf")):
                rc, _, err = run(capsys, "export", project, tmp_path / name, "--format", fmt)
                assert rc == 1 and err.startswith(f"error: cannot write {tmp_path / name}: ") and words in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.db"]


def test_a_read_only_folder_says_so(tmp_path, capsys):
    project = make_project(tmp_path / "p.db", n=3)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        try:
            (folder / "probe").touch()
        except PermissionError:
            pass
        else:   # root (with CAP_DAC_OVERRIDE) writes anyway; the test above covers it
            pytest.skip("chmod 0500 does not stop this user's writes")
        for fmt, name in (("jsonl", "x.jsonl"), ("hf", "hf")):
            rc, _, err = run(capsys, "export", project, folder / name, "--format", fmt)
            assert rc == 1 and "permission denied" in err
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


# ---- bundles, ONNX, run folders ------------------------------------------------------------------

def test_export_bundle_follows_the_same_rule(tmp_path, capsys):
    project = make_project(tmp_path / "p.db", n=12)
    rc, _, err = run(capsys, "export-bundle", project, project, "--task", "ner")
    assert rc == 1 and "is a file" in err and is_project(project)
    bundle = tmp_path / "bundle"
    assert run(capsys, "export-bundle", project, bundle, "--task", "ner")[0] == 0
    (bundle / "README.txt").write_text("how I train this")
    rc, _, err = run(capsys, "export-bundle", project, bundle, "--task", "ner")
    assert rc == 1 and "--overwrite" in err
    rc, out, err = run(capsys, "export-bundle", project, bundle, "--task", "ner", "--epochs", "7", "--overwrite")
    assert rc == 0, err
    assert json.loads((bundle / "bundle.json").read_text())["config"]["epochs"] == 7
    assert (bundle / "README.txt").read_text() == "how I train this"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A project with one finished NER run of a tiny BERT (one short epoch: only the files matter)."""
    from tests.inference_support import one_cpu
    from workbench.training import TrainConfig, train

    root = tmp_path_factory.mktemp("run")
    project = make_project(root / "p.db", n=10)
    base = make_tiny_bert(root / "base", TOY_WORDS, hidden=32, layers=1)
    with one_cpu():
        result = train(TrainConfig(project, "ner", base_model=str(base), epochs=1, batch_size=8, device="cpu",
                                   patience=0, output_dir=root / "runs"))
    assert result.status == "done"
    return {"project": project, "base": base, "model_dir": pathlib.Path(result.model_dir)}


def test_export_onnx_follows_the_same_rule(tiny_run, tmp_path, capsys):
    project = tiny_run["project"]
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "t.txt").write_text("thesis")
    rc, _, err = run(capsys, "export-onnx", project, "--out", foreign)
    assert rc == 1 and "not written by this program" in err and listing(foreign) == ["t.txt"]
    rc, _, err = run(capsys, "export-onnx", project, "--out", project)
    assert rc == 1 and "is a file" in err and is_project(project)
    out = tmp_path / "onnx"
    assert run(capsys, "export-onnx", project, "--out", out)[0] == 0
    (out / "notes.txt").write_text("kept")
    rc, _, err = run(capsys, "export-onnx", project, "--out", out)
    assert rc == 1 and "--overwrite" in err
    assert run(capsys, "export-onnx", project, "--out", out, "--overwrite")[0] == 0
    assert (out / "model.onnx").is_file() and (out / "notes.txt").read_text() == "kept"
    # the run's own folder (no --out) is replaced without asking, also one an earlier version wrote
    own = tiny_run["model_dir"].parent / "onnx"
    assert run(capsys, "export-onnx", project)[0] == 0 and (own / "model.onnx").is_file()
    (own / ".workbench-output.json").unlink()
    assert run(capsys, "export-onnx", project)[0] == 0 and (own / ".workbench-output.json").is_file()


def test_run_folders_are_always_new_and_the_output_dir_must_be_a_folder(tmp_path):
    from workbench.errors import UserError
    from workbench.training.card import run_folder
    from workbench.training.config import TrainConfig

    cfg = TrainConfig(tmp_path / "p.db", "ner", output_dir=tmp_path / "runs")
    first, second = run_folder(cfg, 0, "bundle"), run_folder(cfg, 0, "bundle")   # the same second
    assert first != second and first.is_dir() and second.is_dir()
    make_project(tmp_path / "p.db", n=6)
    bad = TrainConfig(tmp_path / "p.db", "ner", output_dir=tmp_path / "p.db")
    with pytest.raises(UserError, match="is not a folder"):
        bad.check()


def test_a_run_that_cannot_save_its_model_says_why_and_leaves_no_folder(tiny_run, tmp_path, monkeypatch):
    """safetensors reports a full disk as "I/O error: ... (os error 28)", not as an OSError."""
    from tests.inference_support import one_cpu
    from workbench.errors import UserError
    from workbench.training import TrainConfig, run_end, runs, train

    def full_disk(model, tokenizer, folder):
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr(run_end, "save_model", full_disk)   # the run's end saves its model
    project = make_project(tmp_path / "p.db", n=10)
    base = tiny_run["base"]
    with one_cpu(), pytest.raises(UserError, match="cannot write .*the disk is full"):
        train(TrainConfig(project, "ner", base_model=str(base), epochs=1, batch_size=8, device="cpu", patience=0,
                          output_dir=tmp_path / "runs"))
    assert list((tmp_path / "runs").iterdir()) == []
    with Store(project) as store:
        assert [r.status for r in runs.list_runs(store)] == ["failed"]


def test_sqlite_header_check_reads_only_the_header(tmp_path):
    from workbench.output_paths import is_sqlite

    db = tmp_path / "any.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    (tmp_path / "text.db").write_text("SQLite format 2 - not really")
    assert is_sqlite(db) and not is_sqlite(tmp_path / "text.db")
