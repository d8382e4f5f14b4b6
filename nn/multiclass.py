"""Multi-class classification: softmax and the cross-entropy loss over a network's logits.

A classifier with n classes ends in n linear outputs, the logits z_1..z_n. softmax turns them
into probabilities; the loss of an example of class c is -ln softmax(z)_c, written as one node
of the op table (`xent[c]` in autograd/ops.py) whose slope is softmax(z) - one-hot(c).
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Value, ops, sum_values
from autograd.nodes import apply, constant
from nn.checks import SETS_AND_MAPPINGS, real_number, shown


def _logits(items: Any, who: str, where: str = "logits") -> list[Value]:
    """One example's logits as a list of Values (numbers made constants), with errors naming `who`."""
    if isinstance(items, (Value, str, bytes)) or not hasattr(items, "__iter__") or getattr(items, "ndim", 1) == 0:
        got = shown(items)
        raise TypeError(f"{who}: {where} must be a list of numbers or Values (one per class), got {got}")
    if isinstance(items, SETS_AND_MAPPINGS):  # a dict's iteration gives its keys; a set's order is arbitrary
        raise TypeError(f"{who}: {where} must be a list or tuple, in class order, got a {type(items).__name__}")
    zs = []
    for i, z in enumerate(items):
        if not isinstance(z, Value):
            if isinstance(z, (list, tuple, np.ndarray)):
                raise TypeError(
                    f"{who}: {where}[{i}] is a {type(z).__name__}, not a number: for a batch of examples,"
                    " pass a list of targets too (one class index per example)"
                )
            z = constant(real_number(z, f"{who}: {where}[{i}]"))
        zs.append(z)
    if not zs:
        raise ValueError(f"{who}: {where} is empty; an example needs one logit per class (at least one)")
    return zs


def _class_index(target: Any, classes: int, who: str) -> int:
    """`target` as an int in [0, classes), or an error saying what it is and what is needed."""
    if isinstance(target, (bool, np.bool_)):
        raise TypeError(f"{who}: {target!r} is a bool, not a class index; pass the class as an int (0, 1, ...)")
    try:
        index = operator.index(target)  # int and NumPy integers; not floats, even 1.0
    except TypeError:
        hint = f" (use int({target!r}) if your labels are floats)" if isinstance(target, float) else ""
        got = shown(target)
        raise TypeError(f"{who}: a target must be an int class index, got {got}{hint}") from None
    if not 0 <= index < classes:
        raise ValueError(
            f"{who}: a target must be a class index in [0, {classes}) for {classes} logits, got {index}"
        )
    return index


def softmax(logits: Sequence[Any]) -> list[Value]:
    """e**z_i / (e**z_1 + ... + e**z_n): probabilities from logits; d p_i/dz_j = p_i ([i = j] - p_j).

    The largest logit is taken out first (softmax does not change when every z shifts by the same
    number), so no exp ever sees a positive number: logits of +-1000 neither overflow nor give nan,
    and softmax([1e308, -1e308]) is [1, 0], as in PyTorch.

    >>> [round(p.data, 4) for p in softmax([Value(1000.0), Value(0.0), Value(1000.0)])]
    [0.5, 0.0, 0.5]
    """
    zs = _logits(logits, "softmax")
    # One node per probability, each reading every logit (`softmax[i]` in autograd/ops.py): the largest
    # logit is taken out inside the op, at every run, never frozen in as a number read from .data.
    return [apply(ops.softmax(i), *zs) for i in range(len(zs))]


def cross_entropy(logits: Sequence[Any], target: Any, reduction: str = "mean") -> Value:
    """-ln softmax(z)_c for logits z and class c; d/dz_i = softmax(z)_i - [i = c] (PyTorch's F.cross_entropy).

    One example: `logits` a list of Values (one per class), `target` an int class index, or a
    Value holding one (no gradient flows into it): then one example's loss graph serves every
    class, as a Tape replaying it over a batch needs. A batch: a list of such lists and a list of
    targets, and the loss is their mean (reduction="mean") or sum ("sum"). Stable for logits of
    any size (the largest is taken out before exp).

    >>> round(cross_entropy([Value(2.0), Value(0.0), Value(-1.0)], 0).data, 6)
    0.169846
    >>> label = Value(2.0)
    >>> round(cross_entropy([Value(2.0), Value(0.0), Value(-1.0)], label).data, 6)
    3.169846
    >>> round(cross_entropy([[Value(0.0), Value(0.0)], [Value(1000.0), Value(-1000.0)]], [1, 0]).data, 6)
    0.346574
    """
    who = "cross_entropy"
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{who}: reduction must be 'mean' or 'sum', got {shown(reduction)}")
    if isinstance(target, (list, tuple)) or getattr(target, "ndim", 0) > 0:  # a batch: one target per example
        return _batch(logits, target, reduction, who)
    zs = _logits(logits, who)
    if isinstance(target, Value):  # the class as an input: the op checks it again at every replay
        number = target.data
        if not (isinstance(number, float) and number.is_integer()):
            raise TypeError(f"{who}: a target Value must hold a whole number (a class index), got {shown(number)}")
        _class_index(int(number), len(zs), who)
        return apply(ops.XENT_OF_CLASS, *zs, target)
    return apply(ops.xent(_class_index(target, len(zs), who)), *zs)  # mean or sum of one loss: the loss


def _batch(logits: Any, targets: Any, reduction: str, who: str) -> Value:
    if isinstance(logits, (Value, str, bytes)) or not hasattr(logits, "__iter__") or getattr(logits, "ndim", 1) == 0:
        got = shown(logits)
        raise TypeError(f"{who}: with a list of targets, logits must be a list of examples' logits, got {got}")
    logits = list(logits)
    if len(logits) and isinstance(logits[0], (Value, numbers.Real)):
        raise TypeError(
            f"{who}: with a list of targets, logits must hold one list of logits per example, but logits[0] is a"
            f" {type(logits[0]).__name__}; for one example, pass its class as an int"
        )
    if len(logits) != len(targets):
        raise ValueError(
            f"{who}: got {len(logits)} examples of logits but {len(targets)} targets; pass one target per example"
        )
    if len(logits) == 0:
        raise ValueError(f"{who}: the batch is empty (no logits, no targets); pass at least one example")
    rows = [_logits(row, who, f"logits[{k}]") for k, row in enumerate(logits)]
    for k, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise ValueError(
                f"{who}: every example needs the same number of logits (one per class), but logits[0] has"
                f" {len(rows[0])} and logits[{k}] has {len(row)}"
            )
    classes = [_class_index(t, len(rows[0]), f"{who}: targets[{k}]") for k, t in enumerate(targets)]
    total = sum_values([apply(ops.xent(c), *row) for row, c in zip(rows, classes)])
    return total / len(rows) if reduction == "mean" else total
