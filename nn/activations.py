"""Activation functions by name, as used by `Neuron`, `Layer` and `MLP`."""

from __future__ import annotations

from collections.abc import Callable

from autograd import Value


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

    ValueError listing the choices for an unknown name.

    >>> get_activation("tanh")(Value(0.0)).data
    0.0
    """
    if callable(name):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        choices = ", ".join(repr(n) for n in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of {choices}") from None
