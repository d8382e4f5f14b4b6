"""Activation functions by name, as used by `Neuron`, `Layer` and `MLP`."""

from __future__ import annotations

from collections.abc import Callable

from autograd import Value
from nn.checks import shown


def _linear(z: Value) -> Value:
    return z


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": _linear,
}


def get_activation(name: str | Callable[[Value], Value]) -> Callable[[Value], Value]:
    """The activation called `name` (a callable, such as a custom op, is used as it is).

    ValueError listing the choices for an unknown name; TypeError for something that is neither a name
    nor callable.

    >>> get_activation("tanh")(Value(0.0)).data
    0.0
    """
    if callable(name):
        return name
    choices = ", ".join(repr(n) for n in ACTIVATIONS)
    if not isinstance(name, str):
        got = shown(name)
        raise TypeError(f"activation must be a name ({choices}) or a function of a Value, got {got}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {choices}") from None
