"""Losses over lists of Values (targets may be plain numbers); each returns one Value."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd import Value, ops, sum_values
from autograd.nodes import apply, constant
from nn.checks import SETS_AND_MAPPINGS, real_number, shown
from nn.multiclass import cross_entropy


def _pair(
    pred: Any, target: Any, loss: str, names: tuple[str, str] = ("predictions", "targets"),
    given_target: Callable[[Value, int], Value] | None = None,
) -> tuple[list[Any], list[Any]]:
    pred, target = _as_values(pred, names[0], loss), _as_values(target, names[1], loss, given_target)
    if len(pred) != len(target):
        raise ValueError(f"{loss}: got {len(pred)} {names[0]} but {len(target)} {names[1]}; they must match")
    if not pred:
        raise ValueError(f"{loss}: needs at least one prediction, got none")
    return pred, target


def _as_values(items: Any, what: str, loss: str, given: Callable[[Value, int], Value] | None = None) -> list[Any]:
    """`items` as a list of Values, numbers made constants; one Value or number counts as a list of one.

    Checked here so that a str or None among them is named by the loss, not by Value() deep inside.
    `given(v, i)`, if given, is what becomes of the i-th item when it is a Value (by default, itself).
    """
    if isinstance(items, (Value, numbers.Real)) or getattr(items, "ndim", None) == 0:  # ndim: NumPy scalars
        items = [items]
    elif isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        got = shown(items)
        raise TypeError(f"{loss}: {what} must be a list of numbers or Values, got {got}")
    elif isinstance(items, SETS_AND_MAPPINGS):  # a dict would give its keys, a set an order of its own
        raise TypeError(
            f"{loss}: {what} must be a list or tuple of numbers or Values, in order; got a {type(items).__name__}")
    return [(x if given is None else given(x, i)) if isinstance(x, Value)
            else constant(real_number(x, f"{loss}: {what}[{i}]")) for i, x in enumerate(items)]


def mse(pred: Sequence[Any], target: Sequence[Any], reduction: str = "mean") -> Value:
    """Mean (or sum) of (pred - target)**2; d/dpred_i = 2 (pred_i - target_i) / n (or without / n).

    >>> mse([Value(1.0), Value(3.0)], [0, 1]).data
    2.5
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"mse: reduction must be 'mean' or 'sum', got {reduction!r}")
    pred, target = _pair(pred, target, "mse")
    total = apply(ops.SSE, *pred, *target)  # one fused node, not 2n nodes and a sum
    return total / len(pred) if reduction == "mean" else total


def binary_cross_entropy(pred: Sequence[Any], target: Sequence[Any]) -> Value:
    """Mean of -(t ln p + (1-t) ln(1-p)) for probabilities p; finite even when p is exactly 0 or 1.

    >>> round(binary_cross_entropy([Value(0.5)], [1]).data, 6)
    0.693147
    """
    pred, target = _pair(pred, target, "binary_cross_entropy")
    return sum_values([apply(ops.BCE, p, t) for p, t in zip(pred, target)]) / len(pred)


def hinge(scores: Sequence[Any], labels: Sequence[Any]) -> Value:
    """Mean of relu(1 - label * score) with labels +1 or -1 (the SVM 'max-margin' loss).

    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data
    0.25
    """
    scores, labels = _pair(scores, labels, "hinge", ("scores", "labels"), _label_in_graph)
    for i, y in enumerate(labels):
        _check_label(y.data, i)
    return sum_values([(1 - y * s).relu() for s, y in zip(scores, labels)]) / len(scores)


def _check_label(y: float, i: int) -> None:
    if y not in (1.0, -1.0):
        raise ValueError(f"hinge: labels must be +1 or -1, got {y!r} at index {i}")


def _label_in_graph(y: Value, i: int) -> Value:
    # A number label is checked once, in hinge(). A Value may be fed anew later (a Tape's input):
    # its check goes into the graph as a `label±1` node, which raises whenever its number is not +-1.
    _check_label(y.data, i)
    return apply(ops.LABEL, y)


def l2(params: Iterable[Value]) -> Value:
    """Sum of squares of the parameters (weight decay); d/dp = 2 p.

    >>> l2([Value(3.0), Value(4.0)]).data
    25.0
    """
    return sum_values([p * p for p in _as_values(params, "params", "l2")])


# cross_entropy takes logits and class indices (nn/multiclass.py), the others one target per prediction.
LOSSES = {"mse": mse, "binary_cross_entropy": binary_cross_entropy, "hinge": hinge, "cross_entropy": cross_entropy}


def get_loss(name: str) -> Any:
    """The loss called `name`: ValueError listing the choices for an unknown name, TypeError for a non-str.

    >>> get_loss("mse")([Value(3.0)], [1.0]).data
    4.0
    """
    choices = ", ".join(map(repr, LOSSES))
    if not isinstance(name, str):
        raise TypeError(f"get_loss: the loss must be named by a str ({choices}), got {type(name).__name__}")
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {choices}") from None
