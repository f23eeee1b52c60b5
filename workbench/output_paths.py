"""Where this program may write: the one gate for every export, bundle, ONNX folder and run folder.

The rule: never delete or replace something this program did not write.

Files (JSONL, CoNLL, CSV; the int8 ONNX copy).  The path is resolved, so a symlink is written
through and stays a link.  Always refused: a folder, anything not a regular file (device, FIFO,
socket), any SQLite database (header ``SQLite format 3\\0``), the open project and its
``-wal``/``-shm``/``-journal`` files (by ``st_dev``/``st_ino``: hard links and symlinks caught
too), a path whose folder does not exist.  An existing regular file is replaced only with
``overwrite`` (``--overwrite``; the app asks): a file has no room for a mark of who wrote it, so
the user's word is the proof; it keeps its permission bits, a new file gets ``0666 & ~umask``
as open() gives.  Data goes to a hidden temporary file beside the target, renamed onto it at
the end: a failure leaves the old file as it was and no temporary file.

Folders (Hugging Face dataset, bundle, ONNX export).  A new folder (``0777 & ~umask``) or an
empty one; each gets a manifest, :data:`MANIFEST`, listing every file written there.  A
non-empty folder without one is not ours: always refused.  One with a manifest (an earlier
export) is replaced only with ``overwrite``, and then only the files it lists are removed (and
folders they leave empty); other files are the user's and stay, and if the new export would
put an entry where one of them is, it is refused before anything is removed.  A listed file
that is a SQLite database or the project is refused.  The new content is built in a hidden
staging folder inside the target and moved into place when complete; a failure removes the
staging folder (and the target, if this call made it).

Run folders (training) are made new and marked in :mod:`workbench.training.run_folders`; this
module only checks their root (:func:`check_output_root`).

An OS error while writing (full disk, no permission, read-only file system) becomes a UserError
naming the path and the problem.  Any thread may call these functions.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import pathlib
import re
import secrets
import shutil
import stat
import tempfile
from typing import Iterable, Iterator, TextIO

from workbench.errors import UserError

MANIFEST = ".workbench-output.json"
STAGING_PREFIX = ".workbench-partial-"
SQLITE_HEADER = b"SQLite format 3\x00"
_SIDE_FILES = ("", "-wal", "-shm", "-journal")

PathLike = str | os.PathLike[str]

_REASONS = {
    errno.ENOSPC: "the disk is full (no space left on the device)",
    errno.EDQUOT: "your disk quota is used up",
    errno.EACCES: "permission denied (you may not write there)",
    errno.EPERM: "permission denied (you may not write there)",
    errno.EROFS: "the file system is read-only",
    errno.EFBIG: "the file is larger than this file system (or your file size limit) allows",
    errno.ENAMETOOLONG: "the name is too long for this file system",
    errno.EIO: "input/output error (the disk may be failing or was removed)",
}


# how native libraries (safetensors: "os error 28") and shutil.Error lists ("[Errno 28]") carry an errno
_OS_ERROR = re.compile(r"(?:os error|Errno) (\d+)")


class NeedsOverwrite(UserError):
    """Something this program may replace is there: the user must say so (``--overwrite``, or yes in the app)."""


def problem(exc: BaseException) -> str:
    """What went wrong, in words, for an OS error (also one a native library reports as "os error N")."""
    code = getattr(exc, "errno", None)
    if code is None:
        found = _OS_ERROR.search(str(exc))
        code = int(found.group(1)) if found else None
    if code in _REASONS:
        return _REASONS[code]
    return getattr(exc, "strerror", None) or str(exc)


def is_write_failure(exc: BaseException) -> bool:
    """True for OS errors, and for native libraries' I/O errors (safetensors says "os error N")."""
    return isinstance(exc, OSError) or bool(_OS_ERROR.search(str(exc)))


def write_error(path: PathLike, exc: BaseException) -> UserError:
    return UserError(f"cannot write {os.fspath(path)}: {problem(exc)}")


def is_sqlite(path: PathLike) -> bool:
    """True when the regular file at ``path`` starts with the SQLite header."""
    with open(path, "rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _identities(protect: Iterable[PathLike]) -> set[tuple[int, int]]:
    ids = set()
    for p in protect:
        for side in _SIDE_FILES:
            with contextlib.suppress(OSError):
                st = os.stat(os.fspath(p) + side)
                ids.add((st.st_dev, st.st_ino))
    return ids


def _resolve(path: PathLike) -> pathlib.Path:
    text = os.fspath(path)
    if not text.strip():
        raise UserError("no output path given")
    return pathlib.Path(os.path.realpath(text))


def _check_parent(given: str, real: pathlib.Path) -> None:
    parent = real.parent
    if not parent.exists():
        raise UserError(f"cannot write {given}: the folder {parent} does not exist (create it first)")
    if not parent.is_dir():
        raise UserError(f"cannot write {given}: {parent} is not a folder")


def _refuse_existing_file(given: str, real: pathlib.Path, st: os.stat_result, ids: set[tuple[int, int]]) -> None:
    """UserError when the existing non-folder at ``real`` must never be replaced."""
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"{given} is not a regular file (a device, pipe or socket); an export never writes onto it")
    if (st.st_dev, st.st_ino) in ids:
        raise UserError(f"{given} is the open project itself; an export never writes onto it (choose another name)")
    try:
        sqlite = is_sqlite(real)
    except OSError as exc:
        raise UserError(f"{given}: cannot read it to check what it is ({problem(exc)}); refusing to replace it") from None
    if sqlite:
        raise UserError(f"{given} is a SQLite database (a project?); an export never writes onto it "
                        f"(choose another name)")


