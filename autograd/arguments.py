"""Checking what the public functions are given, with errors that name the function and the argument.

A wrong argument should fail where it is passed, saying what was expected, not three calls
deeper with a message about `len()` or `NoneType` that names nothing the learner wrote.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Set
from typing import Any

from autograd.value import Value, shown


def sequence(who: str, what: str, xs: Any) -> list:
    """xs as a list, if it is a list, tuple or other collection of items (not a str, a number or a Value).

    >>> sequence("dot", "weights", (1, 2))
    [1, 2]
    """
    # A dict would give its keys, and a set its own order (another each run): neither is a list.
    if isinstance(xs, (str, bytes, Value, Mapping, Set)) or not isinstance(xs, Iterable):
        raise TypeError(f"{who}: {what} must be a list or tuple, got {shown(xs)}")
    return list(xs)


def values(who: str, what: str, xs: Any) -> list[Value]:
    """xs as a list of Values, or a TypeError naming the first item that is not one.

    >>> values("grad", "inputs", [1.0])
    Traceback (most recent call last):
    ...
    TypeError: grad: inputs[0] must be a Value, got float 1.0
    """
    items = sequence(who, what, xs)
    for i, x in enumerate(items):
        if not isinstance(x, Value):
            raise TypeError(f"{who}: {what}[{i}] must be a Value, got {shown(x)}")
    return items


def count(who: str, what: str, n: Any, least: int = 1) -> int:
    """n as an int if it is a whole number >= least (NumPy integers too, bools not).

    >>> count("draw_dot", "max_nodes", 0)
    Traceback (most recent call last):
    ...
    ValueError: draw_dot: max_nodes must be >= 1, got 0
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{who}: {what} must be a whole number, got {shown(n)}")
    if n < least:
        raise ValueError(f"{who}: {what} must be >= {least}, got {n!r}")
    return int(n)


def function(who: str, what: str, f: Any) -> Callable:
    """f itself, if it can be called."""
    if not callable(f):
        raise TypeError(f"{who}: {what} must be a function, got {shown(f)}")
    return f
