"""``workbench-cli apply``: a trained run's predictions for a file of texts (tiny trained runs).

What a user does: point the command at a CSV, JSON Lines or text file and get each row back
with its prediction; hand it broken files, a folder, the project or the input as the output,
and get a message naming the file and line with nothing half-written; split a file into
shards and merge them back into the same file.
"""
from __future__ import annotations

import csv
import hashlib
import json
import pathlib

import pytest

from inference_support import copy_project, one_cpu, trained
from runs_support import cli
from workbench.cli import main
from workbench.jobs import Cancelled

NER_TEXTS = ["alice visited acme in berlin .", "the bob joined globex in tokyo .",
             "carol met initech in lima .", "dave works at umbrella in paris ."]
SENT_TEXTS = ["the plot was very good fun", "awful boring movie said it", "love it excellent film", "hate the plot"]


@pytest.fixture(scope="module")
def built():
    with one_cpu():
        yield trained()


@pytest.fixture
def proj(built, tmp_path):
    return copy_project(tmp_path)


def run_id(built, task: str) -> str:
    return str(built[task].run_id)


def apply(capsys, *args) -> tuple[int, str, str]:
    with one_cpu():
        code = main(["apply", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def write_csv(path: pathlib.Path, rows: list[list[str]]) -> pathlib.Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def leftovers(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".partial")


def digest(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- what a user gets ---------------------------------------------------------------------------
def test_csv_ner_rows_keep_their_columns_and_gain_spans_and_a_readable_entities_column(built, proj, tmp_path,
                                                                                         capsys):
    from workbench.inference.predictor import Predictor, as_document

    src = write_csv(tmp_path / "in.csv", [["id", "text", "source"]] + [[str(i), t, "web"] for i, t in
                                                                        enumerate(NER_TEXTS)])
    code, out, err = apply(capsys, proj, src, "-o", tmp_path / "out.csv", "--run", run_id(built, "ner"), "--exact")
    assert code == 0, err
    assert "applied to 4 rows" in out and "fp32 ONNX" in out
    rows = read_csv(tmp_path / "out.csv")
    assert list(rows[0]) == ["id", "text", "source", "spans", "entities"]
    assert [r["id"] for r in rows] == ["0", "1", "2", "3"] and {r["source"] for r in rows} == {"web"}
    torch_model = Predictor(built["ner"].model_dir, device="cpu")
    for row, text in zip(rows, NER_TEXTS):
        expected = torch_model.predict_one(as_document(text)).spans
        spans = json.loads(row["spans"])
        assert [(s["start"], s["end"], s["label"]) for s in spans] == [(s.start, s.end, s.label) for s in expected]
        assert all(s["text"] == text[s["start"]:s["end"]] and 0 < s["confidence"] <= 1 for s in spans)
    assert rows[0]["entities"] == "alice [PER], acme [ORG], berlin [LOC]"


def test_jsonl_sentiment_with_all_scores_keeps_each_record_and_adds_class_and_probabilities(built, proj, tmp_path,
                                                                                            capsys):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"review": t, "stars": i, "meta": {"a": [1]}}) + "\n"
                           for i, t in enumerate(SENT_TEXTS)), encoding="utf-8")
    code, _, err = apply(capsys, proj, src, "-o", tmp_path / "out.jsonl", "--run", run_id(built, "sentiment"),
                         "--text-column", "review", "--all-scores")
    assert code == 0, err
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["stars"] for r in records] == [0, 1, 2, 3] and records[0]["meta"] == {"a": [1]}
    assert [r["sentiment"] for r in records] == ["positive", "negative", "positive", "negative"]
    for r in records:
        assert set(r["scores"]) == {"negative", "positive"}
        assert sum(r["scores"].values()) == pytest.approx(1, abs=1e-3)
        assert r["confidence"] == max(r["scores"].values())


