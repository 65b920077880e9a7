"""An output folder as one unit, and one writer per folder.

`rearm run` writes into a fresh hidden folder beside `--out` (`.<name>.rearm-new-<pid>`, same
parent, so the same file system) and swaps it in whole at the end: a kill at any moment leaves
the earlier result or the new one, never a mix, and no file of an earlier run survives in the
new one. The earlier result is kept as `<out>.previous` (replacing an older one); subfolders
of `--out` (the studies' default folders) are not part of a run and stay in `--out`.

A command writing a folder holds `<out>.lock` (beside it, with its pid) while it works: a
second command for the same folder, one of its subfolders or its parent refuses at once; a
lock whose process is dead is taken over. Leftover hidden folders of a killed run are cleaned
up (or, in the instant between the two renames of the fallback swap, put back) by the next
command that takes the lock.

File-system errors become one line (`FileSystemError`, exit 1) naming the path and the cause.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from sim.errors import FileSystemError, RearmError, UsageError

log = logging.getLogger(__name__)

#: files that say a folder holds rearm results (a run's or a study's)
MARKERS = ("summary.json", "timeline.csv", "study.json", "results.sqlite", "report.html")
#: what a run writes as a file: a directory of one of these names is in the way
RUN_FILES = ("summary.json", "timeline.csv", "scenario.resolved.yaml", "replication0.json", "report.html")
PREVIOUS = ".previous"
LOCK = ".lock"
#: a lock file still empty after this many seconds is taken to be abandoned
EMPTY_LOCK_GRACE_S = 5.0
#: a path quoted in a message is cut to this many characters
MAX_PATH_SHOWN = 160

CAUSES = {
    errno.ENOSPC: "no space left on the device (the disk is full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted (an immutable or protected folder?)",
    errno.ENAMETOOLONG: "the path is too long for the file system",
    errno.EISDIR: "a directory is in the way of a file",
    errno.ENOTDIR: "a file is in the way of a folder",
    errno.ENOTEMPTY: "a folder that is not empty is in the way",
}


class FolderBusy(RearmError):
    """Another rearm command is writing the same folder."""

    exit_code = 1


def shown(path: object) -> str:
    """A path for a one-line message: long ones cut in the middle."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    if len(text) <= MAX_PATH_SHOWN:
        return text
    half = MAX_PATH_SHOWN // 2 - 1
    return f"{text[:half]}…{text[-half:]} ({len(text)} characters)"


def os_error_line(exc: OSError, kept: str = "") -> str:
    """`PATH: cannot write: CAUSE; KEPT` for an OSError of the file system."""
    cause = CAUSES.get(exc.errno or 0) or exc.strerror or str(exc)
    line = f"{shown(exc.filename)}: cannot write: {cause}" if exc.filename else f"the system refused: {cause}"
    return f"{line}; {kept}" if kept else line


# -- the lock -------------------------------------------------------------------------------------------
def lock_path(folder: Path) -> Path:
    """`<folder>.lock`, beside the folder (so that swapping the folder leaves it in place)."""
    return folder.parent / f"{folder.name}{LOCK}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a lock of this very process is a leftover: commands here run one at a time
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except OSError:
        return False
    return True


def holder(lock: Path) -> int | None:
    """The pid of the live process holding `lock`, or None if the lock is free or stale."""
    try:
        text = lock.read_text(encoding="ascii", errors="replace").strip()
        age = time.time() - lock.stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return None
    if not text:  # being written this instant, or abandoned
        return -1 if age < EMPTY_LOCK_GRACE_S else None
    try:
        pid = int(text.split()[0])
    except ValueError:
        return None
    return pid if pid > 0 and _alive(pid) else None


def _busy(folder: Path) -> tuple[Path, int] | None:
    """A live lock on `folder`, one of its parents, or one of its subfolders."""
    candidates = [lock_path(folder)] + [lock_path(p) for p in folder.parents if p.name]
    if folder.is_dir():
        candidates += sorted(p for p in folder.iterdir() if p.name.endswith(LOCK))
    for lock in candidates:
        pid = holder(lock)
        if pid is not None:
            return lock, pid
    return None


def _refuse(folder: Path, lock: Path, pid: int) -> FolderBusy:
    who = "another rearm command" if pid < 0 else f"another rearm command (pid {pid})"
    return FolderBusy(
        f"{shown(folder)}: {who} is writing here ({shown(lock)}); wait for it to finish or choose another --out"
    )


def _acquire(folder: Path) -> Path:
    lock = lock_path(folder)
    for _ in range(5):
        busy = _busy(folder)
        if busy is not None:
            raise _refuse(folder, *busy)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            stale = lock.with_name(f".{lock.name}.stale-{os.getpid()}")
            try:  # only one taker wins this rename; the others find the winner's lock next time round
                os.rename(lock, stale)
                os.unlink(stale)
            except FileNotFoundError:
                pass
            continue
        try:
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        finally:
            os.close(fd)
        return lock
    raise _refuse(folder, lock, holder(lock) or -1)


def _release(lock: Path) -> None:
    try:
        if lock.read_text(encoding="ascii").split()[:1] == [str(os.getpid())]:
            lock.unlink()
    except (OSError, ValueError):
        pass


