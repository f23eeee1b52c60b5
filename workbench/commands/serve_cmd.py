"""``workbench-cli serve PROJECT --run N [--host 127.0.0.1] [--port 8000]``: a run's model over
HTTP until Ctrl+C or SIGTERM (``workbench/serving/server.py``; FastAPI and uvicorn, the
``serve`` extra).  The address goes to stdout once the server listens; nothing else does."""
from __future__ import annotations

import argparse
import signal
import sys

from workbench import tasks as task_registry
from workbench.commands import existing_project
from workbench.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve a run's model over HTTP (POST /predict, GET /health, GET /model)")
    p.add_argument("project", help="the project file (.db)")
    p.add_argument("--run", type=int, help="run id (default: the newest finished run of --task)")
    p.add_argument("--task", choices=task_registry.names(), help="with no --run: which task's newest run")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the "
                        "network, with no authentication)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    p.add_argument("--max-texts", type=int, default=64, help="texts per request, at most (default 64)")
    p.add_argument("--max-chars", type=int, default=10_000, help="characters per text, at most (default 10,000)")
    p.add_argument("--max-batch", type=int, default=64,
                   help="texts of concurrent requests predicted together, at most (default 64)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--engine", choices=["auto", "torch"], default="auto",
                   help="auto (default): ONNX Runtime on a CPU (the run's checked export), else torch")
    p.set_defaults(func=cmd_serve)


class _Stop(Exception):
    """SIGTERM, after uvicorn's graceful shutdown."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Stop


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UserError("serving needs FastAPI and uvicorn: pip install 'text-workbench[serve]'") from None
    from workbench.commands.predict import note_broken
    from workbench.serving.server import Limits, ServedModel, bind, create_app, is_loopback, run_server

    project = existing_project(args.project)
    limits = Limits(args.max_texts, args.max_chars, args.max_batch)
    limits.check()
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535 (got {args.port})")
    sock = bind(args.host, args.port)        # a port in use is said before the model loads
    try:
        note_broken(project, args.run, args.task)
        served = ServedModel(project, args.run, args.task, device=args.device, engine=args.engine)
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        if not is_loopback(args.host):
            print(f"note: listening on {args.host}: anyone who can reach this machine can use the model "
                  "(no authentication)", file=sys.stderr)
        info = served.info
        print(f"serving run {info['run_id']} ({info['task']}, {', '.join(info['labels'])}; {served.engine}) "
              f"on http://{shown}:{port}  (Ctrl+C stops)", flush=True)
        # uvicorn hands a caught SIGTERM back to the handler it found once it has shut down
        signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            run_server(create_app(served, limits), sock)
        except (KeyboardInterrupt, _Stop):
            pass
    finally:
        sock.close()
    print("stopped", flush=True)
    return 0
