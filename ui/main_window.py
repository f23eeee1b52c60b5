"""The main window: one tab per screen, the File/Edit/Help menus, the project.

Screens plug in with :meth:`MainWindow.add_screen` (a ready widget) or
:meth:`MainWindow.add_lazy_screen` (a factory called with the project path the
first time the tab is shown, so e.g. the Train screen's imports cost nothing at
start-up).  When the project changes, :attr:`MainWindow.projectChanged` fires
with the new path; a screen that has a ``set_project(path)`` method is also told
directly, and a lazy screen without one is rebuilt from its factory.
"""
from __future__ import annotations

import importlib.util
import pathlib
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog, QInputDialog, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget,
)

from ui.annotate.screen import AnnotateScreen
from ui.project_events import DOCUMENTS, LABELS, ProjectEvents
from ui.settings import UserSettings
from ui.status_bar import StatusBar
from ui.workers import JobHost
from workbench.paths import projects_dir
from workbench.store import Store, StoreError

APP_TITLE = "Text Workbench"
# Screens other engineers own; each shows up as a tab if its module is installed.
OPTIONAL_SCREENS = (("Train", "ui.train.panel", "TrainPanel"), ("Review", "ui.review.panel", "ReviewPanel"))


class _LazyTab(QWidget):
    """Placeholder that builds the real screen on first show."""

    def __init__(self, factory: Callable[[pathlib.Path], QWidget]) -> None:
        super().__init__()
        self.factory = factory
        self.screen: QWidget | None = None
        self.built: Callable[[QWidget], None] | None = None    # told about each screen the factory makes
        self.setLayout(QVBoxLayout())
        self.layout().setContentsMargins(0, 0, 0, 0)

    def build(self, path: pathlib.Path | None) -> None:
        if path is None:
            return
        if self.screen is not None:
            if hasattr(self.screen, "set_project"):
                self.screen.set_project(path)
                return
            self.layout().removeWidget(self.screen)
            self.screen.deleteLater()
        self.screen = self.factory(path)
        self.layout().addWidget(self.screen)
        if self.built is not None:
            self.built(self.screen)


