"""Entry point: ``workbench`` (or ``python -m ui.app``).

    workbench                       open the last project, or the demo on first launch
    workbench --project FILE.db     open that project
    workbench --demo zh             open the Chinese demo project (made on first use)
    workbench --screenshot OUT.png  open, render the window to OUT.png and exit (checks, docs)

Start-up stays light on purpose: torch and transformers are imported only by
the screens that train or predict, when they first need them.  Qt itself is
imported only after the check that the system can load its window plugin
(ui/system_libs.py): without that, a missing library aborts the process.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
from typing import TYPE_CHECKING

from workbench.paths import resources_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from workbench.demo import DEMO_LANGUAGES

    parser = argparse.ArgumentParser(prog="workbench", description="Label text, train a model, review its mistakes.")
    parser.add_argument("--project", type=pathlib.Path, help="project file (.db) to open")
    parser.add_argument("--screenshot", type=pathlib.Path, metavar="OUT.png",
                        help="render the main window to this PNG and exit")
    parser.add_argument("--tab", default=None, help="with --screenshot: which tab to show (e.g. Annotate)")
    parser.add_argument("--size", default="1280x800", help="with --screenshot: window size WxH")
    parser.add_argument("--doc", type=int, default=None, help="open this document (id) first")
    parser.add_argument("--demo", choices=DEMO_LANGUAGES, default=None,
                        help="open a demo project: en (the default one) or zh (Chinese product reviews)")
    return parser.parse_args(argv)


def make_app() -> QApplication:
    """The QApplication with the app's name, icon and style sheet."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ui.ui_thread_gc import collect_on_ui_thread

    app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_on_ui_thread(app)      # Qt objects die on the UI thread, never on a job's (a hang)
    QCoreApplication.setOrganizationName("TextWorkbench")
    QCoreApplication.setApplicationName("TextWorkbench")
    app.setApplicationDisplayName("Text Workbench")
    icon = resources_dir() / "icons" / "app.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    style = resources_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from ui import system_libs

    missing = system_libs.check()
    if missing:
        print(system_libs.explain(missing), file=sys.stderr)
        return 1
    from PySide6.QtCore import Qt

    app = make_app()
    from ui.main_window import MainWindow
    from ui.settings import UserSettings
    from workbench.demo import DEMO_NOTES, ensure_demo_project

    settings = UserSettings()
    window = MainWindow(settings)
    demo = ensure_demo_project(lang=args.demo) if args.demo else None
    path = args.project or demo or settings.last_project() or ensure_demo_project()
    if not window.open_project(path) and path != ensure_demo_project():
        window.open_project(ensure_demo_project())
    elif demo is not None and path == demo and DEMO_NOTES[args.demo]:
        from PySide6.QtGui import QFontDatabase

        no_glyphs = not QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
        window.statusBar().showMessage(("No Chinese font is installed (Debian/Ubuntu: sudo apt-get install "
                                        "fonts-noto-cjk). " if no_glyphs else "") + DEMO_NOTES[args.demo])
    if args.doc is not None:
        window.annotate.open_doc(args.doc)
    if args.screenshot:
        w, _, h = args.size.partition("x")
        window.resize(int(w), int(h))
        if args.tab:
            for i in range(window.tabs.count()):
                if window.tabs.tabText(i).lower() == args.tab.lower():
                    window.tabs.setCurrentIndex(i)
    window.show()
    if args.screenshot:
        for _ in range(3):
            app.processEvents()
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(args.screenshot))
        window.close()
        from ui.workers import wait_all

        wait_all(60_000)  # a screen may have started a worker (the Train tab probes devices)
        print(f"{'wrote' if ok else 'could not write'} {args.screenshot}")
        return 0 if ok else 1
    window.annotate.view.setFocus(Qt.FocusReason.OtherFocusReason)
    from ui.workers import cancel_all, wait_all

    # A job still running at exit (a training run, an import) is asked to stop and waited
    # for: Qt aborts the process if a running QThread is destroyed.
    app.aboutToQuit.connect(lambda: (cancel_all(), wait_all(60_000)))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
