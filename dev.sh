#!/usr/bin/env bash
# Set up a virtual environment (once) and start the app or run the tests.
#   ./dev.sh start   set up, then open the app on its demo project
#   ./dev.sh test    set up, then run the test suite
#   ./dev.sh cli ... set up, then run workbench-cli with the given arguments
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

cmd="${1:-start}"
shift || true
setup
export HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
case "$cmd" in
    start)
        exec "$VENV/bin/python" -m ui.app "$@" ;;
    test)
        export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" HF_HUB_OFFLINE=1
        exec "$VENV/bin/python" -m pytest "$@" ;;
    cli)
        exec "$VENV/bin/workbench-cli" "$@" ;;
    *)
        echo "usage: ./dev.sh start|test|cli [args]" >&2; exit 2 ;;
esac
