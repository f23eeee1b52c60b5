"""The main window's dialogs: a new project (new_project.py), import (import_dialog.py), export
(export_dialog.py).  The main window opens them (MainWindow.import_file, .export_project)."""
