"""Floats for the op table: helpers that work on floats and Values alike, domain-checked forwards,
and the one policy for numbers that are not finite (described at the top of autograd/ops.py).
"""

from __future__ import annotations

import math
from typing import Any

# ---------------------------------------------------------------------------
# Helpers for writing rules: each takes a float or a Value and returns the same kind.
# `type(x) is float` is the test because a plain backward pass hands rules floats only.


def value_of(x: Any) -> float:
    """The number inside x: x itself for a float, x.data for a Value (for piecewise rules)."""
    return x if type(x) is float else x.data


def pow_of(x: Any, e: float) -> Any:
    """x ** e on a float or a Value, for derivative rules such as k x**(k-1).

    On floats, where Python raises (0 to a negative power, a result past float range) this gives
    the infinity C's pow gives, so an infinite slope meets the non-finite policy like any other
    and raises one error naming the op, not a ZeroDivisionError about a power nobody wrote.

    >>> pow_of(0.0, -0.5), pow_of(-0.0, -1.0), pow_of(2.0, 3.0)
    (inf, -inf, 8.0)
    """
    if type(x) is not float:
        return x**e
    try:
        return x**e
    except (ZeroDivisionError, OverflowError):  # 0 ** negative, or past float range: an infinity
        odd = float(e).is_integer() and e % 2.0 == 1.0  # x**e keeps the sign of x only for an odd whole e
        return -math.inf if odd and math.copysign(1.0, x) < 0.0 else math.inf


def divide(a: float, b: Any) -> Any:
    """a / b on a float or a Value, for derivative rules such as 1/(2 sqrt x); on floats, a / 0 is C's infinity.

    >>> divide(0.5, 0.0), divide(0.5, -0.0), divide(1.0, 4.0)
    (inf, -inf, 0.25)
    """
    if type(b) is float and b == 0.0:
        return math.copysign(math.inf, b) * math.copysign(1.0, a) if a != 0.0 else math.nan
    return a / b


def exp(x: Any) -> Any:
    """e**x on a float or a Value."""
    return _exp(x) if type(x) is float else x.exp()


def log(x: Any) -> Any:
    """Natural log on a float or a Value."""
    return _log(x) if type(x) is float else x.log()


def sin(x: Any) -> Any:
    """Sine on a float or a Value."""
    return _sin(x) if type(x) is float else x.sin()


def cos(x: Any) -> Any:
    """Cosine on a float or a Value."""
    return _cos(x) if type(x) is float else x.cos()


# Piecewise helpers: on a float, the branch taken here and now (plain backward); on a Value, a node
# of the op table's row of the same name, which takes the branch again wherever the graph is computed
# (a differentiable backward graph replayed by a Tape at other numbers). See autograd/ops.py.


def _row(name: str, *xs: Any) -> Any:
    from autograd import nodes, ops  # both import this module

    return nodes.apply(ops.OPS[name], *xs)


def _heaviside(x: float) -> float:
    # A nan falls through both tests (every comparison with nan is False) to nan.
    return 1.0 if x > 0.0 else (0.0 if x <= 0.0 else math.nan)


def _signum(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else math.nan))


def _larger(a: float, b: float) -> float:
    return b if a <= b else (a if a > b else math.nan)


def step(x: Any) -> Any:
    """1 for x > 0, 0 for x <= 0, nan at nan: relu's slope (0 at the kink).

    >>> step(2.0), step(0.0), step(-1.0)
    (1.0, 0.0, 0.0)
    """
    return _heaviside(x) if type(x) is float else _row("step", x)


def sign(x: Any) -> Any:
    """1, -1 or 0 for x > 0, < 0 or = 0, nan at nan: abs's slope (0 at 0)."""
    return _signum(x) if type(x) is float else _row("sign", x)


def maximum(a: Any, b: Any) -> Any:
    """The larger of a and b (b at a tie, nan if either is nan); a `max` node if either is a Value.

    >>> maximum(1e-15, 1e-12), maximum(0.25, 1e-12)
    (1e-12, 0.25)
    """
    return _larger(a, b) if type(a) is float and type(b) is float else _row("max", a, b)


# Binary cross-entropy's floors (PyTorch's choices): each log at least -100, and p * (1 - p) at
# least 1e-12, so a sigmoid that rounded to exactly 1.0 gives a large finite loss instead of log(0).
BCE_LOG_FLOOR = -100.0
BCE_FLOOR_AT = math.exp(BCE_LOG_FLOOR)  # ~3.7e-44: at and below it, the floored log is the floor
BCE_EPS = 1e-12


