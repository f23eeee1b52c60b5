"""workbench-cli as a user types it: exit status and one-line messages."""
import json
import subprocess
import sys

from shared_data import shared_file


def cli(*args):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *map(str, args)], capture_output=True, text=True)


def test_init_import_stats_export(tmp_path):
    db = tmp_path / "p.db"
    assert cli("init", db, "--task", "ner,sentiment", "--labels", "PER,ORG,LOC,MISC",
               "--classes", "negative,positive").returncode == 0
    out = cli("import", db, shared_file("conll2003", "dev.txt"), "--format", "conll", "--split", "dev")
    assert out.returncode == 0 and "imported 3250 documents" in out.stdout
    stats = json.loads(cli("stats", db, "--json").stdout)
    assert stats["tasks"]["ner"]["accepted"] == 3250 and stats["splits"] == {"dev": 3250}
    assert stats["labels"]["ner"]["PER"] == 1842
    out = cli("export", db, tmp_path / "out.jsonl", "--format", "jsonl")
    assert out.returncode == 0
    assert sum(1 for _ in open(tmp_path / "out.jsonl")) == 3250


def test_bad_input_gives_one_line_and_nonzero_status(tmp_path):
    db = tmp_path / "p.db"
    cli("init", db, "--task", "ner", "--labels", "PER")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Tim"}\n{"text": "Cook", "spans": [{"start": 0, "end": 4, "label": "ORG"}]}\n')
    out = cli("import", db, bad)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [f"error: {bad}:2: unknown entity label 'ORG' "
                                               "(project labels: PER; allow adding new labels to import it)"]
    assert json.loads(cli("stats", db, "--json").stdout)["documents"] == 0
    assert cli("import", db, bad, "--add-labels").returncode == 0
    missing = cli("stats", tmp_path / "nope.db")
    assert missing.returncode == 1 and "no such project file" in missing.stderr
    assert cli("init", db, "--task", "ner").returncode == 1  # never overwrite a project
    assert cli("init", tmp_path / "x.db", "--task", "pos").returncode == 1