# ---- files ---------------------------------------------------------------------------------------

@dataclasses.dataclass
class FileTarget:
    given: str
    real: pathlib.Path          # where the bytes go (symlinks resolved)
    replaces: bool              # a file is there now
    mode: int | None            # its permission bits, kept


def check_file(path: PathLike, *, overwrite: bool = False, protect: Iterable[PathLike] = ()) -> FileTarget:
    """Where a file export of ``path`` goes; UserError (NeedsOverwrite where ``overwrite`` would do) if refused."""
    given = os.fspath(path)
    real = _resolve(path)
    if given.endswith(("/", os.sep)) or os.path.basename(given) in ("", ".", ".."):
        raise UserError(f"{given} names a folder; give a file name (such as {os.path.join(given, 'export.jsonl')})")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        _check_parent(given, real)
        return FileTarget(given, real, False, None)
    except OSError as exc:
        raise UserError(f"cannot write {given}: {problem(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"{given} is a folder; give a file name (such as {os.path.join(given, 'export.jsonl')})")
    _refuse_existing_file(given, real, st, _identities(protect))
    if not overwrite:
        raise NeedsOverwrite(f"{given} exists; add --overwrite to replace it")
    return FileTarget(given, real, True, stat.S_IMODE(st.st_mode))


def _temp_beside(real: pathlib.Path) -> pathlib.Path:
    """A new empty file next to ``real``, made like open() makes files (0666 & ~umask)."""
    for _ in range(100):
        tmp = real.with_name(f".{real.name[:120]}.{secrets.token_hex(4)}.partial")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(real.parent))


@contextlib.contextmanager
def writing_file(path: PathLike, *, overwrite: bool = False,
                 protect: Iterable[PathLike] = ()) -> Iterator[pathlib.Path]:
    """Yield a temporary path to write; on success it replaces ``path`` (see the module's rules)."""
    target = check_file(path, overwrite=overwrite, protect=protect)
    try:
        tmp = _temp_beside(target.real)
    except OSError as exc:
        raise write_error(target.given, exc) from None
    try:
        yield tmp
        if target.mode is not None:
            os.chmod(tmp, target.mode)
        _fsync(tmp)
        os.replace(tmp, target.real)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_write_failure(exc) and not isinstance(exc, UserError):
            raise write_error(target.given, exc) from None
        raise


@contextlib.contextmanager
def writing_text(path: PathLike, *, overwrite: bool = False, protect: Iterable[PathLike] = ()) -> Iterator[TextIO]:
    """A UTF-8 text file (no newline translation) that replaces ``path`` when the block ends well."""
    with writing_file(path, overwrite=overwrite, protect=protect) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh


def _fsync(path: pathlib.Path) -> None:
    # the rename must not reach the disk before the data does (a crash would leave an empty file)
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        os.fsync(fh.fileno())


# ---- folders -------------------------------------------------------------------------------------

@dataclasses.dataclass
class FolderTarget:
    given: str
    real: pathlib.Path
    exists: bool
    ours: list[str]             # files the manifest lists (removed on publish)
    foreign: list[str]          # everything else inside: never touched (folders end with "/")


def _scan(root: pathlib.Path, rel: str = "", deep: bool = True) -> Iterator[tuple[str, str]]:
    """(relative path, "file" | "dir" | "other") for everything under ``root`` (with ``deep``; else
    its top level), links not followed; the manifest and staging folders are left out."""
    with os.scandir(root / rel if rel else root) as entries:
        for entry in entries:
            name = f"{rel}/{entry.name}" if rel else entry.name
            if not rel and (entry.name == MANIFEST or entry.name.startswith(STAGING_PREFIX)):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield name, "dir"
                if deep:
                    yield from _scan(root, name)
            else:
                yield name, "file" if entry.is_file(follow_symlinks=False) else "other"


def read_manifest(folder: pathlib.Path) -> set[str] | None:
    """The files a manifest in ``folder`` lists, or None where there is no readable one."""
    path = folder / MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, list):
        return None
    safe = set()
    for f in files:
        # a hand-edited manifest must not reach outside the folder
        if isinstance(f, str) and f and not f.startswith("/") and ".." not in f.split("/") and "\\" not in f:
            safe.add(f)
    return safe


