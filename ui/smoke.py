"""The installed app's self-check: ``TextWorkbench --smoke-test``.

Run from a frozen bundle (or ``python -m ui.smoke``) it proves that what the
installer put on disk can do the whole loop: it opens the main window on the
demo project (offscreen when there is no display), shows every screen, trains
the bundled default base model for one step on a few documents through the
same worker thread the Train button uses, predicts one document with the saved
model, prints one line of JSON with the timings and returns 0.  Any failure
prints ``SMOKE TEST FAILED at <step>: <reason>`` and returns 1; a hang past
``--smoke-timeout`` exits 2.  Everything it writes goes to a temporary
WORKBENCH_HOME, never the user's data or settings.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile
import threading
import time
import traceback
from typing import Any

# Taken at import: in the frozen app this module is imported first thing, so it
# is the fallback start time when the process's own start time is unavailable.
_IMPORTED_AT = time.time()
DEMO_SENTENCE = "Maria Lopez from Berlin bought the Acme Phone 12 and loved it."


def _process_start() -> float:
    """When this process started (epoch seconds), so time-to-window includes
    the bootloader, the interpreter and the imports, as a user waits for them."""
    try:
        import psutil

        return psutil.Process().create_time()
    except Exception:  # noqa: BLE001 - psutil is optional; fall back to import time
        return _IMPORTED_AT


def _emit(result: dict[str, Any], report: pathlib.Path | None) -> None:
    line = json.dumps(result, sort_keys=False)
    # A windowed Windows build has no console: the report file is how CI reads it.
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(line + "\n", encoding="utf-8")
    stream = sys.stdout if result.get("smoke_test") == "passed" else sys.stderr
    if stream is not None:
        print(line, file=stream, flush=True)


def _watchdog(seconds: float, report: pathlib.Path | None, state: dict[str, str]) -> threading.Timer:
    """A modal dialog or a deadlock must fail the check, not hang a CI job."""

    def fire() -> None:
        _emit({"smoke_test": "failed", "step": "timeout",
               "reason": f"no result after {seconds:.0f} s, during {state['step']!r}"}, report)
        os._exit(2)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def _pump(app: Any, until: Any, timeout: float) -> None:
    """Run the Qt event loop until ``until()`` is true (worker signals arrive through it)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s")
        app.processEvents()
        time.sleep(0.01)


def _open_window(timings: dict[str, Any], started: float, shot: pathlib.Path | None) -> tuple[Any, Any, pathlib.Path]:
    """The app's own start-up path (ui.app) up to a painted main window on the demo project."""
    from ui.app import make_app
    from ui.main_window import MainWindow
    from ui.settings import UserSettings
    from workbench.demo import ensure_demo_project
    from workbench.store import Store

    app = make_app()
    window = MainWindow(UserSettings())
    project = ensure_demo_project()
    Store(project).close()  # fail here with the reason, rather than in a modal dialog
    if not window.open_project(project):
        raise RuntimeError(f"the main window could not open {project}")
    window.show()
    for _ in range(3):
        app.processEvents()
    image = window.grab()  # forces a real paint: fonts, style sheet, icons
    if image.isNull():
        raise RuntimeError("the main window rendered nothing")
    timings["time_to_window_s"] = round(time.time() - started, 2)
    if shot is not None:
        image.save(str(shot))
    # Every screen once: lazy tabs build here, so a module missing from the
    # bundle (the Train screen's plotting, the Review screen) fails the check.
    t = time.perf_counter()
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        app.processEvents()
    window.tabs.setCurrentIndex(0)
    timings["screens"] = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    timings["screens_s"] = round(time.perf_counter() - t, 2)
    return app, window, project


def _train(app: Any, project: pathlib.Path, timings: dict[str, Any], device: str) -> Any:
    """One optimizer step of NER on 8 demo documents, through the job host and the training
    job the Train button uses; with LoRA adapters, so that peft and the merge on saving are in
    the bundle too (the loop is the same for full fine-tuning)."""
    from ui.workers import JobHost
    from workbench.training import TrainConfig
    from workbench.training.jobs import train_job

    config = TrainConfig(store_path=project, task="ner", base_model="default", epochs=1, batch_size=8,
                         max_train_docs=8, max_eval_docs=8, patience=0, device=device, finetune="lora")
    outcome: dict[str, Any] = {}
    reports: list[Any] = []
    host = JobHost(app)     # owned by the app: a host freed while its relay's last signals are queued crashes
    host.ended.connect(lambda: outcome.setdefault("finished", True))
    t = time.perf_counter()
    host.start(train_job, config, on_progress=reports.append,
               on_done=lambda result: outcome.setdefault("result", result),
               on_failed=lambda exc: outcome.setdefault("error", exc),
               on_cancelled=lambda exc: outcome.setdefault("error", exc))
    _pump(app, lambda: "finished" in outcome, timeout=600)
    # Then the thread itself must end: one still running at exit aborts the process.
    if not host.wait(30_000):
        raise RuntimeError("the training thread did not end after its work finished")
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    timings["train_s"] = round(time.perf_counter() - t, 2)
    if result.status != "done" or not result.model_dir:
        raise RuntimeError(f"training ended {result.status!r} without a model: {result.message}")
    if result.steps < 1:
        raise RuntimeError("training took no optimizer step")
    if not reports:
        raise RuntimeError("the training worker sent no progress (the Train screen's curves would stay empty)")
    timings["train_steps"] = result.steps
    timings["progress_reports"] = len(reports)
    timings["device"] = result.device
    return result


