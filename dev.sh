#!/usr/bin/env bash
# Set up a virtual environment (once) and start the app or run the tests.
#   ./dev.sh start   set up, then open the app on its demo project
#                    (--demo zh: the Chinese demo; any other app flag passes through)
#   ./dev.sh test    set up, then run the test suite
#   ./dev.sh cli ... set up, then run workbench-cli with the given arguments
#   ./dev.sh system-libs  set up, then install (as root) or name the system
#                    libraries Qt needs to open a window on X11 (CI, before xvfb-run)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${WORKBENCH_VENV:-.venv}"
PY="${PYTHON:-python3}"

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PY" -m venv "$VENV"
    fi
    local stamp="$VENV/.installed-$(cat pyproject.toml packaging/constraints-cpu.txt | sha1sum | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        "$VENV/bin/python" -m pip install -q --upgrade pip
        # Without an NVIDIA GPU, pin the CPU build of torch (a plain resolve
        # pulls a multi-GB CUDA build).  With one, pip picks the CUDA build.
        local constraints=()
        if ! command -v nvidia-smi >/dev/null 2>&1 || [ -n "${WORKBENCH_CPU_TORCH:-}" ]; then
            constraints=(-c packaging/constraints-cpu.txt)
        fi
        "$VENV/bin/python" -m pip install -q "${constraints[@]}" -e ".[dev]"
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
}

# The libraries Qt's X11 plugin needs (ui/system_libs.py asks ldd).  A fresh
# desktop often lacks some (libxcb-cursor0, libxcb-icccm4, ...), and Qt then
# aborts with a misleading message: install them as root, else stop with the
# one command to run.  $1: --force to check even when no X display is in use.
window_libs() {
    local packages
    if packages="$("$VENV/bin/python" -m ui.system_libs --packages "$@")"; then
        return 0
    fi
    if [ -n "$packages" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing the system libraries Qt needs to open a window: $packages" >&2
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086  # a list of package names
        apt-get install -y -q --no-install-recommends $packages >&2 \
            || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends $packages >&2; } \
            || { echo "error: apt-get could not install: $packages" >&2; exit 1; }
    fi
    "$VENV/bin/python" -m ui.system_libs "$@" || exit 1
}

cmd="${1:-start}"
shift || true
setup
export HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
case "$cmd" in
    start)
        window_libs
        exec "$VENV/bin/python" -m ui.app "$@" ;;
    test)
        export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" HF_HUB_OFFLINE=1
        exec "$VENV/bin/python" -m pytest "$@" ;;
    cli)
        exec "$VENV/bin/workbench-cli" "$@" ;;
    system-libs)
        window_libs --force ;;
    *)
        echo "usage: ./dev.sh start|test|cli|system-libs [args]" >&2; exit 2 ;;
esac