def check_folder(path: PathLike, *, overwrite: bool = False, protect: Iterable[PathLike] = ()) -> FolderTarget:
    """Where a folder export of ``path`` goes; UserError (NeedsOverwrite where ``overwrite`` would do) if refused."""
    given = os.fspath(path)
    real = _resolve(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        _check_parent(given, real)
        return FolderTarget(given, real, False, [], [])
    except OSError as exc:
        raise UserError(f"cannot write {given}: {problem(exc)}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise UserError(f"{given} is a file, not a folder; give the name of a new or empty folder")
    try:
        listed = read_manifest(real)
        if listed is None:   # not ours: one entry is enough to refuse (never walk all of "/")
            if next(_scan(real, deep=False), None) is None:
                return FolderTarget(given, real, True, [], [])
            raise UserError(f"{given} is not empty and was not written by this program; "
                            f"choose a new or empty folder (nothing in it was changed)")
        inside = list(_scan(real))
    except OSError as exc:
        raise UserError(f"cannot look into {given}: {problem(exc)}") from None
    ours = [rel for rel, kind in inside if kind == "file" and rel in listed]
    keep = [rel for rel, kind in inside if kind != "dir" and rel not in ours]
    # a folder stays when something that is not ours is in it, or it holds none of our files
    keep += [rel + "/" for rel, kind in inside if kind == "dir" and not any(o.startswith(rel + "/") for o in ours)
             and not any(k.startswith(rel + "/") for k in keep)]
    target = FolderTarget(given, real, True, ours, keep)
    if not ours and not keep:
        return target           # only our manifest is left: as good as empty
    if not overwrite:
        raise NeedsOverwrite(f"{given} is not empty: it holds an earlier export; add --overwrite to replace it "
                             f"(files the export did not write are kept)")
    ids = _identities(protect)
    for rel in ours:
        _refuse_existing_file(os.path.join(given, rel), real / rel, os.lstat(real / rel), ids)
    return target


def _write_manifest(folder: pathlib.Path, files: Iterable[str], kind: str) -> None:
    tmp = _temp_beside(folder / MANIFEST)
    try:
        tmp.write_text(json.dumps({"written_by": "workbench", "kind": kind, "files": sorted(files)},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / MANIFEST)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def remember(folder: PathLike, names: Iterable[str], kind: str = "") -> None:
    """Add files this program just wrote into one of its folders to that folder's manifest."""
    folder = pathlib.Path(folder)
    listed = read_manifest(folder) or set()
    _write_manifest(folder, listed | set(names), kind)


@contextlib.contextmanager
def writing_folder(path: PathLike, *, kind: str, overwrite: bool = False,
                   protect: Iterable[PathLike] = ()) -> Iterator[pathlib.Path]:
    """Yield an empty staging folder to fill; on success its content replaces the export at ``path``."""
    target = check_folder(path, overwrite=overwrite, protect=protect)
    created = False
    try:
        if not target.exists:
            os.mkdir(target.real, 0o777)
            created = True
        staging = pathlib.Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.real))
    except OSError as exc:
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(target.real)
        raise write_error(target.given, exc) from None
    ok = False
    try:
        yield staging
        # looked at again: the folder may have changed while the export ran
        _publish(check_folder(path, overwrite=overwrite, protect=protect), staging, kind)
        ok = True
    except BaseException as exc:
        if is_write_failure(exc) and not isinstance(exc, UserError):
            raise write_error(target.given, exc) from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not ok:
            with contextlib.suppress(OSError):
                os.rmdir(target.real)


def _publish(target: FolderTarget, staging: pathlib.Path, kind: str) -> None:
    new_files = [rel for rel, k in _scan(staging) if k == "file"]
    new_top = sorted(os.listdir(staging))
    for name in new_top:
        blocked = [f for f in target.foreign if f.rstrip("/") == name or f.startswith(name + "/")]
        if blocked:
            raise UserError(f"{target.given}: the export would replace {os.path.join(target.given, blocked[0])}, "
                            f"which this program did not write; move it away or choose another folder "
                            f"(nothing was changed)")
    # first list old and new together: a crash part-way leaves nothing that looks foreign
    _write_manifest(target.real, set(target.ours) | set(new_files), kind)
    for rel in target.ours:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target.real / rel)
    parents = {str(pathlib.PurePosixPath(rel).parent) for rel in target.ours} - {"."}
    for rel in sorted({p for d in parents for p in _ancestors(d)}, key=lambda p: -p.count("/")):
        with contextlib.suppress(OSError):  # not empty: something of the user's is in it
            os.rmdir(target.real / rel)
    for name in new_top:
        os.rename(staging / name, target.real / name)
    _write_manifest(target.real, new_files, kind)


def _ancestors(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


# ---- run folders ---------------------------------------------------------------------------------

def check_output_root(root: PathLike | None) -> None:
    """UserError when ``root`` (where run folders go) exists and is not a folder."""
    if root is None:
        return
    real = _resolve(root)
    if real.exists() and not real.is_dir():
        raise UserError(f"{os.fspath(root)} is not a folder; the output folder is where run folders are made")
