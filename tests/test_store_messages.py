"""What the user is told when the project cannot be used as usual: read-only (opened read-only,
and said), a full disk, a damaged file (with the newest backup to restore), a reader of the
CLI's output that goes away, a label that cannot be added (with its line)."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from store_support import ROOT, can_drop_privileges, env, file_state, run_as_other_user, shared_tmp
from workbench import cli
from workbench.formats import FormatError, import_file
from workbench.spans import Span
from workbench.store import NewDocument, Store, StoreError

CLI = [sys.executable, "-m", "workbench.cli"]
TRY_WRITE = """
import json, sys
from workbench.spans import Span
from workbench.store import Store, StoreError
with Store.open(sys.argv[1]) as store:
    out = {"read_only": store.read_only, "reason": store.read_only_reason, "docs": store.document_count()}
    try:
        store.set_spans(1, [Span(0, 3, "PER")])
        out["write"] = "saved"
    except StoreError as exc:
        out["write"] = str(exc)
print(json.dumps(out))
"""


def small_project(path: pathlib.Path, n: int = 3) -> pathlib.Path:
    with Store.create(path, ["ner", "sentiment"], ["PER"], ["bad", "good"]) as store:
        store.add_documents([NewDocument(f"Ada wrote review {i}.", spans=[Span(0, 3, "PER")] if i == 0 else None)
                             for i in range(n)])
    return path


@pytest.fixture
def unwritable(tmp_path: pathlib.Path):
    """Folders another user may read but not write: ``ro/`` (a read-only folder) and ``rw/``
    (a writable folder, for a read-only file), plus ``out/`` and ``home/`` they may write."""
    if os.geteuid() == 0 and not can_drop_privileges():
        pytest.skip("running as root without setpriv: every file is writable")
    base = shared_tmp() if os.geteuid() == 0 else tmp_path
    dirs = {name: base / name for name in ("ro", "rw", "out", "home")}
    for d in dirs.values():
        d.mkdir()
    yield dirs
    for d in dirs.values():
        d.chmod(0o755)
        for f in d.iterdir():
            f.chmod(0o644)
    if os.geteuid() == 0:
        shutil.rmtree(base, ignore_errors=True)


def lock_down(dirs: dict[str, pathlib.Path]) -> tuple[pathlib.Path, pathlib.Path]:
    """A project in a read-only folder, and a read-only project file in a writable folder."""
    in_ro = small_project(dirs["ro"] / "p.db")
    ro_file = small_project(dirs["rw"] / "q.db")
    ro_file.chmod(0o444)
    if os.geteuid() == 0:        # the other user: may write out/, home/ and rw/, not ro/ or q.db
        for name in ("out", "home", "rw"):
            dirs[name].chmod(0o777)
    else:
        dirs["ro"].chmod(0o555)
    return in_ro, ro_file


def test_a_read_only_project_opens_read_only_and_says_so(unwritable) -> None:
    in_ro, ro_file = lock_down(unwritable)
    folder = "the file and its folder are read-only" if os.geteuid() == 0 else "its folder is read-only"
    for project, reason in ((in_ro, folder), (ro_file, "the file is read-only")):
        before = file_state(project)
        done = run_as_other_user([sys.executable, "-c", TRY_WRITE, str(project)],
                                 env=env(WORKBENCH_HOME=str(unwritable["home"]), HOME=str(unwritable["home"])))
        assert done.returncode == 0, done.stderr[-2000:]
        seen = json.loads(done.stdout)
        assert (seen["read_only"], seen["reason"], seen["docs"]) == (True, reason, 3)
        assert "the project is read-only" in seen["write"] and reason in seen["write"] and str(project) in seen["write"]
        cli_env = env(WORKBENCH_HOME=str(unwritable["home"]), HOME=str(unwritable["home"]))
        stats = run_as_other_user([*CLI, "stats", str(project)], env=cli_env, cwd=str(ROOT))
        assert stats.returncode == 0, stats.stderr
        assert stats.stdout.startswith(f"{project.stem}: 3 documents") and f"read-only: {reason}" in stats.stdout
        out = unwritable["out"] / f"{project.stem}.jsonl"
        export = run_as_other_user([*CLI, "export", str(project), str(out), "--format", "jsonl"], env=cli_env,
                                   cwd=str(ROOT))
        assert export.returncode == 0, export.stderr
        assert len(out.read_text(encoding="utf-8").splitlines()) == 3
        assert file_state(project)[0] == before[0]          # the project's bytes are as they were


def _mount_tmpfs(where: pathlib.Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir()
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


def _fill(folder: pathlib.Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"x" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"x" * 512)
    except OSError:
        pass
    os.close(fd)


def test_a_full_disk_is_called_a_full_disk(tmp_path: pathlib.Path, capsys) -> None:
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "3m"):
        pytest.skip("needs root to mount a small tmpfs that can fill up")
    try:
        project = small_project(disk / "p.db")
        store = Store.open(project)
        _fill(disk)
        with pytest.raises(StoreError) as full:            # the disk fills while the project is open
            store.add_documents([NewDocument("a long review " * 200) for _ in range(100)])
        assert "the disk is full" in str(full.value) and str(project) in str(full.value)
        assert store.document_count() == 3
        store.close()                                      # (its -wal goes, and frees some space)
        _fill(disk)
        with pytest.raises(StoreError) as full:            # opening it on the full disk
            Store.open(project)
        assert "the disk is full" in str(full.value) and "not a workbench project" not in str(full.value)
        assert cli.main(["stats", str(project)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {project}: the disk is full") and "Traceback" not in err
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_damaged_project_points_at_its_newest_backup(tmp_path: pathlib.Path, capsys) -> None:
    project = small_project(tmp_path / "p.db", 400)
    cut = tmp_path / "cut.db"
    shutil.copy(project, cut)
    os.truncate(cut, cut.stat().st_size // 2)
    with pytest.raises(StoreError) as broken:
        Store.open(cut)
    text = str(broken.value)
    assert "the project file is damaged" in text and "No automatic backup" in text and "not a workbench" not in text

    from workbench.store import backups

    made = backups.backup_project(project)
    os.truncate(project, project.stat().st_size // 2)
    with pytest.raises(StoreError) as broken:
        Store.open(project)
    text = str(broken.value)
    assert "the project file is damaged" in text and f"The newest automatic backup is {made}" in text
    assert f"cp '{made}' '{project}'" in text and "p.db-wal" in text
    assert cli.main(["stats", str(project)]) == 1
    assert f"The newest automatic backup is {made}" in capsys.readouterr().err
    os.replace(made, project)                                # what the message says to do
    with Store.open(project) as store:
        assert store.document_count() == 400


def test_stats_into_a_pipe_that_closes_prints_no_traceback(project) -> None:
    """`workbench-cli stats p.db | head -1`: the reader goes away before the output is written."""
    project.add_documents([NewDocument("Tim Cook runs Apple.")])
    run = subprocess.Popen([*CLI, "stats", str(project.path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env(), cwd=str(ROOT), text=True)
    run.stdout.close()                                       # like head -1 having read its line
    err = run.stderr.read()
    run.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert run.returncode == 1
    shell = subprocess.run(f"{sys.executable} -m workbench.cli stats '{project.path}' | head -1", shell=True,
                           capture_output=True, text=True, env=env(), cwd=str(ROOT))
    assert shell.stdout.splitlines() == ["project: 1 documents"] and "Traceback" not in shell.stderr


def test_a_label_that_cannot_be_added_is_named_with_its_line(project, tmp_path: pathlib.Path) -> None:
    data = tmp_path / "new.jsonl"
    rows = [{"text": "Ada went home."}, {"text": "Bob went out.", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
            {"text": "Cy left.", "spans": [{"start": 0, "end": 2, "label": "HAS SPACE"}]}]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as bad:
        import_file(project, data, "jsonl", add_labels=True)
    assert str(bad.value).startswith(f"{data}:3: label 'HAS SPACE' cannot be added")
    assert project.document_count() == 0 and "HAS SPACE" not in project.label_names("ner")
