# Screens may be imported lazily (on first use of a tab), which static analysis
# cannot see, so take every module of the ui package.
from PyInstaller.utils.hooks import collect_submodules

hiddenimports = collect_submodules("ui")
