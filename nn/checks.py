"""Checks for the numbers nn is given, with errors that say which argument was wrong and why."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.value import to_float


def real_number(x: Any, what: str) -> float:
    """`x` as a float if it is a real number (int, float, bool, NumPy number), for data such as targets.

    TypeError naming `what` for anything else; OverflowError for an int past float range
    (float(10**400) has no answer). nan and inf pass: in data they propagate, as in PyTorch.

    >>> real_number(3, "mse: target[0]")
    3.0
    """
    try:
        return to_float(x, what)
    except OverflowError:
        raise OverflowError(f"{what}: {_describe_huge(x)} is too large for a float (max ~1.8e308)") from None


def finite_number(x: Any, what: str) -> float:
    """`x` as a float if it is a finite real number and not a bool, for settings and stored weights.

    TypeError for a bool (True is not a learning rate) or a non-number; ValueError for nan, inf
    and ints too large for a float: one such number turns every later result into nan or inf.

    >>> finite_number(1e-3, "SGD: lr")
    0.001
    >>> finite_number(float("nan"), "SGD: lr")
    Traceback (most recent call last):
    ...
    ValueError: SGD: lr must be a finite number, got nan
    """
    if isinstance(x, (bool, np.bool_)) or getattr(getattr(x, "dtype", None), "kind", "") == "b":
        raise TypeError(f"{what} must be a number, not a bool; got {x!r}")
    try:
        number = to_float(x, what)
    except OverflowError:
        raise ValueError(f"{what} must be a finite number, got {_describe_huge(x)}, too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {number!r}")
    return number


def short_repr(x: Any, limit: int = 40) -> str:
    """repr(x), cut to `limit` characters so an error message stays one line.

    >>> short_repr(list(range(100)))
    '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11...'
    """
    shown = repr(x)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _describe_huge(x: Any) -> str:
    # Not repr(x): a 400-digit int would fill the message.
    if isinstance(x, int):
        try:
            return f"an int of {len(str(abs(x)))} digits"
        except ValueError:  # Python refuses to write out an int of more than 4300 digits
            return "an int of more than 4300 digits"
    return f"a {type(x).__name__}"
