"""Entry script of the frozen app (PyInstaller runs this file as ``__main__``).

It dispatches ``--smoke-test`` itself rather than relying on ``ui.app`` so the
installer's self-check keeps working whatever the app's argument parsing does.
"""
import multiprocessing
import sys


def _main() -> int:
    if "--smoke-test" in sys.argv[1:]:
        try:
            from ui.smoke import main as smoke_main
        except BaseException as exc:  # a missing module in the bundle is exactly what the smoke test is for
            print(f"SMOKE TEST FAILED: cannot import ui.smoke: {exc!r}", file=sys.stderr or sys.__stderr__)
            return 1
        return smoke_main(sys.argv[1:])
    from ui.app import main

    return main()


if __name__ == "__main__":
    # torch DataLoader workers and datasets' num_proc spawn child processes on
    # Windows; in a frozen app they re-run this script and must stop here.
    multiprocessing.freeze_support()
    sys.exit(_main())