def _train_fewshot(project: pathlib.Path, timings: dict[str, Any], device: str) -> None:
    """A few-shot (SetFit) sentiment run of one pass over 24 demo labels: sentence-transformers'
    loss and sampler and scikit-learn's head must be in the bundle (training/fewshot.py)."""
    from workbench.training import TrainConfig
    from workbench.training.loop import train

    t = time.perf_counter()
    result = train(TrainConfig(store_path=project, task="sentiment", base_model="default", method="fewshot",
                               epochs=1, max_train_docs=24, device=device))
    if result.status != "done" or result.config.get("method") != "fewshot" or not result.model_dir:
        raise RuntimeError(f"few-shot training ended {result.status!r}: {result.message}")
    timings["fewshot_train_s"] = round(time.perf_counter() - t, 2)


def _predict(model_dir: str, timings: dict[str, Any], device: str) -> None:
    """Load the saved run the way the Review screen does and tag one sentence."""
    from workbench.inference.predictor import Predictor, as_document

    t = time.perf_counter()
    predictor = Predictor(model_dir, device=device)
    prediction = predictor.predict_one(as_document(DEMO_SENTENCE))
    words = [w.text for w in prediction.words]
    if not words or prediction.probs.shape != (len(words), len(predictor.labels)):
        raise RuntimeError(f"unexpected prediction shape {prediction.probs.shape} for {len(words)} words")
    if any(tag not in predictor.labels for tag in prediction.tags):
        raise RuntimeError(f"tags outside the model's label set: {prediction.tags}")
    timings["predict_s"] = round(time.perf_counter() - t, 2)
    timings["labels"] = len(predictor.labels)


def _apply(project: pathlib.Path, run_id: int, home: pathlib.Path, timings: dict[str, Any], device: str) -> None:
    """File → Apply a model to a file's job on three rows, a CSV written beside the input: through
    torch in the bundle, which leaves ONNX Runtime out (from source: the run's int8 ONNX copy)."""
    from workbench.inference.apply_job import apply_job

    t = time.perf_counter()
    source = home / "smoke-apply.txt"
    source.write_text(f"{DEMO_SENTENCE}\nok\n{DEMO_SENTENCE}\n", encoding="utf-8")
    summary = apply_job(project, run_id, source, home / "smoke-apply.csv", device=device)
    lines = (home / "smoke-apply.csv").read_text(encoding="utf-8").splitlines()
    if summary.rows != 3 or len(lines) != 4 or not lines[0].startswith("text,"):
        raise RuntimeError(f"apply wrote {summary.rows} rows: {lines[:2]}")
    timings["apply_s"] = round(time.perf_counter() - t, 2)
    timings["apply_engine"] = summary.engine


def _files(project: pathlib.Path, home: pathlib.Path, timings: dict[str, Any]) -> None:
    """The file paths the installed app must get right: an import (staged in a temporary table,
    published in one transaction), a dictionary matched on it, an export through the output guard, the guard refusing the
    project itself as a target, and a backup copy that passes SQLite's check."""
    from workbench.errors import UserError
    from workbench.formats import export_file, import_file
    from workbench.store import Store
    from workbench.store.backups import backup_project

    t = time.perf_counter()
    source = home / "smoke-import.jsonl"
    source.write_text(json.dumps({"text": DEMO_SENTENCE, "spans": [{"start": 0, "end": 11, "label": "PER"}]}) + "\n",
                      encoding="utf-8")
    # a Chinese character-per-line CoNLL file in GB18030: the codec is bundled, the text joined
    chinese = home / "smoke-zh.bio"
    chinese.write_bytes("张 B-PER\n三 I-PER\n在 O\n北 B-LOC\n京 I-LOC\n".encode("gb18030"))
    out = home / "smoke-export.jsonl"
    with Store(project) as store:
        before = store.document_count()
        report = import_file(store, source)
        if report.documents != 1 or store.document_count() != before + 1:
            raise RuntimeError(f"the import added {store.document_count() - before} documents, not 1")
        zh = import_file(store, chinese, "conll", encoding="gb18030")
        if store.document(zh.first_id).text != "张三在北京":
            raise RuntimeError(f"the Chinese CoNLL import gave {store.document(zh.first_id).text!r}")
        written = export_file(store, out, "jsonl")
        if written != before + 2 or len(out.read_text(encoding="utf-8").splitlines()) != written:
            raise RuntimeError(f"the export wrote {written} documents, not {before + 2}")
    # a dictionary (the Aho-Corasick matcher is a C extension the bundle must carry)
    from workbench.dictionaries.matcher import Matcher
    from workbench.dictionaries.project_terms import add_term_list, clear_terms, term_rules

    terms = home / "smoke-places.txt"
    terms.write_text("Berlin\n北京\n", encoding="utf-8")
    listed = add_term_list(project, terms, label="LOC")
    with Store(project) as store:
        found = Matcher(term_rules(store)).match(DEMO_SENTENCE + " 张三在北京")
        clear_terms(store, source=listed.source)
    if [m.label for m in found] != ["LOC", "LOC"]:
        raise RuntimeError(f"the dictionary found {found}, not Berlin and 北京")
    with Store(project) as store:
        try:
            export_file(store, project, "jsonl", overwrite=True)
        except UserError:
            pass
        else:
            raise RuntimeError("an export onto the project itself was not refused")
    backup = backup_project(project)
    if backup is None or not backup.is_file():
        raise RuntimeError("no backup copy was made")
    timings["files_s"] = round(time.perf_counter() - t, 2)


