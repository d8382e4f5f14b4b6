"""Numerical gradient checking: the engine's (or your hand-written) gradient against finite differences."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.arguments import function, sequence
from autograd.floats import is_finite
from autograd.graph import grad
from autograd.value import Value, to_float


class GradcheckError(AssertionError):
    """Raised by `gradcheck(..., raise_on_failure=True)`; its message lists the offending entries."""


def numerical_grad(f: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / (2 eps) of f(*Values) -> Value, per input.

    Error ~ eps**2 * f''' / 6 from truncation plus ~1e-16 * |f| / eps from rounding.

    >>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [3.0, 4.0])]
    [4.0, 3.0]
    """
    xs = _point("numerical_grad", f, inputs)
    check_settings("numerical_grad", eps)
    return _central_differences(lambda point: _evaluate(f, point), xs, eps)


def _point(who: str, f: Any, inputs: Any) -> list[float]:
    """The point to check at, as floats, after checking that f is a function and there is an input."""
    function(who, "f", f)
    xs = [to_float(x, f"{who}: inputs[{i}]") for i, x in enumerate(sequence(who, "inputs", inputs))]
    if not xs:
        raise ValueError(f"{who}: needs at least one input number to differentiate at, got none")
    return xs


def check_settings(who: str, eps: Any, atol: Any = 0.0, rtol: Any = 0.0) -> None:
    """eps must be a finite number > 0, the tolerances finite numbers >= 0; else a ValueError saying so.

    >>> check_settings("gradcheck", 0.0)
    Traceback (most recent call last):
    ...
    ValueError: gradcheck: eps must be a finite number > 0 (the finite-difference step; 1e-6 suits float64), got 0.0
    """
    for name, value, least, advice in (
        ("eps", eps, "> 0", "the finite-difference step; 1e-6 suits float64"),
        ("atol", atol, ">= 0", "an absolute tolerance"),
        ("rtol", rtol, ">= 0", "a relative tolerance"),
    ):
        if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":  # NumPy bools too
            raise TypeError(f"{who}: {name} must be a number, not a bool; got {value!r}")
        try:
            number = to_float(value, f"{who}({name}=...)")
        except OverflowError:  # an int past float range
            number = math.inf
        if not is_finite(number) or number < 0.0 or (number == 0.0 and name == "eps"):
            raise ValueError(f"{who}: {name} must be a finite number {least} ({advice}), got {value!r:.40}")


def _central_differences(g: Callable[[list[float]], float], xs: Sequence[float], eps: float) -> list[float]:
    """(g(x + eps e_j) - g(x - eps e_j)) / (2 eps) for each coordinate j of the point xs."""
    slopes = []
    for j in range(len(xs)):
        hi, lo = list(xs), list(xs)
        hi[j] += eps
        lo[j] -= eps
        slopes.append((g(hi) - g(lo)) / (2 * eps))
    return slopes


