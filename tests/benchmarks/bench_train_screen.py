"""Train-screen responsiveness while the bundled model trains: prints figures (asserts nothing).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_train_screen.py [--seconds 60]

The real Train screen (``ui.train.panel.TrainPanel``) on the built-in demo project: click
Start with the defaults (the bundled MiniLM, NER), let it train for ``--seconds`` (loading,
tokenizing, steps, dev checks and their table and curve updates all fall in that window),
click Stop.  A 10 ms timer on the UI thread records the gap between its ticks: the longest
gap is the longest stall a user would feel (target, issue #4: <= 100 ms).  Peer, measured in
the same run: the same timer with the screen idle (what the machine and Qt give without any
training), so the difference is what training costs the UI.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def pump(app, seconds: float, until=None) -> None:  # noqa: ANN001
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.002)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0, help="how long to let training run")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of the idle peer")
    args = ap.parse_args()
    home = pathlib.Path(tempfile.mkdtemp(prefix="bench-train-screen-"))
    os.environ["WORKBENCH_HOME"] = str(home)

    from PySide6.QtWidgets import QApplication

    from ui.train.panel import TrainPanel
    from ui.workers import wait_all
    from workbench.demo import ensure_demo_project

    app = QApplication.instance() or QApplication([])
    project = ensure_demo_project(home / "demo.db")
    panel = TrainPanel(project)
    panel.resize(1280, 760)
    panel.show()
    pump(app, 120, until=lambda: not panel.device_label.text().endswith("checking…"))
    from stall_meter import StallMeter

    meter = StallMeter()

    meter.start()
    pump(app, args.idle)
    meter.stop()
    idle = meter.figures()

    meter.start()
    t0 = time.perf_counter()
    panel.start_button.click()
    pump(app, args.seconds, until=lambda: not panel.running)
    epochs_seen = panel.curves.data["dev_f1"].n if "dev_f1" in panel.curves.data else 0
    points = panel.curves.point_count
    status = panel.status_label.text()
    if panel.running:
        panel.stop_button.click()
        pump(app, 60, until=lambda: not panel.running)
    meter.stop()
    training = meter.figures()
    wall = time.perf_counter() - t0
    result = panel.last_result
    panel.shutdown()
    wait_all()

    print(json.dumps({"idle": idle, "training": training}, indent=1))
    print(f"\nTrain screen on the demo project, bundled MiniLM, defaults; load {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"  training window {wall:.1f} s: {points} curve points, {epochs_seen} dev checks, "
          f"ended {result.status if result else 'unknown'} ({status})")
    print(f"  {'':<10} {'longest':>8} {'p99':>6} {'median':>7} {'>50 ms':>7} {'>100 ms':>8} {'ticks':>6}")
    for name, f in (("idle peer", idle), ("training", training)):
        print(f"  {name:<10} {f['longest_ms']:7.1f}ms {f['p99_ms']:5.1f}ms {f['median_ms']:6.1f}ms "
              f"{f['over_50ms']:7d} {f['over_100ms']:8d} {f['ticks']:6d}")
    verdict = "OK" if training["longest_ms"] <= 100 else "MISSED"
    print(f"  longest stall while training {training['longest_ms']:.1f} ms (target <= 100 ms) {verdict}; "
          f"idle peer {idle['longest_ms']:.1f} ms")


if __name__ == "__main__":
    main()
