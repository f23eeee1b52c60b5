"""Packaging: the installer inputs are consistent, the smoke test works, and
(when asked) a real .deb is built, unpacked and its app passes the smoke test.

The full build takes minutes and ~3 GB of disk, so it runs only when
``WORKBENCH_PACKAGING_TEST=1`` or ``CI=true`` is set (``.ci/run`` on CI).
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
APP_EXE = "TextWorkbench"
PKG = "text-workbench"


def _full_build_requested() -> bool:
    return os.environ.get("WORKBENCH_PACKAGING_TEST") == "1" or os.environ.get("CI", "").lower() == "true"


def _smoke_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "WORKBENCH_HOME")}
    env.update(QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", **extra)
    return env


def _last_json(text: str) -> dict:
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    assert lines, f"no JSON result in output:\n{text[-3000:]}"
    return json.loads(lines[-1])


# ---- installer inputs (fast) -------------------------------------------------------------


def test_spec_has_no_platform_specific_paths():
    """One spec for Windows and Linux: no shared-library suffixes, no POSIX-only paths."""
    code = (PACKAGING / "workbench.spec").read_text(encoding="utf-8")
    compile(code, "workbench.spec", "exec")
    for needle in (".so\"", ".so'", ".dll", "/usr/", "/opt/", "ld_library_path"):
        assert needle not in code.lower(), needle
    assert f'APP_NAME = "{APP_EXE}"' in code


def test_hook_keeps_bert_and_skips_other_model_families():
    sys.path.insert(0, str(PACKAGING / "hooks"))
    try:
        source = (PACKAGING / "hooks" / "hook-workbench.py").read_text(encoding="utf-8")
        ns: dict = {}
        # Only the filter, not the collection (which imports all of transformers).
        exec(compile(source.split("hiddenimports =")[0], "hook-workbench.py", "exec"), ns)
    finally:
        sys.path.remove(str(PACKAGING / "hooks"))
    wanted = ns["_wanted"]
    assert wanted("transformers.models.bert.modeling_bert")
    assert wanted("transformers.models.auto.tokenization_auto")
    assert wanted("transformers.models")
    assert wanted("transformers.trainer_pt_utils")
    assert not wanted("transformers.models.llama.modeling_llama")
    assert not wanted("transformers.cli.serve")


def test_desktop_entry_and_launcher_agree():
    desktop = (PACKAGING / "linux" / f"{PKG}.desktop").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in desktop.splitlines()[1:] if "=" in line)
    assert desktop.splitlines()[0] == "[Desktop Entry]"
    assert fields["Type"] == "Application" and fields["Terminal"] == "false"
    assert fields["Exec"].split()[0] == PKG and fields["Icon"] == PKG
    assert fields["Categories"].endswith(";")
    launcher = (PACKAGING / "linux" / f"{PKG}.sh").read_text(encoding="utf-8")
    assert f"exec /opt/{PKG}/{APP_EXE} \"$@\"" in launcher
    if shutil.which("desktop-file-validate"):
        out = subprocess.run(["desktop-file-validate", str(PACKAGING / "linux" / f"{PKG}.desktop")],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr


def test_deb_control_template_is_complete():
    control = (PACKAGING / "linux" / "control.in").read_text(encoding="utf-8")
    for field in ("Package", "Version", "Architecture", "Maintainer", "Installed-Size", "Depends", "Description"):
        assert re.search(rf"^{field}: \S", control, re.M), field
    assert f"Package: {PKG}\n" in control
    assert re.search(r"^Depends: .*fonts-noto-cjk", control, re.M)   # Chinese and Japanese text need glyphs
    script = PACKAGING / "linux" / "build_deb.sh"
    assert os.access(script, os.X_OK)
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0


def test_inno_setup_script_matches_the_bundle():
    iss = (PACKAGING / "windows" / "workbench.iss").read_text(encoding="utf-8")
    assert f'#define AppExe "{APP_EXE}.exe"' in iss
    assert f"\\dist\\{APP_EXE}\\*" in iss                       # the spec's COLLECT name
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}", iss, re.M)   # fixed: upgrades and uninstall
    assert "{uninstallexe}" in iss and "{group}" in iss          # Start-menu entry and uninstaller


def test_windows_workflow_builds_the_installer():
    yaml = pytest.importorskip("yaml")
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "windows-installer.yml").read_text(encoding="utf-8"))
    job = wf["jobs"]["build"]
    assert job["runs-on"].startswith("windows")
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "packaging/workbench.spec" in script and "--smoke-test" in script
    assert "packaging/windows/workbench.iss" in script
    assert "download.pytorch.org/whl/cpu" in script


def test_icons_render_into_png_and_ico(tmp_path):
    out = subprocess.run([sys.executable, str(PACKAGING / "icons" / "make_icons.py"), str(tmp_path)],
                         capture_output=True, text=True, env=_smoke_env(), timeout=120)
    assert out.returncode == 0, out.stderr
    ico = (tmp_path / "workbench.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, 7)
    for i in range(count):
        width, _h, _c, _r, _planes, _bpp, size, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * i)
        assert ico[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size <= len(ico)
    assert (tmp_path / "workbench-256.png").read_bytes()[:4] == b"\x89PNG"


# ---- the smoke test, unfrozen --------------------------------------------------------------


def test_smoke_test_passes_from_source(tmp_path):
    """The whole check (window, one training step, a prediction) in a fresh process."""
    report = tmp_path / "smoke.json"
    out = subprocess.run([sys.executable, "-m", "ui.smoke", "--smoke-report", str(report)],
                         cwd=ROOT, capture_output=True, text=True, env=_smoke_env(), timeout=900)
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result == _last_json(out.stdout)
    assert result["smoke_test"] == "passed" and result["train_steps"] >= 1 and result["labels"] >= 3
    assert "files_s" in result     # the import, export guard and backup ran
    assert result["time_to_window_s"] > 0


def test_smoke_test_failure_exits_1_with_the_step_and_reason(tmp_path):
    """A training run that fails at once (a device that does not exist) is reported, not hung on."""
    report = tmp_path / "smoke.json"
    out = subprocess.run([sys.executable, "-m", "ui.smoke", "--smoke-device", "no-such-device", "--smoke-timeout", "300",
                          "--smoke-report", str(report)],
                         cwd=ROOT, capture_output=True, text=True, env=_smoke_env(), timeout=600)
    assert out.returncode == 1, out.stderr[-3000:]
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["smoke_test"] == "failed" and result["step"] == "train"
    assert "no-such-device" in result["reason"]
    assert "SMOKE TEST FAILED at train: " in out.stderr


def test_smoke_test_hang_fails_with_a_reason(tmp_path):
    report = tmp_path / "smoke.json"
    out = subprocess.run([sys.executable, "-m", "ui.smoke", "--smoke-timeout", "0.01", "--smoke-report", str(report)],
                         cwd=ROOT, capture_output=True, text=True, env=_smoke_env(), timeout=300)
    assert out.returncode == 2, out.stderr[-2000:]
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["smoke_test"] == "failed" and result["step"] == "timeout"


# ---- the real thing: bundle, .deb, unpack, smoke test ---------------------------------------


@pytest.mark.skipif(not _full_build_requested(), reason="set WORKBENCH_PACKAGING_TEST=1 (or CI=true) to build the .deb")
@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is not installed")
def test_deb_builds_unpacks_and_passes_the_smoke_test(tmp_path, request):
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHON": sys.executable}
    build = subprocess.run(["bash", str(PACKAGING / "linux" / "build_deb.sh")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, (build.stdout + build.stderr)[-6000:]
    build_s = time.perf_counter() - t0
    debs = sorted((ROOT / "dist").glob(f"{PKG}_*.deb"), key=lambda p: p.stat().st_mtime)
    assert debs, build.stdout
    deb = debs[-1]

    unpacked = tmp_path / "root"
    # 1.2 GB unpacked: remove it at the end (pytest keeps the last runs' temp folders).
    request.addfinalizer(lambda: shutil.rmtree(unpacked, ignore_errors=True))
    subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True, timeout=900)
    app = unpacked / "opt" / PKG / APP_EXE
    assert os.access(app, os.X_OK)
    assert os.access(unpacked / "usr" / "bin" / PKG, os.X_OK)
    assert (unpacked / "usr" / "share" / "applications" / f"{PKG}.desktop").is_file()
    assert (unpacked / "usr" / "share" / "icons" / "hicolor" / "256x256" / "apps" / f"{PKG}.png").is_file()
    info = subprocess.run(["dpkg-deb", "--field", str(deb), "Package", "Version", "Installed-Size"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Package: {PKG}" in info

    report = tmp_path / "smoke.json"
    t1 = time.perf_counter()
    smoke = subprocess.run([str(app), "--smoke-test", "--smoke-report", str(report)], cwd=tmp_path,
                           capture_output=True, text=True, env=_smoke_env(), timeout=900)
    smoke_s = time.perf_counter() - t1
    assert smoke.returncode == 0, (smoke.stdout + smoke.stderr)[-6000:]
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["smoke_test"] == "passed" and result["frozen"] is True and "files_s" in result

    # PyInstaller links some libraries into _internal/ by symlink: count each file once.
    bundle_mb = sum(f.lstat().st_size for f in (unpacked / "opt" / PKG).rglob("*")
                    if f.is_file() and not f.is_symlink()) / 2**20
    steps = dict(re.findall(r"(PyInstaller|dpkg-deb)[^\n]*?(\d+) s\)", build.stdout))
    figures = {"build_and_deb_s": round(build_s, 1), "pyinstaller_s": int(steps.get("PyInstaller", -1)),
               "dpkg_deb_s": int(steps.get("dpkg-deb", -1)), "smoke_wall_s": round(smoke_s, 1),
               "bundle_mib": round(bundle_mb), "deb_mib": round(deb.stat().st_size / 2**20), **result}
    (ROOT / "build" / "packaging-figures.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print("packaging figures:", json.dumps(figures))
