"""DESIGN rule 1: the core never imports Qt, so it runs headless and on servers."""
import subprocess
import sys


def test_importing_the_whole_core_loads_no_qt():
    code = (
        "import sys, pkgutil, importlib, workbench\n"
        "for m in pkgutil.walk_packages(workbench.__path__, 'workbench.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'ui', 'shiboken6')]\n"
        "print(len([m for m in sys.modules if m.startswith('workbench')]))\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) > 10  # the walk really imported the modules
