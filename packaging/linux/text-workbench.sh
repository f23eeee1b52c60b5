#!/bin/sh
# Launcher on the PATH: the app itself lives in /opt/text-workbench (a
# PyInstaller one-folder bundle that finds its libraries next to itself).
exec /opt/text-workbench/TextWorkbench "$@"
