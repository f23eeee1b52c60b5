"""Run under ``xvfb-run`` by test_real_window.py: start the app as the README's
first command does (``./dev.sh start``, Qt's real xcb plugin), wait until its
main window is mapped on the X server, grab the X screen to a PNG, stop the
app, and print one line of JSON about the window.

    python tests/ui/real_window_probe.py OUT_DIR
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
TITLE = re.compile(r'^\s*(0x[0-9a-f]+) "([^"\n]*Text Workbench[^"\n]*)":', re.M)
# A Qt client of the same X server reads the root window's pixels: what is really on screen.
GRAB = ("import sys\nfrom PySide6.QtGui import QGuiApplication\napp = QGuiApplication(sys.argv[:1])\n"
        "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)\n")


def _xwininfo(*args: str) -> str:
    return subprocess.run(["xwininfo", *args], capture_output=True, text=True, timeout=30).stdout


def _find_window(timeout: float, app: subprocess.Popen) -> dict[str, object] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and app.poll() is None:
        # Qt also makes an unmapped 1x1 leader window with the app's name: take the mapped one.
        for window_id, title in TITLE.findall(_xwininfo("-root", "-tree")):
            fields = dict(re.findall(r"^\s*([A-Za-z -]+):\s+(.*)$", _xwininfo("-id", window_id), re.M))
            if fields.get("Map State") == "IsViewable":
                return {"id": window_id, "title": title,
                        "x": int(fields["Absolute upper-left X"]), "y": int(fields["Absolute upper-left Y"]),
                        "width": int(fields["Width"]), "height": int(fields["Height"])}
        time.sleep(0.2)
    return None


def main(out_dir: pathlib.Path) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env["QT_QPA_PLATFORM"] = "xcb"
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(out_dir / "app.log", "wb") as log:
        app = subprocess.Popen(["./dev.sh", "start"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
        try:
            window = _find_window(180, app)
            result: dict[str, object] = {"window": window, "seconds": round(time.monotonic() - started, 1),
                                         "exited": app.poll()}
            if window is not None:
                time.sleep(2)  # the first paint follows the map
                grab = subprocess.run([sys.executable, "-c", GRAB, str(out_dir / "screen.png")], env=env,
                                      capture_output=True, text=True, timeout=60)
                result["grab"] = grab.returncode
                result["still_running"] = app.poll() is None
        finally:
            if app.poll() is None:
                os.killpg(app.pid, signal.SIGTERM)
            try:
                app.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait(30)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
