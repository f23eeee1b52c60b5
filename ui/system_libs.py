"""The system libraries Qt needs to open a window on X11, checked before Qt loads.

Without them Qt aborts with "Could not load the Qt platform plugin "xcb"" (and a
hint about xcb-cursor0 even when other libraries are the ones missing).  This
module asks the dynamic loader (``ldd`` on PySide6's own ``libqxcb.so``) what is
missing and names the Debian packages that provide it, so ``./dev.sh start``
can install them (as root) or print the one command to run.

It is also the one list of these packages: ``packaging/linux/build_deb.sh``
fills the .deb's ``Depends:``/``Recommends:`` from :data:`QT_SYSTEM_LIBS`.

Standard library only, and no Qt import: it must run where Qt cannot load.

    python -m ui.system_libs                 exit 1 with the exact install command if a library is missing
    python -m ui.system_libs --packages      the missing packages, one line (exit 1 if any)
    python -m ui.system_libs --deb FIELD     the .deb field's packages (FIELD: depends or recommends)
    add --force to check even when no X display is in use (CI, before xvfb-run)
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping

DEPENDS, RECOMMENDS, NOT_IN_DEB = "depends", "recommends", ""

# soname -> (Debian package, its field in the .deb).  NOT_IN_DEB: the PyInstaller
# bundle carries that library, or a package in Depends already pulls it in.
QT_SYSTEM_LIBS: dict[str, tuple[str, str]] = {
    "libGL.so.1": ("libgl1", DEPENDS),
    "libEGL.so.1": ("libegl1", DEPENDS),
    "libfontconfig.so.1": ("libfontconfig1", DEPENDS),
    "libxkbcommon.so.0": ("libxkbcommon0", DEPENDS),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", DEPENDS),
    "libxcb-cursor.so.0": ("libxcb-cursor0", DEPENDS),
    "libxcb-icccm.so.4": ("libxcb-icccm4", DEPENDS),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", DEPENDS),
    "libdbus-1.so.3": ("libdbus-1-3", DEPENDS),
    # Debian 13 / Ubuntu 24.04 renamed it (64-bit time_t); apt maps the old name.
    "libglib-2.0.so.0": ("libglib2.0-0 | libglib2.0-0t64", DEPENDS),
    "libgthread-2.0.so.0": ("libglib2.0-0 | libglib2.0-0t64", DEPENDS),
    "libxcb-shape.so.0": ("libxcb-shape0", RECOMMENDS),
    "libxcb-image.so.0": ("libxcb-image0", RECOMMENDS),
    "libxcb-render-util.so.0": ("libxcb-render-util0", RECOMMENDS),
    "libxcb-util.so.1": ("libxcb-util1", NOT_IN_DEB),
    "libxcb-randr.so.0": ("libxcb-randr0", NOT_IN_DEB),
    "libxcb-shm.so.0": ("libxcb-shm0", NOT_IN_DEB),
    "libxcb-sync.so.1": ("libxcb-sync1", NOT_IN_DEB),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", NOT_IN_DEB),
    "libxcb-render.so.0": ("libxcb-render0", NOT_IN_DEB),
    "libxcb-xkb.so.1": ("libxcb-xkb1", NOT_IN_DEB),
    "libxcb.so.1": ("libxcb1", NOT_IN_DEB),
    "libX11-xcb.so.1": ("libx11-xcb1", NOT_IN_DEB),
    "libX11.so.6": ("libx11-6", NOT_IN_DEB),
    "libfreetype.so.6": ("libfreetype6", NOT_IN_DEB),
    "libGLX.so.0": ("libglx0", NOT_IN_DEB),
    "libGLdispatch.so.0": ("libglvnd0", NOT_IN_DEB),
    "libXau.so.6": ("libxau6", NOT_IN_DEB),
    "libXdmcp.so.6": ("libxdmcp6", NOT_IN_DEB),
    "libz.so.1": ("zlib1g", NOT_IN_DEB),
    "libzstd.so.1": ("libzstd1", NOT_IN_DEB),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.M)


def deb_field(field: str) -> str:
    """The packages of one .deb control field (``depends`` or ``recommends``), comma-separated."""
    seen: list[str] = []
    for package, where in QT_SYSTEM_LIBS.values():
        if where == field and package not in seen:
            seen.append(package)
    return ", ".join(seen)


def xcb_plugin() -> pathlib.Path | None:
    """PySide6's X11 platform plugin, found without importing Qt (None if not there)."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        plugin = pathlib.Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def xcb_in_use(env: Mapping[str, str]) -> bool:
    """Whether Qt will have to load its xcb plugin to show a window in this environment."""
    platform = env.get("QT_QPA_PLATFORM", "").strip()
    if platform:  # "xcb", "xcb:option=value", or a fallback list: Qt tries the first one first
        return platform.split(";")[0].split(":")[0].strip() == "xcb" and bool(env.get("DISPLAY"))
    if not env.get("DISPLAY"):
        return False
    # On a Wayland session Qt prefers its wayland plugin; xcb is only the fallback there.
    return not (env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland")


def missing_sonames(plugin: pathlib.Path) -> list[str]:
    """The libraries the dynamic loader cannot find for ``plugin`` (``[]`` if ldd is unavailable)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(out)))


def packages_for(sonames: list[str]) -> tuple[list[str], list[str]]:
    """(Debian packages to install, sonames with no known package)."""
    packages: list[str] = []
    unknown: list[str] = []
    for name in sonames:
        if name in QT_SYSTEM_LIBS:
            package = QT_SYSTEM_LIBS[name][0].split("|")[0].strip()
            if package not in packages:
                packages.append(package)
        else:
            unknown.append(name)
    return packages, unknown


def install_command(packages: list[str]) -> str:
    """The one command that installs ``packages`` (with sudo unless already root)."""
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y {' '.join(packages)}"


def explain(sonames: list[str]) -> str:
    """What is missing and the exact command that fixes it, for a person to read."""
    packages, unknown = packages_for(sonames)
    lines = [f"error: Qt cannot open a window: the system is missing {', '.join(sonames)}."]
    if packages:
        lines += ["Install the missing libraries with:", "", f"    {install_command(packages)}", ""]
    if unknown:
        lines.append(f"No package is known here for {', '.join(unknown)}: "
                     f"find it with `apt-file search {unknown[0]}` (or your distribution's equivalent).")
    lines.append("Then start the app again.")
    return "\n".join(lines)


def check(env: Mapping[str, str] | None = None, force: bool = False) -> list[str]:
    """The missing sonames when Qt will need its xcb plugin here (``[]`` when fine or not needed)."""
    env = os.environ if env is None else env
    if not force and not xcb_in_use(env):
        return []
    plugin = xcb_plugin()
    return missing_sonames(plugin) if plugin is not None else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.system_libs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", action="store_true", help="print only the missing Debian packages")
    parser.add_argument("--force", action="store_true", help="check even when no X display is in use")
    parser.add_argument("--deb", choices=(DEPENDS, RECOMMENDS), help="print a .deb control field's packages")
    args = parser.parse_args(argv)
    if args.deb:
        print(deb_field(args.deb))
        return 0
    missing = check(force=args.force)
    if not missing:
        return 0
    if args.packages:
        packages, unknown = packages_for(missing)
        print(" ".join(packages))
        if unknown:
            print(explain(missing), file=sys.stderr)
        return 1
    print(explain(missing), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