class MainWindow(QMainWindow):
    projectChanged = Signal(object)   # pathlib.Path of the project now open

    def __init__(self, settings: UserSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or UserSettings()
        self.store: Store | None = None
        self.project_path: pathlib.Path | None = None
        self.backups = JobHost(self)     # the daily copy of the project (one at a time)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.annotate = AnnotateScreen()
        self.annotate.session.annotator = self.settings.annotator()
        self.annotate.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        # One "project changed" notification for every screen (ui/project_events.py): the app's
        # own label writes say so here; the watcher sees workers' and other processes' writes.
        self.events = ProjectEvents(self)
        self.annotate.session.statusChanged.connect(lambda _doc: self.events.notify(LABELS))
        self.annotate.labelsChanged.connect(lambda: self.events.notify(LABELS))
        self.annotate.progress.follow(self.events, self.annotate.refresh_counts)
        self.add_screen("Annotate", self.annotate)
        for title, module, cls in OPTIONAL_SCREENS:
            if _has_module(module):
                self.add_lazy_screen(title, _import_factory(module, cls))
        self.tabs.currentChanged.connect(self._on_tab)
        self.setStatusBar(StatusBar())   # elides: a long message or path never widens the window
        self._project_label = self.statusBar().project_label
        self._build_menus()
        self.resize(1280, 800)
        self.settings.restore_window(self)
        self._update_title()

    # ---- screens -------------------------------------------------------------------
    def add_screen(self, title: str, widget: QWidget) -> int:
        """Add a tab; returns its index.  Connect to :attr:`projectChanged` to follow project switches;
        a screen with ``follow_project(events)`` is handed :attr:`events` (what changed inside it)."""
        self._follow(widget)
        return self.tabs.addTab(widget, title)

    def add_lazy_screen(self, title: str, factory: Callable[[pathlib.Path], QWidget]) -> int:
        """Add a tab whose widget is made by ``factory(project_path)`` when first shown."""
        tab = _LazyTab(factory)
        tab.built = self._follow
        return self.tabs.addTab(tab, title)

    def _follow(self, screen: QWidget) -> None:
        if hasattr(screen, "follow_project"):
            screen.follow_project(self.events)
        if hasattr(screen, "openDocument"):   # "fix this one" (Review): the one route to Annotate
            screen.openDocument.connect(self.open_in_annotate)

    def open_in_annotate(self, doc_id: int) -> None:
        """Show a document on the Annotate screen, focused for labeling (asked by other screens)."""
        self.annotate.open_doc(doc_id)
        self.tabs.setCurrentWidget(self.annotate)
        self.annotate.view.setFocus()

    def screen(self, title: str) -> QWidget | None:
        """The widget behind a tab (building a lazy one now)."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == title:
                w = self.tabs.widget(i)
                if isinstance(w, _LazyTab):
                    if w.screen is None:
                        w.build(self.project_path)
                    return w.screen
                return w
        return None

    def _on_tab(self, index: int) -> None:
        w = self.tabs.widget(index)
        if isinstance(w, _LazyTab) and w.screen is None:
            w.build(self.project_path)

    # ---- project -------------------------------------------------------------------
    def open_project(self, path: str | pathlib.Path) -> bool:
        path = pathlib.Path(path)
        try:
            store = Store(path)
        except (StoreError, RuntimeError) as exc:
            QMessageBox.critical(self, "Cannot open project", str(exc))
            self.settings.remove_recent(str(path.resolve()))
            self._fill_recent()
            return False
        old, self.store, self.project_path = self.store, store, path
        self.events.watch(path)
        self.annotate.set_store(store)
        if old is not None:
            old.close()
        self.settings.add_recent(path)
        self._fill_recent()
        self._update_title()
        for i in range(self.tabs.count()):
            w = self.tabs.widget(i)
            if isinstance(w, _LazyTab) and w.screen is not None:
                w.build(path)
            elif w is not self.annotate and hasattr(w, "set_project"):
                w.set_project(path)
        self.projectChanged.emit(path)
        self._back_up_soon(path)
        return True

    def _back_up_soon(self, path: pathlib.Path) -> None:
        """The daily automatic copy of the project (workbench/store/backups.py) on a worker
        thread: opening never waits for it; another project (a new start replaces it) or
        closing the window stops it, and a stopped copy keeps nothing."""
        from workbench.store.backups import auto_backup

        self.backups.start(auto_backup, path, on_failed=lambda exc: self.statusBar().showMessage(
            f"The automatic backup of the project could not be made: {exc}", 10000))

    def _stop_backup(self) -> None:
        self.backups.drop()

    def reload_project(self) -> None:
        """The project file changed underneath (an import): refresh every view of it."""
        self.annotate.reload()
        self.events.notify(DOCUMENTS)
        self.events.notify(LABELS)

    def _update_title(self) -> None:
        if self.store is None:
            self.setWindowTitle(APP_TITLE)
            self._project_label.setText("")
            return
        read_only = " (read-only)" if self.store.read_only else ""
        self.setWindowTitle(f"{self.store.name}{read_only} — {APP_TITLE}")
        self._project_label.setText(str(self.project_path))
        if self.store.read_only:
            self.statusBar().showMessage(f"Opened read-only: {self.store.read_only_reason}. You can look and "
                                         "export; to label, copy the project to a folder you can write to.")

    # ---- menus -------------------------------------------------------------------------
    def _build_menus(self) -> None:
        from ui.dialogs.new_project import new_project

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._menu_action(file_menu, "&New project…", QKeySequence.StandardKey.New,
                          lambda: self._open_if(new_project(self)))
        self._menu_action(file_menu, "&Open…", QKeySequence.StandardKey.Open, self._choose_project)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        self.import_action = self._menu_action(file_menu, "&Import…", "Ctrl+I",
                                               self.import_file)
        self.export_action = self._menu_action(file_menu, "&Export…", "Ctrl+E", self.export_project)
        self.apply_action = self._menu_action(file_menu, "A&pply a model to a file…", None, self.apply_to_file)
        file_menu.addSeparator()
        self._menu_action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        edit = bar.addMenu("&Edit")
        # The real undo keys live on the Annotate screen (they act on its document);
        # the menu shows them with "\t" hints so they are discoverable without a second binding.
        self._menu_action(edit, "Undo\tCtrl+Z", None, self.annotate.undo_action.trigger)
        self._menu_action(edit, "Redo\tCtrl+Shift+Z", None, self.annotate.redo_action.trigger)
        edit.addSeparator()
        self._menu_action(edit, "Edit &labels…", None, lambda: self.annotate.edit_labels())
        self._menu_action(edit, "&Dictionaries…", None, lambda: self.annotate.edit_dictionaries())
        self._menu_action(edit, "&Annotator name…", None, self._ask_annotator)
        help_menu = bar.addMenu("&Help")
        self._menu_action(help_menu, "&Keyboard shortcuts", None, self.annotate.show_shortcuts)
        self._fill_recent()

    def import_file(self, path: str = "") -> None:
        """File → Import: the import dialog on the open project; every screen reloads after."""
        from ui.dialogs.import_dialog import ImportDialog, summary   # the formats load on first use

        if self.project_path is None:
            return
        dialog = ImportDialog(self.project_path, self, path)
        dialog.imported.connect(lambda report: (self.reload_project(),
                                                self.statusBar().showMessage(summary(report), 10000)))
        dialog.exec()

    def export_project(self) -> None:
        """File → Export: the export dialog on the open project."""
        from ui.dialogs.export_dialog import ExportDialog

        if self.project_path is not None:
            ExportDialog(self.project_path, self).exec()

    def apply_to_file(self) -> None:
        """File → Apply a model to a file: a run's predictions for a CSV, JSON Lines or text file."""
        from ui.dialogs.apply_dialog import ApplyDialog   # loads the inference code on first use

        if self.project_path is not None:
            ApplyDialog(self.project_path, self).exec()

    def _menu_action(self, menu, text: str, keys, slot) -> QAction:
        act = QAction(text, self)
        if keys is not None:
            act.setShortcut(QKeySequence(keys))
        act.triggered.connect(lambda _=False: slot())
        menu.addAction(act)
        return act

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for f in files:
            act = self.recent_menu.addAction(f)
            act.triggered.connect(lambda _=False, p=f: self.open_project(p))
        self.recent_menu.setEnabled(bool(files))

    def _choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(projects_dir()), "Projects (*.db);;All files (*)")
        if path:
            self.open_project(path)

    def _open_if(self, path: pathlib.Path | None) -> None:
        if path is not None:
            self.open_project(path)

    def _ask_annotator(self) -> None:
        name, ok = QInputDialog.getText(self, "Annotator", "Your name (saved with every label you make):",
                                        text=self.settings.annotator())
        if ok:
            self.settings.set_annotator(name)
            self.annotate.session.annotator = self.settings.annotator()

    # ---- closing -------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._stop_backup()
        self.settings.save_window(self)
        self.events.close()
        if self.store is not None:
            self.annotate.set_store(None)  # nothing may query a closed connection later
            self.store.close()
            self.store = None
        super().closeEvent(event)


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent package (ui.train, ui.review) is not there yet
        return False


def _import_factory(module: str, cls: str) -> Callable[[pathlib.Path], QWidget]:
    def make(path: pathlib.Path) -> QWidget:
        return getattr(importlib.import_module(module), cls)(path)

    return make