def test_txt_one_text_per_line_to_csv_with_a_probability_column_per_class(built, proj, tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(SENT_TEXTS[:2]) + "\n\n" + SENT_TEXTS[2] + "\r\n", encoding="utf-8")
    code, _, err = apply(capsys, proj, src, "-o", tmp_path / "out.csv", "--run", run_id(built, "sentiment"),
                         "--all-scores", "--prefix", "pred_")
    assert code == 0, err
    rows = read_csv(tmp_path / "out.csv")
    assert list(rows[0]) == ["text", "pred_sentiment", "pred_confidence", "pred_p_negative", "pred_p_positive"]
    assert [r["text"] for r in rows] == SENT_TEXTS[:3]      # the blank line is not a row
    assert [r["pred_sentiment"] for r in rows] == ["positive", "negative", "positive"]
    assert all(float(r["pred_p_positive"]) + float(r["pred_p_negative"]) == pytest.approx(1, abs=1e-3) for r in rows)


def test_a_csv_column_the_prediction_would_replace_is_refused_with_the_prefix_to_use(built, proj, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [["text", "sentiment"], [SENT_TEXTS[0], "gold"]])
    code, _, err = apply(capsys, proj, src, "-o", tmp_path / "out.csv", "--run", run_id(built, "sentiment"))
    assert code == 1 and "already has a column 'sentiment'" in err and "--prefix pred_" in err
    assert not (tmp_path / "out.csv").exists() and leftovers(tmp_path) == []


# ---- bad rows: named by line, stop or skip ----------------------------------------------------------
def test_an_undecodable_line_stops_the_run_naming_it_and_nothing_is_written(built, proj, tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_bytes(b"alice visited acme .\nbob met \xff\xfe globex .\ncarol works at initech .\n")
    code, _, err = apply(capsys, proj, src, "-o", tmp_path / "out.jsonl", "--run", run_id(built, "ner"))
    assert code == 1
    assert "in.txt:2: not UTF-8 text" in err and "nothing was written" in err and "--skip-bad" in err
    assert not (tmp_path / "out.jsonl").exists() and leftovers(tmp_path) == []


def test_skip_bad_leaves_out_bad_rows_and_counts_them_by_line(built, proj, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,alice visited acme .\n2,\n3,bob met \xff globex .\n4,\"carol works\n at initech .\"\n"
                    b"5,dave,extra\n6,erin left umbrella .\n")
    code, out, err = apply(capsys, proj, src, "-o", tmp_path / "out.csv", "--run", run_id(built, "ner"),
                           "--skip-bad")
    assert code == 0, err
    assert "applied to 3 rows" in out and "skipped 3 bad rows" in out
    assert "in.csv:3: the text is empty" in err
    assert "in.csv:4: not UTF-8 text" in err
    assert "in.csv:7: expected 2 fields, found 3" in err
    assert [r["id"] for r in read_csv(tmp_path / "out.csv")] == ["1", "4", "6"]   # a quoted newline is one row


def test_bad_jsonl_records_are_named_and_skipped(built, proj, tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "alice met bob ."}\n{"text": 3}\n[1, 2]\n{"text": "x", "text": "y"}\n{broken\n'
                   '{"body": "no text key"}\n{"text": "erin left ."}\n', encoding="utf-8")
    code, out, err = apply(capsys, proj, src, "-o", tmp_path / "out.jsonl", "--run", run_id(built, "ner"),
                           "--skip-bad", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["rows"] == 2 and summary["skipped"] == 5
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in summary["problems"]] == ["2", "3", "4", "5", "6"]
    assert "no 'text' key" in summary["problems"][4] and "keys: \"body\"" in summary["problems"][4]


# ---- hostile paths ------------------------------------------------------------------------------------
def test_a_folder_as_input_is_refused_before_the_model_loads(built, proj, tmp_path, capsys):
    folder = tmp_path / "texts.csv"
    folder.mkdir()
    code, _, err = apply(capsys, proj, folder, "-o", tmp_path / "out.csv", "--run", run_id(built, "ner"))
    assert code == 1 and "texts.csv is a folder" in err


def test_a_pipe_a_missing_file_a_huge_line_and_a_missing_output_folder_get_clear_messages(built, proj, tmp_path,
                                                                                           capsys):
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"alice met bob .\n" + b"a" * (17 << 20) + b"\n")
    src = write_csv(tmp_path / "in.csv", [["text"], [NER_TEXTS[0]]])
    cases = [(tmp_path / "pipe.txt", tmp_path / "out.csv", "pipe.txt is not a regular file"),
             (tmp_path / "gone.txt", tmp_path / "out.csv", "gone.txt: no such file"),
             (huge, tmp_path / "out.csv", "huge.txt:2: the line is longer than 16,777,216 bytes"),
             (src, tmp_path / "no" / "out.csv", "the folder " + str(tmp_path / "no") + " does not exist"),
             (src, tmp_path / "out.xlsx", "the output must end in .csv, .tsv or .jsonl")]
    for source, target, message in cases:
        code, _, err = apply(capsys, proj, source, "-o", target, "--run", run_id(built, "ner"), "--skip-bad")
        assert code == 1 and message in err, err
    assert not (tmp_path / "out.csv").exists() and leftovers(tmp_path) == []


