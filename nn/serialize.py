"""Save a model's parameters to JSON and load them back, atomically and with clear errors."""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from nn.module import Module

FORMAT = "scalar-autograd-model"
VERSION = 1


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's parameters to `path` as JSON.

    Atomic: the text goes to a temporary file in the same folder, is flushed to disk, then
    renamed over the file, so a crash mid-write leaves the old file (or none), never half a file.
    A symbolic link is followed: the file it points to gets the new weights and the link stays.
    An existing file keeps its permissions; a new one gets the usual 0o666 less the umask.

    >>> import os, tempfile
    >>> from nn import Neuron
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(Neuron(2, seed=0), os.path.join(folder, "neuron.json"))
    ...     os.listdir(folder)
    ['neuron.json']
    """
    _check_model("save", model)
    path = _check_path("save", path)
    state = model.state_dict()
    bad = [name for name, value in state.items() if not math.isfinite(value)]
    if bad:
        raise ValueError(f"save: parameters {bad[:4]} are not finite (nan or inf); nothing was written")
    document = {"format": FORMAT, "version": VERSION, "model": repr(model), "parameters": state}
    text = json.dumps(document, indent=1)
    # Through every symbolic link to the real file: os.replace on the link itself would swap the
    # link for a plain file and leave the file it pointed to holding the old weights.
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(f"save: {str(path)!r} is a folder; give a file name such as 'model.json' inside it")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"save: the folder {str(target.parent)!r} does not exist; create it first")
    mode = _mode_of(path, target)
    if mode is not None and not os.access(target, os.W_OK):
        # Writing in place would fail here; replacing the file would quietly overrule its read-only mode.
        raise PermissionError(f"save: {str(path)!r} is read-only; make it writable or save elsewhere")
    fd, tmp = _create_temporary_file(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            if mode is not None:
                os.chmod(tmp, mode)  # os.replace gives the file the temporary file's mode: keep the old one
            os.fsync(f.fileno())
        os.replace(tmp, target)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(model: Module, path: str | os.PathLike) -> None:
    """Set the model's parameters from a file written by `save`.

    A missing, truncated, corrupted or mismatched file, or one holding a number that is not finite
    (NaN, Infinity, 1e400), raises an error naming the problem, and the model is left exactly as it was.

    >>> import os, tempfile
    >>> from nn import Neuron
    >>> other = Neuron(2, seed=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(Neuron(2, seed=0), os.path.join(folder, "neuron.json"))
    ...     load(other, os.path.join(folder, "neuron.json"))
    >>> other.state_dict() == Neuron(2, seed=0).state_dict()
    True
    """
    _check_model("load", model)
    path = _check_path("load", path)
    if path.is_dir():
        raise IsADirectoryError(f"load: {str(path)!r} is a folder, not a model file")
    if not path.exists():
        raise FileNotFoundError(f"load: no model file at {str(path)!r}; check the path or save a model first")
    if not path.is_file():  # reading a pipe or /dev/zero would wait, or read, forever
        raise ValueError(f"load: {str(path)!r} is not a regular file (a device, pipe or socket)")
    try:
        document = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_refuse_repeated_keys)
    except ValueError as error:  # bad JSON, bad UTF-8, a repeated key, an int of over 4300 digits
        raise ValueError(
            f"load: {str(path)!r} is not a valid model file (truncated or corrupted JSON: {error})"
        ) from None
    except RecursionError:  # json parses nested lists recursively; a model file is two levels deep
        raise ValueError(f"load: {str(path)!r} is not a model file: its JSON is nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {str(path)!r} is not a model file written by nn.save (no {FORMAT!r} header)")
    if document.get("version") != VERSION:
        found = document.get("version")
        raise ValueError(f"load: {str(path)!r} has format version {found!r}; this library reads {VERSION}")
    state = document.get("parameters")
    if not isinstance(state, dict):
        raise ValueError(f"load: {str(path)!r} has no 'parameters' table")
    saved = document.get("model")
    saved = saved if isinstance(saved, str) else "a model"
    try:
        model.load_state_dict(state)  # checks every entry before it assigns any
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"load: {str(path)!r} (which holds {saved}) cannot be loaded into {model!r}: {error}"
        ) from None


def _check_model(who: str, model: Any) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"{who}: model must be an nn Module (such as an MLP), got {type(model).__name__}")


def _check_path(who: str, path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who}: path must be a str or pathlib.Path, got {type(path).__name__} {path!r}")
    if not os.fspath(path):
        raise ValueError(f"{who}: path is empty; give a file name such as 'model.json'")
    return Path(path)


def _mode_of(path: Path, target: Path) -> int | None:
    """The permission bits of the file at `target`, or None when there is no file yet."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        # Replacing /dev/null or a named pipe with a file of weights would break whatever relies on it.
        raise ValueError(f"save: {str(path)!r} is not a regular file (a device, pipe or socket); save to a file")
    return stat.S_IMODE(info.st_mode)


def _create_temporary_file(target: Path) -> tuple[int, str]:
    """A new empty file beside `target`, opened for writing, whose permissions the umask decides.

    Not tempfile.mkstemp: it creates files with mode 0o600, which os.replace would pass on to a
    newly saved model. Opening with 0o666 lets the operating system apply the umask, as for open().
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # O_EXCL: never reuse a name
    for _ in range(100):
        name = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue
    raise FileExistsError(f"save: could not find a free temporary file name in {str(target.parent)!r}")


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; in a model file that would silently drop a weight.
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears more than once")
        seen.add(key)
    return dict(pairs)
