"""Writing a file all at once: a crash or an error mid-write leaves the old file (or none), never half a file."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def write_atomically(who: str, path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file beside it, flushed to disk, then renamed over it.

    A symbolic link is followed: the file it points to gets the data and the link stays. An
    existing file keeps its permissions; a new one gets the usual 0o666 less the umask. Errors
    name `who` (the function writing). Returns the path written.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_atomically("demo", os.path.join(folder, "a.txt"), b"hello").read_text()
    'hello'
    """
    path = Path(path)
    # Through every symbolic link to the real file: os.replace on the link itself would swap the
    # link for a plain file and leave the file it pointed to holding the old contents.
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(f"{who}: {str(path)!r} is a folder; give a file name inside it")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{who}: the folder {str(target.parent)!r} does not exist; create it first")
    mode = _mode_of(who, path, target)
    if mode is not None and not os.access(target, os.W_OK):
        # Writing in place would fail here; replacing the file would quietly overrule its read-only mode.
        raise PermissionError(f"{who}: {str(path)!r} is read-only; make it writable or write elsewhere")
    fd, tmp = _create_temporary_file(who, target)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if mode is not None:
                os.chmod(tmp, mode)  # os.replace gives the file the temporary file's mode: keep the old one
            os.fsync(f.fileno())
        os.replace(tmp, target)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _mode_of(who: str, path: Path, target: Path) -> int | None:
    """The permission bits of the file at `target`, or None when there is no file yet."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        # Replacing /dev/null or a named pipe with a file would break whatever relies on it.
        raise ValueError(f"{who}: {str(path)!r} is not a regular file (a device, pipe or socket); write to a file")
    return stat.S_IMODE(info.st_mode)


def _create_temporary_file(who: str, target: Path) -> tuple[int, str]:
    """A new empty file beside `target`, opened for writing, whose permissions the umask decides.

    Not tempfile.mkstemp: it creates files with mode 0o600, which os.replace would pass on to a
    new file. Opening with 0o666 lets the operating system apply the umask, as for open().
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # O_EXCL: never reuse a name
    for _ in range(100):
        name = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue
    raise FileExistsError(f"{who}: could not find a free temporary file name in {str(target.parent)!r}")