def test_the_project_itself_as_output_is_refused_and_left_as_it_was(built, proj, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [["text"], [NER_TEXTS[0]]])
    before = digest(proj)
    for target in (proj, tmp_path / "project.csv"):
        if target.suffix == ".csv":
            target.symlink_to(proj)        # the project under a .csv name
        code, _, err = apply(capsys, proj, src, "-o", target, "--run", run_id(built, "ner"), "--overwrite")
        assert code == 1
        assert ("must end in .csv" in err if target == proj else "open project itself" in err), err
    assert digest(proj) == before


def test_the_input_as_output_is_refused_even_with_overwrite(built, proj, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [["text"], [NER_TEXTS[0]]])
    before = digest(src)
    code, _, err = apply(capsys, proj, src, "-o", src, "--run", run_id(built, "ner"), "--overwrite")
    assert code == 1 and "is the input file" in err
    assert digest(src) == before


def test_an_existing_output_needs_overwrite(built, proj, tmp_path, capsys):
    src = write_csv(tmp_path / "in.csv", [["text"], [NER_TEXTS[0]]])
    (tmp_path / "out.csv").write_text("mine\n", encoding="utf-8")
    code, _, err = apply(capsys, proj, src, "-o", tmp_path / "out.csv", "--run", run_id(built, "ner"))
    assert code == 1 and "--overwrite" in err and (tmp_path / "out.csv").read_text() == "mine\n"
    code, _, err = apply(capsys, proj, src, "-o", tmp_path / "out.csv", "--run", run_id(built, "ner"), "--overwrite")
    assert code == 0, err and read_csv(tmp_path / "out.csv")[0]["entities"]


# ---- shards -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", [".csv", ".jsonl"])
def test_three_shards_merged_are_byte_for_byte_the_whole_exact_run(built, proj, tmp_path, capsys, ext):
    src = write_csv(tmp_path / "in.csv", [["id", "text"]] + [[str(i), NER_TEXTS[i % 4] if i % 5 else ""]
                                                             for i in range(23)])
    args = ["--run", run_id(built, "ner"), "--skip-bad", "--exact"]   # int8 activations are scaled per batch
    assert apply(capsys, proj, src, "-o", tmp_path / f"whole{ext}", *args)[0] == 0
    skipped = 0
    for i in range(3):
        code, out, err = apply(capsys, proj, src, "-o", tmp_path / f"part{{shard}}{ext}", *args, "--shard", f"{i}/3",
                               "--json")
        assert code == 0, err
        skipped += json.loads(out)["skipped"]
    assert skipped == 5
    with one_cpu():
        assert main(["apply-merge", str(tmp_path / f"merged{ext}"),
                     *(str(tmp_path / f"part{i}{ext}") for i in (2, 0, 1))]) == 0
    assert (tmp_path / f"merged{ext}").read_bytes() == (tmp_path / f"whole{ext}").read_bytes()
    assert main(["apply-merge", str(tmp_path / f"again{ext}"), str(tmp_path / f"part0{ext}"),
                 str(tmp_path / f"part0{ext}")]) == 1
    assert "given twice" in capsys.readouterr().err and not (tmp_path / f"again{ext}").exists()
    assert main(["apply-merge", str(tmp_path / f"again{ext}"), str(tmp_path / f"part0{ext}"),
                 str(tmp_path / f"part7{ext}")]) == 1
    assert f"part7{ext}: no such file" in capsys.readouterr().err and not (tmp_path / f"again{ext}").exists()


