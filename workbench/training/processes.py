"""Is the process that started a run still alive?  (For runs whose process was killed.)

A run row records the process id and host name of the process training it.  On
this host, the run is dead when no process has that id, or when the process that
has it now started after the run did (ids are reused), or when the run began
before the machine last booted.  psutil answers when it is installed; otherwise
/proc (Linux) or the Win32 API.  Safe on any thread.
"""
from __future__ import annotations

import os
import socket
import sys


def host_name() -> str:
    return socket.gethostname() or os.environ.get("COMPUTERNAME", "") or "unknown host"


def boot_time() -> float | None:
    """When this machine booted (epoch seconds), or None where it cannot be told."""
    try:
        import psutil

        return float(psutil.boot_time())
    except Exception:  # noqa: BLE001 - psutil is optional
        pass
    try:
        with open("/proc/stat", encoding="ascii") as f:
            for line in f:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds); None when there is no such process.
    Returns ``0.0`` for a process that exists but whose start time cannot be read."""
    if pid <= 0:
        return None
    try:
        import psutil

        try:
            return float(psutil.Process(pid).create_time())
        except psutil.NoSuchProcess:
            return None
        except psutil.Error:
            return 0.0
    except ImportError:
        pass
    if sys.platform.startswith("linux"):
        return _linux_start(pid)
    if sys.platform == "win32":
        return _windows_start(pid)
    try:
        os.kill(pid, 0)          # POSIX: signal 0 only checks that the process exists
    except ProcessLookupError:
        return None
    except PermissionError:
        return 0.0
    return 0.0


def _linux_start(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return 0.0
    boot = boot_time()
    try:
        # the second field (the command name, in parentheses) may hold spaces: count from its end
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])
    except (ValueError, IndexError):
        return 0.0
    return boot + ticks / os.sysconf("SC_CLK_TCK") if boot is not None else 0.0


def _windows_start(pid: int) -> float | None:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return None if ctypes.get_last_error() in (0, 87) else 0.0   # 87: no such process
    try:
        code = wintypes.DWORD()
        if kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) and code.value != 259:   # STILL_ACTIVE
            return None
        times = [wintypes.FILETIME() for _ in range(4)]
        if not kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
            return 0.0
        created = (times[0].dwHighDateTime << 32) | times[0].dwLowDateTime
        return created / 1e7 - 11644473600.0        # 100 ns ticks since 1601 -> Unix epoch
    finally:
        kernel32.CloseHandle(handle)


def run_process_gone(pid: int | None, host: str, started: float) -> str:
    """Why the process of a run that started at ``started`` (epoch seconds) on ``host`` with ``pid``
    cannot still be running it, or "" when it may be (alive, or on another host: no way to know)."""
    if pid is None and not host:
        # rows from before schema 5; an app that old cannot open the project any more
        return "an earlier version of the app started it and did not record its process"
    if host != host_name():
        return ""
    boot = boot_time()
    if boot is not None and started < boot - 60:
        return "the computer restarted since the run began"
    if pid is None:
        return "its process is unknown"
    start = process_start(int(pid))
    if start is None:
        return f"its process ({pid}) has ended"
    # the process with this id now began after the run did: the id was reused (2 s: clock rounding)
    if start > started + 2.0:
        return f"its process ({pid}) has ended"
    return ""