@contextmanager
def folder_lock(folder: Path) -> Iterator[Path]:
    """Hold `<folder>.lock` for the block; refuse at once if another command holds it (or a lock
    on a parent or subfolder). File-system errors taking it become one line."""
    folder = Path(os.path.abspath(folder))
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = _acquire(folder)
    except OSError as exc:
        raise FileSystemError(os_error_line(exc, f"nothing in {shown(folder)} was changed")) from None
    try:
        yield lock
    finally:
        _release(lock)


# -- the swap -------------------------------------------------------------------------------------------
def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where not supported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _carry_subfolders(src: Path, dst: Path) -> None:
    """Move `src`'s subfolders (the studies' folders: not part of a run) into `dst`."""
    for entry in sorted(src.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and not os.path.lexists(dst / entry.name):
            os.rename(entry, dst / entry.name)


def _leftovers(out: Path) -> list[Path]:
    prefix = f".{out.name}.rearm-"
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix))


def clean_leftovers(out: Path) -> None:
    """Tidy what a killed run left beside `out` (call it holding the lock): put back an earlier
    result caught between the two renames of the fallback swap, keep any subfolder, delete the rest."""
    leftovers = _leftovers(out)
    if not os.path.lexists(out) or (out.is_dir() and not any(out.iterdir())):
        for old in (p for p in leftovers if ".rearm-old-" in p.name):
            os.rename(old, out)  # over a missing or empty folder
            leftovers.remove(old)
            break
    for path in leftovers:
        if path.is_dir() and out.is_dir():
            _carry_subfolders(path, out)
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def check_out(out: Path) -> None:
    """Refuse an `--out` that is a file or holds things that are not rearm results (a run
    replaces the folder's files, so it must never take someone's documents with it)."""
    if os.path.lexists(out) and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a directory")
    if not out.is_dir():
        return
    entries = list(out.iterdir())
    for name in RUN_FILES + MARKERS:
        if (out / name).is_dir():
            raise FileSystemError(
                f"{shown(out / name)}: is a directory where rearm writes a file; nothing was written "
                "(move it away or choose another --out)"
            )
    if any((out / m).is_file() for m in MARKERS):
        return
    foreign = sorted(e.name for e in entries if not e.is_dir() and not e.name.startswith(".") and e.suffix != LOCK)
    if foreign:
        raise UsageError(
            f"--out {out}: holds files that are not rearm results (e.g. {foreign[0]}); a run replaces the "
            "folder's files, so choose a new or empty folder"
        )


def _read_summary(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class StagedFolder:
    """`with StagedFolder(out) as staging:` write everything into `staging`; on leaving the
    block without an error it replaces `out` whole (the earlier result goes to `<out>.previous`);
    on an error `out` is untouched and the staging folder is removed."""

    def __init__(self, out: Path) -> None:
        self.out = Path(os.path.abspath(out))
        self.shown_out = out
        self.staging = self.out.parent / f".{self.out.name}.rearm-new-{os.getpid()}"
        self.previous: Path | None = None
        self.earlier: dict[str, Any] | None = None
        self._lock: Any = None

    def __enter__(self) -> Path:
        check_out(self.out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except (NotADirectoryError, FileExistsError) as exc:
            raise UsageError(f"--out {self.shown_out}: cannot create the output directory: {exc.strerror}") from None
        except OSError as exc:
            raise FileSystemError(os_error_line(exc, "nothing was written")) from None
        self._lock = folder_lock(self.out)
        self._lock.__enter__()
        try:
            clean_leftovers(self.out)
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging.mkdir()
        except BaseException as exc:
            self._lock.__exit__(None, None, None)
            if isinstance(exc, OSError):
                raise FileSystemError(os_error_line(exc, f"{shown(self.shown_out)} is unchanged")) from None
            raise
        return self.staging

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if exc is None:
                self._commit()
        except OSError as error:
            exc = error
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._lock.__exit__(None, None, None)
        if isinstance(exc, OSError) and exc.errno is not None:
            kept = f"the earlier result in {shown(self.shown_out)} is unchanged"
            raise FileSystemError(os_error_line(exc, kept)) from None

    def _commit(self) -> None:
        out, parent = self.out, self.out.parent
        _fsync_dir(self.staging)
        if not os.path.lexists(out) or (out.is_dir() and not any(out.iterdir())):
            os.rename(self.staging, out)  # over an empty folder: atomic
            _fsync_dir(parent)
            return
        self.earlier = _read_summary(out)
        old = parent / f".{out.name}.rearm-old-{os.getpid()}"
        if _exchange(self.staging, out):
            os.rename(self.staging, old)
        else:  # two renames; a kill between them is undone by the next command (clean_leftovers)
            os.rename(out, old)
            os.rename(self.staging, out)
        _fsync_dir(parent)
        try:  # the new result is in place: what follows only tidies
            _carry_subfolders(old, out)
            previous = parent / f"{out.name}{PREVIOUS}"
            if os.path.lexists(previous):
                trash = parent / f".{out.name}.rearm-trash-{os.getpid()}"
                os.rename(previous, trash)
                shutil.rmtree(trash, ignore_errors=True)
            os.rename(old, previous)
            self.previous = previous
        except OSError as exc:
            log.warning("the new result is in %s; tidying the earlier one failed: %s", out, os_error_line(exc))