def test_shard_arguments_are_checked():
    from workbench.errors import UserError
    from workbench.inference.apply_job import Shard, parse_shard

    assert parse_shard("1/4") == Shard(1, 4)
    assert parse_shard("torchrun", {"RANK": "2", "WORLD_SIZE": "3"}) == Shard(2, 3)
    for bad in ("4/4", "-1/2", "1", "a/b", "0/0"):
        with pytest.raises(UserError):
            parse_shard(bad)
    with pytest.raises(UserError, match="RANK"):
        parse_shard("torchrun", {})


# ---- the job: streaming, progress, cancel -----------------------------------------------------------
def test_the_job_streams_in_windows_reports_rows_per_second_and_a_cancel_writes_nothing(built, proj, tmp_path,
                                                                                       monkeypatch):
    from workbench.inference import apply_job as job

    monkeypatch.setattr(job, "WINDOW_ROWS", 8)
    src = tmp_path / "in.txt"
    src.write_text("\n".join(NER_TEXTS * 10) + "\n", encoding="utf-8")
    seen: list[int] = []
    engine = job.load_engine(job.RunModel(built["ner"].run_id, "ner", pathlib.Path(built["ner"].model_dir),
                                          [], 128, ""), device="cpu")
    predict = engine.predictor.predict
    engine.predictor.predict = lambda docs, **kw: seen.append(len(docs)) or predict(docs, **kw)
    reports = []
    with one_cpu():
        summary = job.apply_job(proj, built["ner"].run_id, src, tmp_path / "out.jsonl", engine=engine,
                                progress=reports.append)
    assert summary.rows == 40 and seen == [8] * 5
    assert reports[-1].fraction == 1.0 and "40 rows" in reports[-1].message and "rows/s" in reports[-1].message
    asked = []
    with pytest.raises(Cancelled, match="nothing was written"), one_cpu():
        job.apply_job(proj, built["ner"].run_id, src, tmp_path / "stopped.jsonl", engine=engine,
                      cancelled=lambda: asked.append(1) or len(asked) > 3)
    assert not (tmp_path / "stopped.jsonl").exists() and leftovers(tmp_path) == []


def test_preview_shows_the_first_rows_as_the_output_will_hold_them(built, proj, tmp_path):
    from workbench.inference.apply_job import preview_job

    src = tmp_path / "in.txt"
    src.write_bytes(b"alice visited acme in berlin .\n\xff\n" + "\n".join(NER_TEXTS[1:]).encode() + b"\n")
    with one_cpu():
        preview = preview_job(proj, built["ner"].run_id, src, rows=2, device="cpu")
    assert preview.columns == ["line", "text", "spans", "entities"]
    assert [r[0] for r in preview.rows] == [1, 3]
    assert preview.rows[0][3] == "alice [PER], acme [ORG], berlin [LOC]"
    assert len(preview.problems) == 1 and preview.problems[0].startswith(f"{src}:2: not UTF-8 text")


def test_the_installed_command_runs_end_to_end(built, proj, tmp_path):
    src = write_csv(tmp_path / "in.csv", [["text"]] + [[t] for t in SENT_TEXTS])
    done = cli("apply", proj, src, "-o", tmp_path / "out.csv", "--task", "sentiment")
    assert done.returncode == 0, done.stderr
    assert "rows/s" in done.stdout and [r["sentiment"] for r in read_csv(tmp_path / "out.csv")] == \
        ["positive", "negative", "positive", "negative"]