def _wait_for_workers() -> bool:
    """A screen's worker thread still running at exit aborts the process (also on failure)."""
    try:
        from ui.workers import wait_all

        return wait_all(30_000)
    except Exception:  # noqa: BLE001 - the failure being reported matters more
        return False


def run_smoke_test(*, report: pathlib.Path | None = None, timeout: float = 900.0, keep_home: bool = False,
                   offscreen: bool = False, shot: pathlib.Path | None = None, device: str = "cpu") -> int:
    """0 when the app works end to end, 1 (with the reason printed) when not.  ``device``:
    cpu by default, so a CUDA bundle passes on a build machine without a GPU;
    ``auto`` or ``cuda`` checks the GPU path of a CUDA bundle."""
    started = _process_start()
    timings: dict[str, Any] = {}
    home = pathlib.Path(tempfile.mkdtemp(prefix="workbench-smoke-"))
    os.environ["WORKBENCH_HOME"] = str(home)
    os.environ["HF_HUB_OFFLINE"] = "1"  # an installed app must work with no network
    no_display = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if offscreen or no_display:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    state = {"step": "open window"}
    watchdog = _watchdog(timeout, report, state)
    window = None
    try:
        app, window, project = _open_window(timings, started, shot)
        state["step"] = "train"
        result = _train(app, project, timings, device)
        state["step"] = "few-shot training"
        _train_fewshot(project, timings, device)
        state["step"] = "predict"
        _predict(result.model_dir, timings, device)
        state["step"] = "apply"
        _apply(project, result.run_id, home, timings, device)
        state["step"] = "import, export, backup"
        _files(project, home, timings)
        state["step"] = "close"
        window.close()
        app.processEvents()
        if not _wait_for_workers():
            raise RuntimeError("worker threads still running 30 s after the window closed")
        timings["total_s"] = round(time.time() - started, 2)
        import torch

        _emit({"smoke_test": "passed", **timings, "torch": torch.__version__,
               "frozen": bool(getattr(sys, "frozen", False)), "qpa": app.platformName()}, report)
        return 0
    except BaseException as exc:  # noqa: BLE001 - every failure is a result here
        traceback.print_exc(file=sys.stderr)
        reason = f"{type(exc).__name__}: {exc}"
        _emit({"smoke_test": "failed", "step": state["step"], "reason": reason, **timings}, report)
        if sys.stderr is not None:
            print(f"SMOKE TEST FAILED at {state['step']}: {reason}", file=sys.stderr, flush=True)
        return 1
    finally:
        watchdog.cancel()
        if window is not None:
            window.close()
            _wait_for_workers()
        if not keep_home:
            shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="TextWorkbench --smoke-test", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke-test", action="store_true", help="(the switch that selects this check)")
    parser.add_argument("--smoke-report", type=pathlib.Path, help="also write the JSON result to this file")
    parser.add_argument("--smoke-timeout", type=float, default=900.0, help="seconds before a hang fails (exit 2)")
    parser.add_argument("--smoke-shot", type=pathlib.Path, help="save the main window as this PNG")
    parser.add_argument("--smoke-device", default="cpu", help="cpu (default), auto or cuda")
    parser.add_argument("--offscreen", action="store_true", help="no visible window even with a display")
    parser.add_argument("--keep-home", action="store_true", help="keep the temporary data folder")
    args, _unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return run_smoke_test(report=args.smoke_report, timeout=args.smoke_timeout, keep_home=args.keep_home,
                          offscreen=args.offscreen, shot=args.smoke_shot, device=args.smoke_device)


if __name__ == "__main__":
    sys.exit(main())
