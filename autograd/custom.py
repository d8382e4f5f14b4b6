"""`op()`: define a new scalar op, which then behaves exactly like a built-in one."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from autograd import ops
from autograd.nodes import apply
from autograd.value import Value, to_float


def op(name: str, forward: Callable[..., float], derivative: Callable[..., Any]) -> Callable:
    """Add an op to the table and return a function that applies it to Values or numbers.

    `forward(*xs)` computes the result from floats; `derivative(*xs, out)` returns the local
    partials d out / d x_i (a bare number for one input). Written with ordinary arithmetic
    (and `autograd.floats.exp`, `log`, ...), the same rule serves plain backward and
    `create_graph=True`.

    >>> cube = op("cube", lambda x: x**3, lambda x, out: 3 * x**2)
    >>> y = cube(Value(2.0))
    >>> y.backward()
    >>> y.data, y.parents[0].grad
    (8.0, 12.0)
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"op() needs a non-empty str name, got {name!r}")
    if name in ops.BUILTIN_NAMES:
        raise ValueError(f"op(): {name!r} is a built-in op; choose another name")
    for role, fn in (("forward", forward), ("derivative", derivative)):
        if not callable(fn):
            raise TypeError(f"op({name!r}): {role} must be callable, got {type(fn).__name__}")

    def checked_forward(*xs: float) -> float:
        # A user's forward may return an int or a NumPy scalar: store a float like every node.
        return to_float(forward(*xs), f"op {name!r} forward result")

    def checked_derivative(*xs_and_out: Any) -> Any:
        # A rule that returns too few slopes, or an array, would otherwise leave a wrong
        # gradient or an array in .grad without a word: check what it gave, every time.
        return _check_slopes(name, derivative(*xs_and_out), len(xs_and_out) - 1)

    entry = ops.register(name, checked_forward, checked_derivative, f"custom op {name!r}")
    return OpFunction(entry, _argument_names(forward))


def _argument_names(forward: Callable) -> tuple[str, ...] | None:
    """The names of forward's arguments (x for lambda x: ...), or None if it takes any number or has no signature."""
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters):
        return None
    return tuple(p.name for p in parameters)


class OpFunction:
    """The function `op()` returns: applies its op to Values or numbers. Pickled by the op's name, like its nodes.

    It takes the arguments its forward takes, by the same names (gradcheck names its rows by them).
    """

    def __init__(self, entry: ops.Op, names: tuple[str, ...] | None = None) -> None:
        self.op = entry
        self.__name__ = entry.name
        self.__doc__ = f"Apply the custom op {entry.name!r}."
        self.names = names
        if names is not None:
            self.__signature__ = inspect.Signature(
                [inspect.Parameter(n, inspect.Parameter.POSITIONAL_ONLY) for n in names])

    def __call__(self, *inputs: Any) -> Value:
        return apply(self.op, *inputs)

    def __repr__(self) -> str:
        return f"<op {self.__name__!r}>"

    def __reduce__(self) -> tuple:
        return (OpFunction, (self.op, self.names))  # the op pickles by name (autograd/ops.py)

    def __deepcopy__(self, memo: dict) -> OpFunction:
        return self  # a definition, shared by copies (as copy.deepcopy shares plain functions)


def _check_slopes(name: str, slopes: Any, inputs: int) -> Any:
    """The rule's result as the engine wants it: a number for one input, else a tuple of one per input.

    Numbers become floats; Values (from `grad(..., create_graph=True)`) stay Values.
    """
    if isinstance(slopes, (tuple, list)):
        given = list(slopes)
    elif inputs == 1:
        given = [slopes]
    else:
        raise TypeError(
            f"op {name!r}: derivative must return a tuple of {inputs} slopes (one per input),"
            f" got {type(slopes).__name__}"
        )
    if len(given) != inputs:
        raise TypeError(
            f"op {name!r}: derivative returned {len(given)} slope(s) for {inputs} input(s); return one per input"
        )
    checked = tuple(s if isinstance(s, Value) else to_float(s, f"op {name!r} derivative (slope {i})")
                    for i, s in enumerate(given))
    return checked[0] if inputs == 1 else checked
