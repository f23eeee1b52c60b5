"""Entry script of the frozen app (PyInstaller runs this file as ``__main__``).

It dispatches ``--smoke-test`` itself rather than relying on ``ui.app`` so the
installer's self-check keeps working whatever the app's argument parsing does.
"""
import multiprocessing
import os
import sys


def _keep_matplotlib_cache() -> None:
    """PyInstaller's matplotlib runtime hook points MPLCONFIGDIR at a new temporary
    folder on every start, so the first attribution (captum imports matplotlib)
    of each session would rebuild matplotlib's font cache; keep it per user."""
    try:
        import pathlib

        import appdirs

        path = pathlib.Path(appdirs.user_cache_dir("TextWorkbench", "TextWorkbench")) / "matplotlib"
        path.mkdir(parents=True, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(path)
    except Exception:  # noqa: BLE001 - the temporary folder still works, only slower
        pass


def _main() -> int:
    if "--smoke-test" in sys.argv[1:]:
        try:
            from ui.smoke import main as smoke_main
        except BaseException as exc:  # a module missing from the bundle is exactly what the smoke test is for
            print(f"SMOKE TEST FAILED at import: cannot import ui.smoke: {exc!r}", file=sys.stderr)
            return 1
        return smoke_main(sys.argv[1:])
    _keep_matplotlib_cache()
    from ui.app import main

    return main()


if __name__ == "__main__":
    # torch DataLoader workers and datasets' num_proc spawn child processes on
    # Windows; in a frozen app they re-run this script and must stop here.
    multiprocessing.freeze_support()
    sys.exit(_main())