def _log_floor(x: float) -> float:
    return BCE_LOG_FLOOR if x <= BCE_FLOOR_AT else math.log(x)  # log(nan) is nan


def log_floor(x: Any) -> Any:
    """ln x floored at -100 (bce's log): -100 for x <= e**-100, 0 and below included; nan at nan.

    >>> log_floor(1.0), log_floor(0.0)
    (0.0, -100.0)
    """
    return _log_floor(x) if type(x) is float else _row("log_floor", x)


POW_NEGATIVE_BASE = "d/dy of x ** y is undefined for x < 0 (x**y exists there only at whole y)"


def _log0(x: float) -> float:
    if x < 0.0:
        raise domain_error("log0", POW_NEGATIVE_BASE.replace("x ** y", "x ** y, out * log0(x),"), x)
    return math.log(x) if x > 0.0 else (0.0 if x == 0.0 else math.nan)


def log0(x: Any) -> Any:
    """ln x for x > 0, 0 at x = 0 (d/dy of x ** y is x**y * log0(x)); ValueError for x < 0.

    >>> log0(1.0), log0(0.0)
    (0.0, 0.0)
    """
    return _log0(x) if type(x) is float else _row("log0", x)


def domain_error(op: str, requirement: str, value: float) -> ValueError:
    """The error an op raises for input outside its domain, naming the op and the value."""
    return ValueError(f"{op}: {requirement}, got {value!r}")


def is_finite(x: float) -> bool:
    """Neither inf nor nan: x - x is 0.0 exactly for every finite float (cheaper than math.isfinite)."""
    return x - x == 0.0


def refuse_non_finite(what: str, inputs: tuple, result: float) -> None:
    """The policy for a non-finite `result`: raise if every input was finite, else let it flow on.

    `what` names the step ("*", "backward through '/'"); `inputs` are the numbers it read.

    >>> refuse_non_finite("*", (1e200, 1e200), math.inf)
    Traceback (most recent call last):
    ...
    OverflowError: *: the result overflows float64 (inf) at finite inputs (1e+200, 1e+200); rescale the inputs
    >>> refuse_non_finite("*", (math.nan, 2.0), math.nan)  # a nan that was already there: no error
    """
    if not all(is_finite(x) for x in inputs):
        return
    shown = ", ".join(map(repr, inputs))
    if result != result:
        raise ValueError(f"{what}: the result is undefined (nan) at finite inputs ({shown})")
    raise OverflowError(
        f"{what}: the result overflows float64 ({result}) at finite inputs ({shown}); rescale the inputs"
    )


# ---------------------------------------------------------------------------
# Forward functions that need care: domain checks and overflow-free formulas.

EXP_MAX = math.log(1.7976931348623157e308)  # ~709.78: exp of anything larger overflows float64


def _exp(x: float) -> float:
    # Decision: past float range exp raises instead of returning inf, because an inf
    # would silently turn every gradient behind it into nan.
    if x > EXP_MAX and x != math.inf:  # exp(inf) = inf: an inf already there flows on
        raise OverflowError(
            f"exp: result overflows float64 for input {x!r} (largest allowed is {EXP_MAX:.2f});"
            " rescale the input, or use sigmoid/tanh, which never overflow"
        )
    return math.exp(x)


def _log(x: float) -> float:
    if x <= 0.0:
        raise domain_error("log", "input must be > 0", x)
    return math.log(x)


def _sin(x: float) -> float:
    return math.sin(x) if is_finite(x) else math.nan  # math.sin(inf) raises; IEEE and PyTorch give nan


def _cos(x: float) -> float:
    return math.cos(x) if is_finite(x) else math.nan


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise domain_error("sqrt", "input must be >= 0", x)
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument: no overflow at +-1000.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _check_pow(base: float, exponent: float) -> None:
    if base == 0.0 and exponent < 0.0:
        raise domain_error("pow", f"zero cannot be raised to a negative power ({exponent!r})", base)
    # A nan or inf exponent flows on (nan in, nan out); a finite one must be whole for a negative base.
    if base < 0.0 and is_finite(exponent) and not float(exponent).is_integer():
        raise domain_error(
            "pow", f"a negative base needs an integer exponent, not {exponent!r}", base
        )


def _pow(base: float, exponent: float) -> float:
    _check_pow(base, exponent)
    try:
        return base**exponent
    except OverflowError:
        raise OverflowError(f"pow: {base!r} ** {exponent!r} overflows float64") from None


def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / 0.0)")
    return a / b