def _evaluate(f: Callable[..., Value], xs: Sequence[float]) -> float:
    out = f(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        raise TypeError(f"the checked function must return a Value, got {type(out).__name__}")
    return out.data


@dataclass
class Row:
    """One checked entry: its name, where it was evaluated, both derivatives and the errors."""

    name: str
    value: float
    analytic: float
    numeric: float
    ok: bool

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        return self.abs_error / abs(self.numeric) if self.numeric else (0.0 if not self.abs_error else float("inf"))


@dataclass
class GradcheckReport:
    """The result of a check: truthy exactly when every row is within atol + rtol * |numeric|."""

    rows: list[Row]
    eps: float
    atol: float
    rtol: float
    title: str = "gradcheck"
    failures: list[Row] = field(init=False)

    def __post_init__(self) -> None:
        self.failures = [r for r in self.rows if not r.ok]

    def __bool__(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        width = max([len(r.name) + 2 for r in self.rows] + [8])
        verdict = "passed"
        if self.failures:  # named up top, so that a failing row is found even in a long table
            named = ", ".join(r.name for r in self.failures[:5]) + (", ..." if len(self.failures) > 5 else "")
            verdict = f"FAILED for {named}: {len(self.failures)} of {len(self.rows)} entries out of tolerance"
        lines = [
            f"{self.title} {verdict} (eps={self.eps:g}, pass when |analytic - numeric| <= "
            f"{self.atol:g} + {self.rtol:g} * |numeric|)",
            f"  {'':2}{'input':<{width}}{'value':>13}{'analytic':>16}{'numeric':>16}{'abs err':>11}{'rel err':>11}",
        ]
        # In the order of the function's arguments (or the model's parameters), failing rows marked.
        for r in self.rows:
            mark = "  " if r.ok else "✗ "
            lines.append(
                f"  {mark}{r.name:<{width}}{r.value:>13.6g}{r.analytic:>16.9g}{r.numeric:>16.9g}"
                f"{r.abs_error:>11.2e}{r.rel_error:>11.2e}"
            )
        return "\n".join(lines)

    def raise_if_failed(self) -> GradcheckReport:
        """Raise GradcheckError listing the failing entries; return self when all pass."""
        if self.failures:
            bad = "; ".join(f"{r.name}: analytic {r.analytic!r} vs numeric {r.numeric!r}" for r in self.failures)
            raise GradcheckError(f"{self.title} failed for {bad}\n{self}")
        return self


def compare(
    names: Sequence[str], values: Sequence[float], analytic: Sequence[float], numeric: Sequence[float],
    eps: float, atol: float, rtol: float, title: str = "gradcheck",
) -> GradcheckReport:
    """A report from two lists of derivatives (used by every checker here)."""
    if len(analytic) != len(numeric):
        raise ValueError(f"{title}: got {len(analytic)} analytic derivatives for {len(numeric)} inputs")
    rows = [
        Row(n, v, a, nu, abs(a - nu) <= atol + rtol * abs(nu))
        for n, v, a, nu in zip(names, values, (to_float(a, "a gradient entry") for a in analytic), numeric)
    ]
    return GradcheckReport(rows, eps, atol, rtol, title)


def gradcheck(
    f: Callable[..., Value], inputs: Sequence[float], *, grad_fn: Callable[..., Sequence[float]] | None = None,
    eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_on_failure: bool = False,
) -> GradcheckReport:
    """Compare the engine's gradient of f at `inputs` (or `grad_fn(*floats)`, your own) with central differences.

    Defaults follow PyTorch's gradcheck for float64. The report is truthy when all entries pass and
    prints as a table; `raise_on_failure=True` raises GradcheckError instead of returning a failure.

    >>> bool(gradcheck(lambda x: x.tanh(), [0.5]))
    True
    >>> bool(gradcheck(lambda x: x.tanh(), [0.5], grad_fn=lambda x: [1 - x**2]))  # a wrong rule
    False
    """
    xs = _point("gradcheck", f, inputs)
    check_settings("gradcheck", eps, atol, rtol)
    if grad_fn is None:
        analytic = _engine_grad(f, xs)
    else:
        analytic = list(grad_fn(*xs))
    report = compare(argument_names(f, len(xs)), xs, analytic, numerical_grad(f, xs, eps), eps, atol, rtol)
    return report.raise_if_failed() if raise_on_failure else report


def argument_names(f: Callable[..., Any], count: int) -> list[str]:
    """The names of f's first `count` positional arguments: `*args` gives args[0], args[1], ...; x[i] where unknown.

    >>> argument_names(lambda x1, w1, *rest: x1, 4)
    ['x1', 'w1', 'rest[0]', 'rest[1]']
    """
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # a builtin or other callable without a signature Python can read
        parameters = []
    names: list[str] = []
    for p in parameters:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append("x" if p.name == "self" else p.name)  # gradcheck(Value.tanh, ...): self is the input x
        elif p.kind == p.VAR_POSITIONAL:
            names += [f"{p.name}[{i}]" for i in range(count - len(names))]
        if len(names) >= count:
            break
    return names[:count] + [f"x[{i}]" for i in range(len(names), count)]


def gradcheck_second_order(
    f: Callable[..., Value], inputs: Sequence[float], *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check second derivatives: the Hessian from grad(create_graph=True) against differences of the gradient.

    >>> bool(gradcheck_second_order(lambda x, y: x * x * y, [1.5, -2.0]))
    True
    """
    xs = _point("gradcheck_second_order", f, inputs)
    check_settings("gradcheck_second_order", eps, atol, rtol)
    leaves = [Value(x) for x in xs]
    first = grad(f(*leaves), leaves, create_graph=True)
    arguments = argument_names(f, len(xs))
    names, values, analytic, numeric = [], [], [], []
    for i in range(len(xs)):
        analytic += grad(first[i], leaves)  # row i of the Hessian: d2f / dx_i dx_j for every j
        numeric += _central_differences(lambda point, i=i: _engine_grad(f, point)[i], xs, eps)
        names += [f"d2/d{arguments[i]} d{arguments[j]}" for j in range(len(xs))]
        values += xs
    report = compare(names, values, analytic, numeric, eps, atol, rtol, "second-order gradcheck")
    return report.raise_if_failed() if raise_on_failure else report


def _engine_grad(f: Callable[..., Value], xs: Sequence[float]) -> list[float]:
    leaves = [Value(x) for x in xs]
    return grad(f(*leaves), leaves)
