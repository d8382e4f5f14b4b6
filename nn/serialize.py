"""Save a model's parameters to JSON and load them back, atomically and with clear errors."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from nn.module import Module

FORMAT = "scalar-autograd-model"
VERSION = 1


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's parameters to `path` as JSON.

    Atomic: the text goes to a temporary file in the same folder, is flushed to disk, then
    renamed over `path`, so a crash mid-write leaves the old file (or none), never half a file.
    """
    state = model.state_dict()
    bad = [name for name, value in state.items() if not math.isfinite(value)]
    if bad:
        raise ValueError(f"save: parameters {bad[:4]} are not finite (nan or inf); nothing was written")
    document = {"format": FORMAT, "version": VERSION, "model": repr(model), "parameters": state}
    text = json.dumps(document, indent=1)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(model: Module, path: str | os.PathLike) -> None:
    """Set the model's parameters from a file written by `save`.

    A missing, truncated, corrupted or mismatched file raises an error naming the problem,
    and the model is left exactly as it was.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load: no model file at {str(path)!r}; check the path or save a model first")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"load: {str(path)!r} is not a valid model file (truncated or corrupted JSON: {error})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"load: {str(path)!r} is not a model file written by nn.save (no {FORMAT!r} header)")
    if document.get("version") != VERSION:
        found = document.get("version")
        raise ValueError(f"load: {str(path)!r} has format version {found!r}; this library reads {VERSION}")
    state = document.get("parameters")
    if not isinstance(state, dict):
        raise ValueError(f"load: {str(path)!r} has no 'parameters' table")
    try:
        model.load_state_dict(state)
    except ValueError as error:
        raise ValueError(
            f"load: {str(path)!r} holds {document.get('model', 'a model')}, which does not fit {model!r}:"
            f" {error}"
        ) from None
