"""Save a model's parameters to JSON and load them back, atomically and with clear errors."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from autograd.files import write_atomically
from nn.module import Module

FORMAT = "scalar-autograd-model"
VERSION = 1


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's parameters to `path` as JSON.

    Atomic (autograd/files.py): the text goes to a temporary file in the same folder, is flushed
    to disk, then renamed over the file, so a crash mid-write leaves the old file (or none), never
    half a file. A symbolic link is followed: the file it points to gets the new weights and the
    link stays. An existing file keeps its permissions; a new one gets 0o666 less the umask.

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
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "model": repr(model)}
    if (names := activations(model)) is not None:  # checked by load: weights mean nothing under another activation
        document["activations"] = names
    document["parameters"] = state
    text = json.dumps(document, indent=1)
    write_atomically("save", path, text.encode("utf-8"))


def load(model: Module, path: str | os.PathLike) -> None:
    """Set the model's parameters from a file written by `save`.

    A missing, truncated, corrupted or mismatched file (other parameters, or layers saved with another
    activation: the weights of a tanh network mean nothing in a relu one), or one holding a number that
    is not finite (NaN, Infinity, 1e400), raises an error naming the problem, and the model is left
    exactly as it was.

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
    if set(state) == {name for name, _ in model.named_parameters()}:  # else load_state_dict says what differs
        _check_activations(path, document, saved, model)
    try:
        model.load_state_dict(state)  # checks every entry before it assigns any
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"load: {str(path)!r} (which holds {saved}) cannot be loaded into {model!r}: {error}"
        ) from None


def activations(model: Module) -> list[str | None] | None:
    """The activation of each layer of neurons, by name (None for a function without one), or None for another Module.

    >>> from nn import MLP
    >>> activations(MLP(2, [3, 3, 1], activation="tanh"))
    ['tanh', 'tanh', 'linear']
    """
    from nn.layers import MLP, Layer, Neuron  # layers.py is the heavier import; serialize is imported by nn first

    if isinstance(model, MLP):
        return [_name_of(layer.neurons[0].activation) for layer in model.layers]
    if isinstance(model, Layer):
        return [_name_of(model.neurons[0].activation)]
    if isinstance(model, Neuron):
        return [_name_of(model.activation)]
    return None


def _name_of(activation: Any) -> str | None:
    # A name as given ('tanh'), a function's own name (Value.tanh is 'tanh', a custom op its name); a lambda has none.
    name = activation if isinstance(activation, str) else getattr(activation, "__name__", None)
    return name if isinstance(name, str) and name != "<lambda>" else None


def _check_activations(path: Path, document: dict, saved: str, model: Module) -> None:
    """Refuse a file whose layers had other activations than the model's: its weights would mean something else."""
    here = activations(model)
    if here is None:
        return
    there = document.get("activations")
    if there is None:  # a file from before the field: the model's description holds them
        there = _activations_described(saved, len(here))
    elif not (isinstance(there, list) and len(there) == len(here) and all(isinstance(a, str | None) for a in there)):
        raise ValueError(f"load: {str(path)!r} is not a valid model file: its 'activations' entry is {there!r:.80}")
    for layer, (theirs, ours) in enumerate(zip(there, here)):
        if theirs is not None and ours is not None and theirs != ours:
            where = f"layer {layer}" if len(here) > 1 else "the activation"
            raise ValueError(
                f"load: {str(path)!r} holds {saved}, whose weights were learned with activation {theirs!r}"
                f" ({where}), but the model is {model!r}, which uses {ours!r} there; build the model with the"
                f" file's activations and load into that (nothing was changed)"
            )


def _activations_described(saved: str, layers: int) -> list[str | None]:
    """Each layer's activation read from a saved description such as "MLP(2, [3, 1], activation='tanh', ...)"."""
    named = dict(re.findall(r"\b(activation|output_activation)='([^']*)'", saved))
    hidden, last = named.get("activation"), named.get("output_activation", named.get("activation"))
    return [hidden] * (layers - 1) + [last]


def _check_model(who: str, model: Any) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"{who}: model must be an nn Module (such as an MLP), got {type(model).__name__}")


def _check_path(who: str, path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{who}: path must be a str or pathlib.Path, got {type(path).__name__} {path!r}")
    if not os.fspath(path):
        raise ValueError(f"{who}: path is empty; give a file name such as 'model.json'")
    return Path(path)


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys; in a model file that would silently drop a weight.
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears more than once")
        seen.add(key)
    return dict(pairs)
