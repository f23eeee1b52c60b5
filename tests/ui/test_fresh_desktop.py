"""The README's first command on a fresh desktop: ``./dev.sh start`` brings up a
real X11 window (under xvfb-run, Qt's xcb plugin, not offscreen), and where
the system lacks a library Qt's window plugin needs it installs it (root with
apt-get) or stops with the one command to run, instead of Qt's abort."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys

import pytest

pytestmark = pytest.mark.ui

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHOTS = ROOT / "shots"
QT_ABORT = "Could not load the Qt platform plugin"


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _dev_venv() -> str:
    """The virtual environment this test runs in, if ./dev.sh set it up (else dev.sh would
    install into whatever Python this is)."""
    if not list(pathlib.Path(sys.prefix).glob(".installed-*")):
        pytest.skip(f"{sys.prefix} is not a virtual environment made by ./dev.sh (run ./dev.sh test)")
    return sys.prefix


def _fake_system(tmp: pathlib.Path, uid: int) -> tuple[dict[str, str], pathlib.Path]:
    """An environment whose ``ldd`` reports libxcb-icccm4 and libxcb-keysyms1 missing
    until the fake ``apt-get install`` has run, and whose ``id -u`` says ``uid``."""
    bin_dir, state = tmp / "bin", tmp / "state"
    bin_dir.mkdir()
    state.mkdir()
    scripts = {
        "ldd": f"""#!/bin/sh
if [ -f {state}/installed ]; then printf '\\tlibxcb.so.1 => /usr/lib/libxcb.so.1 (0x1)\\n'; exit 0; fi
printf '\\tlibxcb-icccm.so.4 => not found\\n\\tlibxcb.so.1 => /usr/lib/libxcb.so.1 (0x1)\\n'
printf '\\tlibxcb-keysyms.so.1 => not found\\n\\tlibxcb-icccm.so.4 => not found\\n'
""",
        "id": f"#!/bin/sh\necho {uid}\n",
        "apt-get": f"""#!/bin/sh
echo "$*" >> {state}/apt.log
case "$1" in install) touch {state}/installed ;; esac
""",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    # A display that does not exist: the check must stop before Qt ever connects.
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", DISPLAY=":97", WORKBENCH_HOME=str(tmp / "home"),
               WORKBENCH_VENV=_dev_venv())
    return env, state


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, text=True, capture_output=True, timeout=300)


def test_start_without_the_libraries_prints_the_one_command_to_run(tmp_path: pathlib.Path) -> None:
    env, state = _fake_system(tmp_path, uid=1000)
    result = _run(["./dev.sh", "start"], env)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert QT_ABORT not in out
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in out
    command = re.search(r"^    (.*apt-get install -y .*)$", out, re.M)
    assert command, out
    assert command.group(1).endswith("apt-get install -y libxcb-icccm4 libxcb-keysyms1")
    assert not (state / "apt.log").exists()  # not root: nothing installed behind the user's back


def test_start_as_root_installs_the_missing_libraries(tmp_path: pathlib.Path) -> None:
    env, state = _fake_system(tmp_path, uid=0)
    result = _run(["./dev.sh", "system-libs"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (state / "apt.log").read_text().splitlines() == [
        "install -y -q --no-install-recommends libxcb-icccm4 libxcb-keysyms1"]
    # Installed now: a second check finds nothing to do.
    again = _run(["./dev.sh", "system-libs"], env)
    assert again.returncode == 0 and len((state / "apt.log").read_text().splitlines()) == 1


def test_the_app_itself_names_the_command_instead_of_aborting(tmp_path: pathlib.Path) -> None:
    """``workbench`` (or ``python -m ui.app``) started without dev.sh checks too."""
    env, _ = _fake_system(tmp_path, uid=1000)
    result = _run([sys.executable, "-m", "ui.app"], env)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert QT_ABORT not in out and "apt-get install -y libxcb-icccm4 libxcb-keysyms1" in out


def test_the_deb_depends_on_the_libraries_the_start_check_knows() -> None:
    from ui.system_libs import deb_field

    control = (ROOT / "packaging" / "linux" / "control.in").read_text(encoding="utf-8")
    build = (ROOT / "packaging" / "linux" / "build_deb.sh").read_text(encoding="utf-8")
    # One list: the control template names none of the Qt libraries itself (only the C library and
    # the CJK font, which the start check does not ask ldd about).
    assert "Depends: libc6 (>= @GLIBC@), @QT_DEPENDS@, fonts-noto-cjk | fonts-wqy-microhei\n" in control
    assert "Recommends: @QT_RECOMMENDS@, " in control
    for placeholder in set(re.findall(r"@[A-Z_]+@", control)):
        assert f"s/{placeholder}/" in build, f"build_deb.sh leaves {placeholder} in the control file"
    control = control.replace("@QT_DEPENDS@", deb_field("depends")).replace("@QT_RECOMMENDS@", deb_field("recommends"))
    depends = re.search(r"^Depends: (.*)$", control, re.M).group(1).split(", ")
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libegl1",
            "fonts-noto-cjk | fonts-wqy-microhei"} <= set(depends)


def test_readme_first_command_brings_up_a_real_window(tmp_path: pathlib.Path) -> None:
    missing = [tool for tool in ("xvfb-run", "xwininfo") if shutil.which(tool) is None]
    if missing:
        if _ci():
            pytest.fail(f"CI must run the real-window test, but {' and '.join(missing)} is not installed "
                        "(.ci/run installs xvfb and x11-utils as root)")
        pytest.skip(f"{' and '.join(missing)} not installed (apt-get install xvfb x11-utils); CI runs this test")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env["WORKBENCH_HOME"] = str(tmp_path / "home")  # a first launch: the demo project is made
    env["WORKBENCH_VENV"] = _dev_venv()
    probe = ROOT / "tests" / "ui" / "real_window_probe.py"
    result = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, str(probe),
                             str(tmp_path / "out")], cwd=ROOT, env=env, text=True, capture_output=True, timeout=400)
    log = (tmp_path / "out" / "app.log")
    app_log = log.read_text(errors="replace") if log.exists() else ""
    assert result.returncode == 0, result.stdout + result.stderr + app_log
    report = json.loads(result.stdout.strip().splitlines()[-1])
    window = report["window"]
    assert window is not None, f"no Text Workbench window was mapped: {report}\n{app_log}"
    assert window["title"].startswith("Demo") and window["title"].endswith("Text Workbench"), window
    assert window["width"] >= 1000 and window["height"] >= 600, window
    assert report["grab"] == 0 and report["still_running"], report
    assert QT_ABORT not in app_log

    from PySide6.QtGui import QColor, QImage

    screen = QImage(str(tmp_path / "out" / "screen.png"))
    SHOTS.mkdir(exist_ok=True)
    screen.save(str(SHOTS / "real_window_xvfb.png"))
    # What the X server shows where the window is: the app's light theme, painted.
    x0, y0, w, h = window["x"], window["y"], window["width"], window["height"]
    samples = [screen.pixelColor(x0 + i * w // 40, y0 + j * h // 30) for i in range(40) for j in range(30)]
    background = QColor("#f6f7f9")
    light = sum(c.lightness() > 200 for c in samples)
    assert light > 0.6 * len(samples), f"{light}/{len(samples)} light pixels: the window was not painted"
    assert sum(c == background for c in samples) > 0.05 * len(samples)
    assert len({c.rgb() for c in samples}) > 8  # text, tabs and lists, not a blank rectangle
