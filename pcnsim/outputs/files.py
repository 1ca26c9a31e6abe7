"""Writing results safely: whole files or nothing, one writer per folder, one line on a full disk.

A file is written under a temporary name in its own folder and renamed over
the old one, so a process killed mid-write leaves the previous file as it was.
A set of files (a run's outputs) is staged in a temporary folder first and
moved in at the end with `marker` (e.g. scenario.yaml) moved last and the old
marker removed first: the folder holds either the complete previous result,
the complete new one, or (killed during the moves themselves) no marker.
A folder is locked with flock on the folder itself: no lock file to clean up,
and the kernel releases the lock when the process dies, even with kill -9.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import ScenarioError

_UMASK = os.umask(0o022)
os.umask(_UMASK)
STAGING = ".pcnsim-tmp-"  # prefix of temporary files and folders; any left by a killed writer go at the next write


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The file's checksum, or None if it cannot be read."""
    try:
        return sha256(Path(path).read_bytes())
    except OSError:
        return None


def cannot_write(path: Path, exc: OSError) -> ScenarioError:
    """An OS error while writing results, as the one line the user sees."""
    reason = exc.strerror or type(exc).__name__
    hint = "; free some space and run again" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return ScenarioError(f"{path}: cannot write ({reason}){hint}")


def make_folder(path: Path, option: str = "--out") -> Path:
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"{option} {path}: cannot create directory ({exc.strerror})") from None
    return path


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step (temporary name, fsync, rename).

    `durable=False` skips the fsync, for files that are checked against a
    checksum whenever they are read again (a sweep's parts and their status
    files): a file a power cut left empty is found and redone, and one fsync
    per part would serialise a sweep on the disk.
    """
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f"{STAGING}{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        _remove(Path(temporary))
        raise cannot_write(path, exc) from None
    except BaseException:
        _remove(Path(temporary))
        raise


@contextmanager
def written(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to stream a large file into; renamed over `path` when the block succeeds."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f"{STAGING}{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~_UMASK)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_text(path: Path, text: str, *, durable: bool = True) -> None:
    write_bytes(path, text.encode("utf-8"), durable=durable)


def _remove(path: Path) -> None:
    try:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    except FileNotFoundError:
        pass


def clear_staging(folder: Path) -> None:
    """Remove temporary files and folders a killed writer left in `folder` (call it holding the folder's lock)."""
    for leftover in Path(folder).glob(f"{STAGING}*"):
        _remove(leftover)


@contextmanager
def locked(folder: Path, *, wait: bool, shared: bool = False) -> Iterator[None]:
    """Hold flock on `folder`; without `wait`, a folder another pcnsim holds is a one-line error."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            raise ScenarioError(f"{folder}: another pcnsim is writing into this folder now; wait for it to finish "
                                "(or use another --out)") from None
        yield
    finally:
        os.close(fd)


@contextmanager
def staged(out: Path, marker: str) -> Iterator[Path]:
    """A temporary folder inside `out` to write a set of files into; moved into `out` when the block succeeds.

    `out` is created here, so call this only once the input is valid. On any
    error the temporary folder is removed and `out`'s previous files stay.
    """
    out = make_folder(out)
    with locked(out, wait=True):
        clear_staging(out)
        try:
            stage = Path(tempfile.mkdtemp(prefix=STAGING, dir=out))
            stage.chmod(0o777 & ~_UMASK)
        except OSError as exc:
            raise cannot_write(out, exc) from None
        try:
            yield stage
            names = sorted(p.name for p in stage.iterdir())
            if marker in names:
                names.remove(marker)
                names.append(marker)
            for name in names:
                with open(stage / name, "rb") as handle:
                    os.fsync(handle.fileno())
            (out / marker).unlink(missing_ok=True)
            for name in names:
                os.replace(stage / name, out / name)
        except OSError as exc:
            raise cannot_write(out, exc) from None
        finally:
            _remove(stage)
