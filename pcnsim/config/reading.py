"""Reading a user's input file: its kind, size and encoding are checked before a byte is parsed.

A scenario, an experiment or a structure's CSV is read only if it is a
readable regular file of at most `limit` bytes holding UTF-8 text. Anything
else (a folder, a FIFO, a device, a symbolic link loop, a path through a file,
an over-long name, a file that is too large) is a ScenarioError of one line.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path

from .errors import ScenarioError

_OPEN_ERRORS = {
    errno.ENOENT: "no such file",
    errno.ELOOP: "cannot read: the path is a loop of symbolic links",
    errno.ENOTDIR: "cannot read: a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "cannot read: the name is too long",
    errno.EACCES: "cannot read: permission denied",
    errno.EPERM: "cannot read: permission denied",
}


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_text(path: str | Path, limit: int, what: str) -> str:
    """The text of a regular file of at most `limit` bytes, decoded as UTF-8 (a leading BOM dropped).

    The file is opened without blocking and checked on its open descriptor, so
    a FIFO or a device never makes the read wait or run forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except ValueError:
        raise ScenarioError(f"{path}: cannot read: the name holds a NUL character") from None
    except OSError as exc:
        reason = _OPEN_ERRORS.get(exc.errno, f"cannot read ({exc.strerror})")
        raise ScenarioError(f"{path}: {reason}") from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind:
            raise ScenarioError(f"{path}: is {kind}; give {what} as a regular file")
        if info.st_size > limit:
            raise ScenarioError(f"{path}: is {info.st_size:,} bytes; {what} may be at most {limit:,} bytes")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # the file grew while being read
            raise ScenarioError(f"{path}: is over {limit:,} bytes; {what} may be at most {limit:,} bytes")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(codecs.BOM_UTF8) else 0)  # the error counts from after the BOM
        line = data[:start].count(b"\n") + 1
        raise ScenarioError(f"{path}: line {line}: byte 0x{data[start]:02x} is not UTF-8; "
                            f"save {what} as UTF-8 text") from None
