"""Helpers for the store tests: old project files, corpora, other processes, other users."""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from typing import Sequence

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROCS = pathlib.Path(__file__).with_name("store_procs.py")


def make_schema3_project(path: pathlib.Path) -> None:
    """A project as the app wrote it at schema version 3 (before ``predictions.exact``
    and before application ids): migrations 1-3 replayed, two documents, one labeled."""
    from workbench.store import schema

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    for migration in schema.MIGRATIONS[:3]:
        migration(conn)
    conn.execute("PRAGMA user_version = 3")
    conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)",
                     [("tasks", json.dumps(["ner", "sentiment"])), ("name", json.dumps("old project"))])
    conn.execute("INSERT INTO labels (id, task, name, color, shortcut, position) VALUES (1, 'ner', 'PER', '#8ecae6', '1', 0)")
    conn.execute("INSERT INTO labels (id, task, name, color, shortcut, position) VALUES (2, 'sentiment', 'good', '#90be6d', 'q', 0)")
    for doc_id, text in ((1, "Ada Lovelace wrote it."), (2, "Nothing here.")):
        conn.execute("INSERT INTO documents (id, text, split, hash, created) VALUES (?, ?, 'train', ?, '2024-01-01')",
                     (doc_id, text, hashlib.sha1(text.encode()).hexdigest()))
        conn.execute("INSERT INTO documents_fts (rowid, text) VALUES (?, ?)", (doc_id, text))
    conn.execute("INSERT INTO annotations (doc_id, task, status, annotator) VALUES (1, 'ner', 'accepted', 'ann')")
    conn.execute("INSERT INTO annotations (doc_id, task, status, class_id) VALUES (1, 'sentiment', 'accepted', 2)")
    conn.execute("INSERT INTO annotations (doc_id, task) VALUES (2, 'ner'), (2, 'sentiment')")
    conn.execute('INSERT INTO spans (doc_id, start, "end", label_id) VALUES (1, 0, 12, 1)')
    conn.execute("COMMIT")
    conn.close()


def write_corpus(path: pathlib.Path, n: int, *, seed: int = 1, tag: str = "", label: str = "PER") -> None:
    """``n`` JSONL records, every third with an entity span (``label``) and a sentiment class."""
    rng = random.Random(seed)
    words = "the shop said its phone battery lasted while the screen cracked after one week".split()
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"Ada{tag} " + " ".join(rng.choices(words, k=rng.randint(5, 15))) + f" {i}."
            record: dict = {"text": text, "id": f"{tag}{i}"}
            if i % 3 == 0:
                record["spans"] = [{"start": 0, "end": 3 + len(tag), "label": label}]
                record["sentiment"] = rng.choice(["bad", "good"])
            fh.write(json.dumps(record) + "\n")


def file_state(path: pathlib.Path) -> tuple[str, list[str]]:
    """The file's bytes (as a hash) and the names beside it: what must not change."""
    data = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return data, sorted(p.name for p in path.parent.iterdir())


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    out.setdefault("HF_HUB_OFFLINE", "1")
    return out


def proc(*args: object, **kw) -> subprocess.Popen:  # noqa: ANN003
    """Start tests/store_procs.py in another process (its stdout and stderr piped, as text)."""
    return subprocess.Popen([sys.executable, str(PROCS), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=kw.pop("env", env()), **kw)


# ---- another user ------------------------------------------------------------------------
NOBODY = 65534


def can_drop_privileges() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def shared_tmp() -> pathlib.Path:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="wb-store-"))
    path.chmod(0o755)
    return path


def run_as_other_user(cmd: Sequence[str], **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    """Run ``cmd`` as a user who does not own the test's files: as root, the user nobody
    (root itself may write anything); otherwise the current user, whose files the test
    made read-only with chmod."""
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120, **kw)
