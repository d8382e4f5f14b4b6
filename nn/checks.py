"""Checks for the numbers nn is given, with errors that say which argument was wrong and why."""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from typing import Any

import numpy as np

from autograd.value import shown, to_float

# Collections that are no list of numbers in order: iterating a dict gives its keys (softmax of
# {"cat": 2.0, "dog": 1.0} would read the names), and a set's order changes from run to run.
SETS_AND_MAPPINGS = (Mapping, Set)


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
        raise OverflowError(f"{what}: an {shown(x)} is too large for a float (max ~1.8e308)") from None


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
        raise ValueError(f"{what} must be a finite number, got an {shown(x)}, too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, got {number!r}")
    return number


def number_array(x: Any, what: str, ndim: int | None = None, stored: bool = False) -> np.ndarray:
    """x as a new float64 array of real numbers, with `ndim` dimensions when given.

    `stored=True` is for weights: every entry a finite number and not a bool, as load_state_dict
    requires. Otherwise (data) bools count as 0 and 1 and nan and inf pass, as they do for Value.
    An entry that is not a number is named by its position.

    >>> number_array([[1, 2]], "weights[0]", ndim=2, stored=True)
    array([[1., 2.]])
    """
    # Checked before converting: np.asarray(None, dtype=float) is a silent nan, and strs or objects
    # would fail inside NumPy with a message that does not say which argument was wrong.
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{what} must be an array of numbers, got {type(x).__name__}")
    # Lists are read entry by entry (an object array): NumPy alone would turn a bool or None among
    # floats into 1.0 or nan. An array of numbers is taken as it is.
    try:
        a = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)
    except ValueError as error:  # ragged nested lists NumPy cannot place
        raise ValueError(f"{what} is not a regular array: {error}") from None
    if a.dtype == object and any(isinstance(v, (list, tuple, np.ndarray)) for v in a.flat):
        raise ValueError(f"{what} is not a regular array: its rows have different lengths")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{what} must be {ndim}-D, got shape {a.shape}")
    if a.dtype.kind not in "biuf":  # one by one, so the message names the entry that is not a number
        check = finite_number if stored else real_number
        return np.array([check(v, f"{what}{list(i)}") for i, v in np.ndenumerate(a)], dtype=float).reshape(a.shape)
    if stored and (a.dtype.kind == "b" or not np.isfinite(a).all()):
        i = next(i for i, v in np.ndenumerate(a) if a.dtype.kind == "b" or not np.isfinite(v))
        finite_number(a[i], f"{what}{list(i)}")  # raises, saying what is wrong with it
    return a.astype(float)
