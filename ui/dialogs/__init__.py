"""Dialogs the main window's File menu opens; each entry point takes the main window."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ui.dialogs.new_project import new_project

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def import_into_project(window: "MainWindow", path: str = "") -> None:
    # Imported here: the formats package is only needed once the user imports.
    from ui.dialogs.import_dialog import ImportDialog, summary

    if window.project_path is None:
        return
    dialog = ImportDialog(window.project_path, window, path)
    dialog.imported.connect(lambda report: (window.reload_project(),
                                            window.statusBar().showMessage(summary(report), 10000)))
    dialog.exec()


def export_project(window: "MainWindow") -> None:
    from ui.dialogs.export_dialog import ExportDialog

    if window.project_path is not None:
        ExportDialog(window.project_path, window).exec()


__all__ = ["export_project", "import_into_project", "new_project"]
