"""The op table: every scalar operation of the engine and its local derivative, on one page.

Each entry is an `Op`: a name, a `forward(*xs)` that computes the result from floats,
and a `derivative(*xs, out)` that returns the local partial derivatives
d out / d x_i, one per input (a bare number for a one-input op).

A derivative rule is written with ordinary arithmetic and the helper functions of
autograd/floats.py (`exp`, `log`, `sin`, `cos`, ...), which work on floats and on `Value`s alike.
So one rule serves both kinds of backward pass:

- plain `backward()` calls it with floats and gets floats (fast);
- `grad(..., create_graph=True)` calls it with `Value`s and gets `Value`s, which are
  themselves differentiable: that is how second derivatives come for free.

Rules only *return* local derivatives; the engine multiplies them by the upstream
gradient and accumulates (the chain rule lives in one place, `autograd/graph.py`).

Numbers that are not finite, one policy for every op, forward and backward:

- When every input of a step is finite but its result is not, the step raises, naming
  the op and its inputs: `OverflowError` for an infinity (`1e200 * 1e200`, `exp(1000)`,
  the slope of `1/x` at x = 1e-200), `ValueError` for a nan (`x ** y` differentiated
  in y at a negative x). An inf would otherwise turn every gradient behind it into nan
  with no hint of where it began. `refuse_non_finite` (autograd/floats.py) is that rule;
  the node makers (`autograd/nodes.py`) and the backward passes (`autograd/graph.py`) call it.
- A nan or inf that is already there (a nan in the data, say) flows on, as in PyTorch:
  nan in, nan out. A slope that reads a nan input is nan, piecewise ones included
  (relu'(nan) is nan, not 0); a slope that does not read it stays (d(a*b)/da = b).
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from autograd.floats import (
    BCE_EPS,
    BCE_FLOOR_AT,
    BCE_LOG_FLOOR,
    POW_NEGATIVE_BASE,
    _cos,
    _div,
    _exp,
    _heaviside,
    _larger,
    _log,
    _log0,
    _log_floor,
    _pow,
    _sigmoid,
    _signum,
    _sin,
    _sqrt,
    cos,
    divide,
    domain_error,
    exp,  # noqa: F401  (no rule here uses it now; custom rules import it from this module)
    log,
    log0,
    log_floor,
    maximum,
    pow_of,
    sign,
    sin,
    step,
    value_of,
)


class Op:
    """One row of the op table: a name, a forward on floats and a local-derivative rule.

    `constant` is a number that is part of the op rather than an input (the k of x ** k, the
    class of a cross-entropy), or None: it is no parent, but the non-finite policy counts it
    as an input, and a Tape records it as a constant operand after the inputs.
    """

    __slots__ = ("constant", "derivative", "doc", "forward", "name")

    def __init__(
        self, name: str, forward: Callable, derivative: Callable, doc: str = "", constant: float | None = None
    ) -> None:
        self.name = name
        self.forward = forward
        self.derivative = derivative
        self.doc = doc
        self.constant = constant

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def inputs(self, numbers: Any) -> tuple:
        """What the non-finite policy counts as this op's inputs: the operands' numbers, and its constant."""
        return (*numbers, self.constant) if self.constant is not None else tuple(numbers)

    # An op is a definition, not data: copies share it, and a pickle names it (its functions may be
    # lambdas, which pickle cannot save); loading finds it in the table by that name.
    def __reduce__(self) -> tuple:
        if OPS.get(self.name) is not self:
            raise pickle.PicklingError(
                f"the op {self.name!r} cannot be pickled: it is not the op of that name in the table"
                " (it was defined again after this node was made)"
            )
        return (op_named, (self.name,))

    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict) -> Op:
        return self


def op_named(name: str) -> Op:
    """The op called `name` in the table: how a pickled node finds its op again.

    >>> op_named("tanh") is TANH
    True
    """
    try:
        return OPS[name]
    except KeyError:
        raise pickle.UnpicklingError(
            f"the op {name!r} is not defined in this process: run op({name!r}, forward, derivative)"
            " (as the program that saved it did) before loading nodes made by it"
        ) from None


OPS: dict[str, Op] = {}  # name -> Op; custom ops join the built-in ones here
BUILTIN_NAMES: set[str] = set()


def register(name: str, forward: Callable, derivative: Callable, doc: str = "") -> Op:
    """Add an op to the table and return it (re-registering a custom name replaces it)."""
    entry = Op(name, forward, derivative, doc)
    OPS[name] = entry
    return entry


def _builtin(name: str, forward: Callable, derivative: Callable, doc: str) -> Op:
    BUILTIN_NAMES.add(name)
    return register(name, forward, derivative, doc)


# ---------------------------------------------------------------------------
# The table. Read each line as: name, forward, local derivative(s).

ADD = _builtin("+", lambda a, b: a + b, lambda a, b, out: (1.0, 1.0), "a + b; d/da = 1, d/db = 1")
SUB = _builtin("-", lambda a, b: a - b, lambda a, b, out: (1.0, -1.0), "a - b; d/da = 1, d/db = -1")
MUL = _builtin("*", lambda a, b: a * b, lambda a, b, out: (b, a), "a * b; d/da = b, d/db = a")
DIV = _builtin("/", _div, lambda a, b, out: (1.0 / b, -out / b), "a / b; d/da = 1/b, d/db = -a/b**2")
NEG = _builtin("neg", lambda a: -a, lambda a, out: -1.0, "-a; d/da = -1")
EXP = _builtin("exp", _exp, lambda x, out: out, "e**x; d/dx = e**x (the output itself)")
LOG = _builtin("log", _log, lambda x, out: 1.0 / x, "ln x for x > 0; d/dx = 1/x")
TANH = _builtin("tanh", math.tanh, lambda x, out: 1.0 - out * out, "tanh x; d/dx = 1 - tanh(x)**2")
SIGMOID = _builtin(
    "sigmoid", _sigmoid, lambda x, out: out * (1.0 - out), "1/(1+e**-x); d/dx = s(x) * (1 - s(x))"
)
RELU = _builtin(
    "relu",
    lambda x: 0.0 if x <= 0.0 else x,  # not `x if x > 0 else 0`: that turns nan into 0
    lambda x, out: step(x),
    "max(0, x); d/dx = step(x): 1 for x > 0, 0 for x <= 0 (relu'(0) = 0 by convention), nan at nan",
)
SQRT = _builtin("sqrt", _sqrt, lambda x, out: divide(0.5, out), "sqrt x for x >= 0; d/dx = 1/(2 sqrt x) (inf at 0)")
SIN = _builtin("sin", _sin, lambda x, out: cos(x), "sin x; d/dx = cos x")
COS = _builtin("cos", _cos, lambda x, out: -sin(x), "cos x; d/dx = -sin x")
ABS = _builtin("abs", abs, lambda x, out: sign(x), "|x|; d/dx = sign(x) (abs'(0) = 0 by convention), nan at nan")

# Piecewise slopes are rows of their own: relu's slope is step(x), abs's is sign(x), bce's floors are
# max and log_floor. A rule that chose its branch in Python (`1.0 if x.data > 0 else 0.0`) would hand a
# differentiable backward graph (create_graph=True) a constant, right at the x it was built at and
# wrong wherever a Tape replays it at another x; as nodes, the branch is taken again each time.
# On floats (plain backward) the helpers in autograd/floats.py take the same branches as ever.
STEP = _builtin(
    "step", _heaviside, lambda x, out: 0.0, "1 for x > 0, 0 for x <= 0 (step(0) = 0), nan at nan; d/dx = 0"
)
SIGN = _builtin("sign", _signum, lambda x, out: 0.0, "1, -1 or 0 for x > 0, < 0 or = 0, nan at nan; d/dx = 0")


def _max_derivative(a: Any, b: Any, out: Any) -> tuple:
    above = step(a - b)  # a - b > 0 exactly when a > b: floats subtract without rounding to 0
    return above, 1.0 - above


MAX = _builtin(
    "max", _larger, _max_derivative, "the larger of a, b (b at a tie); d/da = step(a - b), d/db = 1 - step(a - b)"
)


def _pow_exponent_slope(base: Any, out: Any) -> Any:
    # d/dy x**y = x**y * ln x, defined for x > 0. At x = 0 (with y > 0) the output is
    # identically 0 to the right, slope 0; for x < 0 it does not exist (x**y is defined there
    # only at whole y), so asking for it is an error, in every kind of backward pass.
    # On Values the slope is out * log0(x), a node that takes the branch again wherever it is computed.
    b = value_of(base)
    if b < 0.0:
        raise domain_error("**", POW_NEGATIVE_BASE, b)
    if type(base) is not float:
        return out * log0(base)
    if b > 0.0:
        return out * log(base)
    return 0.0 if b == 0.0 else math.nan  # nan in, nan out


LOG0 = _builtin(
    "log0",
    _log0,
    lambda x, out: step(x) / maximum(x, 5e-324),  # 1/x for x > 0 (x >= the least subnormal), 0 at 0
    "ln x for x > 0, 0 at x = 0 (x ** y's slope in y is x**y * log0 x); d/dx = 1/x, 0 at 0 by convention",
)
POW = _builtin(
    "**",
    _pow,
    lambda x, y, out: (y * pow_of(x, y - 1.0), _pow_exponent_slope(x, out)),
    "x ** y; d/dx = y * x**(y-1), d/dy = x**y * ln x (x > 0)",
)


def _power_derivative(x: Any, k: float, out: Any) -> Any:
    return k * pow_of(x, k - 1.0) if k != 0.0 else 0.0  # x**0 is constant: avoid 0 ** -1


POWER = _builtin(
    "**k",
    _pow,
    _power_derivative,
    "x ** k for a number k (one node, one parent; k is part of the op); d/dx = k * x**(k-1)",
)


class Power(Op):
    """The op x -> x**k for one number k (its `constant`): the `**k` row with k filled in, one parent."""

    __slots__ = ()

    def __init__(self, k: float) -> None:
        super().__init__(
            f"**{exponent_text(k)}",
            lambda x: _pow(x, k),
            lambda x, out: _power_derivative(x, k, out),
            f"x ** {exponent_text(k)}; d/dx = {exponent_text(k)} * x**{exponent_text(k - 1.0)}",
            constant=k,
        )

    @property
    def k(self) -> float:
        """The exponent."""
        return self.constant

    def __reduce__(self) -> tuple:
        return (power, (self.constant,))


def exponent_text(k: float) -> str:
    """k exactly as typed: '2' for 2.0, '2.0000001', '-0.5' (the shortest text that reads back as k).

    >>> exponent_text(2.0), exponent_text(2.0000001), exponent_text(1e-300)
    ('2', '2.0000001', '1e-300')
    """
    return str(int(k)) if k.is_integer() and abs(k) < 1e16 else repr(k)


@lru_cache(maxsize=256)
def power(k: float) -> Power:
    """The op x -> x**k for a fixed number k.

    Not added to OPS: the table has the one `**k` row however many exponents a program uses.
    The cache lets all x**2 nodes share one op; ops for other exponents go with their nodes.
    """
    return Power(k)


def _sum_derivative(*xs_and_out: Any) -> tuple:
    return (1.0,) * (len(xs_and_out) - 1)


# The sums below are loops, not sum(): from Python 3.12 on, sum() of floats compensates its
# rounding, and these nodes must add left to right, as the chain `s = s + x` they stand for
# does (and as the Tape's compiled loops do), to give the same bits.


def _sum_forward(*xs: float) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


def _dot_forward(*ws_then_xs: float) -> float:
    n = len(ws_then_xs) // 2
    total = 0.0
    for w, x in zip(ws_then_xs[:n], ws_then_xs[n:]):
        total += w * x
    return total


def _dot_derivative(*args: Any) -> tuple:
    # args = w_1..w_n, x_1..x_n, out. d/dw_i = x_i and d/dx_i = w_i: the halves swap.
    n = (len(args) - 1) // 2
    return args[n : 2 * n] + args[:n]


SUM = _builtin("sum", _sum_forward, _sum_derivative, "x_1 + ... + x_n; d/dx_i = 1")
DOT = _builtin(
    "dot",
    _dot_forward,
    _dot_derivative,
    "w_1*x_1 + ... + w_n*x_n (inputs w_1..w_n, x_1..x_n); d/dw_i = x_i, d/dx_i = w_i",
)


def _sse_forward(*ps_then_ts: float) -> float:
    n = len(ps_then_ts) // 2
    total = 0.0
    for p, t in zip(ps_then_ts[:n], ps_then_ts[n:]):
        total += (p - t) * (p - t)
    return total


def _sse_derivative(*args: Any) -> tuple:
    # args = p_1..p_n, t_1..t_n, out. d/dp_i = 2 (p_i - t_i) and d/dt_i = -2 (p_i - t_i).
    n = (len(args) - 1) // 2
    slopes = tuple(2.0 * (p - t) for p, t in zip(args[:n], args[n : 2 * n]))
    return slopes + tuple(-s for s in slopes)


SSE = _builtin(
    "sse",
    _sse_forward,
    _sse_derivative,
    "(p_1-t_1)**2 + ... + (p_n-t_n)**2 (inputs p_1..p_n, t_1..t_n); d/dp_i = 2(p_i-t_i), d/dt_i = -2(p_i-t_i)",
)


# Binary cross-entropy of a probability p against a target t, as one node. Near 0 and 1
# the logs are floored at -100 and p*(1-p) at 1e-12 (PyTorch's choices; BCE_LOG_FLOOR and BCE_EPS
# in autograd/floats.py), so a sigmoid that rounded to exactly 1.0 gives a large finite loss
# instead of log(0). The floors are rows too (log_floor, max), so a differentiable backward graph
# decides them again at every point it is computed at.
LOG_FLOOR = _builtin(
    "log_floor",
    _log_floor,
    lambda x, out: step(x - BCE_FLOOR_AT) / maximum(x, BCE_FLOOR_AT),  # 1/x above the floor, 0 at and below it
    f"ln x floored at {BCE_LOG_FLOOR:g} (bce's log: {BCE_LOG_FLOOR:g} for x <= e**{BCE_LOG_FLOOR:g});"
    f" d/dx = 1/x above e**{BCE_LOG_FLOOR:g}, 0 at and below",
)


def _bce_forward(p: float, t: float) -> float:
    # `not 0 <= p <= 1` is also true for nan; a nan flows on instead (p == p is False only for nan).
    if not 0.0 <= p <= 1.0 and p == p:
        raise domain_error("bce", "the prediction must be a probability in [0, 1]", p)
    if not 0.0 <= t <= 1.0 and t == t:
        raise domain_error("bce", "the target must be in [0, 1] (a class label 0 or 1, or a probability)", t)
    return -(t * _log_floor(p) + (1.0 - t) * _log_floor(1.0 - p))


def _bce_derivative(p: Any, t: Any, out: Any) -> tuple:
    spread = maximum(p * (1.0 - p), BCE_EPS)
    return ((p - t) / spread, log_floor(1.0 - p) - log_floor(p))


BCE = _builtin(
    "bce",
    _bce_forward,
    _bce_derivative,
    "-(t ln p + (1-t) ln(1-p)); d/dp = (p - t) / (p (1-p)), d/dt = ln(1-p) - ln p",
)


# Cross-entropy of a softmax classifier as one node: logits z_1..z_n in, -ln softmax(z)_c out,
# for the true class c. One node fits because the whole is simpler than its parts: built node by
# node (n exps, a sum, n divisions, a log, a negation: 2n + 3 nodes) it overflows at z = 710
# unless n more nodes subtract the max, and backward visits each of them; as one node its slope
# is softmax(z) - one-hot(c), one line. The class c is part of the op, like k in x ** k: an
# index has no derivative, so it is no parent (and never a number a rule could differentiate).


def _xent_forward(c: int, *zs: float) -> float:
    if not 0 <= c < len(zs):
        raise domain_error("xent", f"the class must be in [0, {len(zs)}) for {len(zs)} logits", c)
    # ln(e**z_1 + ... + e**z_n) with the largest logit m taken out first: every exp then sees a
    # number <= 0 (no overflow at z = 1000) and one of them is exactly e**0 = 1, so the sum is
    # >= 1 (no log 0 at z = -1000). The loss is -((z_c - m) - ln s), PyTorch's log_softmax negated.
    m = max(zs)
    s = 0.0
    for z in zs:
        s += math.exp(z - m)
    return (m - zs[c]) + math.log(s)


def _xent_derivative(c: int, *zs_and_out: Any) -> tuple:
    # softmax(z) - one-hot(c), the softmax worked out afresh from the logits rather than from the
    # output: at a logit of -inf the loss is inf, and a formula through it gives inf - inf = nan
    # where the slopes are plain numbers (PyTorch: softmax([-inf, 0]) - [1, 0] = [-1, 1]).
    *zs, _ = zs_and_out
    return tuple(p - 1.0 if i == c else p for i, p in enumerate(probabilities(zs)))


XENT = _builtin(
    "xent[c]",
    _xent_forward,
    _xent_derivative,
    "cross-entropy ln(e**z_1 + ... + e**z_n) - z_c of logits z_i for class c (c is part of the op, like k in"
    " **k); d/dz_i = softmax(z)_i - [i = c]",
)


def _xent_of_class(*zs_and_c: float) -> float:
    *zs, c = zs_and_c
    if not (0.0 <= c < len(zs) and float(c).is_integer()):  # nan fails the comparison
        raise domain_error("xent", f"the class must be a whole number in [0, {len(zs)}) for {len(zs)} logits", c)
    return _xent_forward(int(c), *zs)


def _xent_of_class_derivative(*args: Any) -> tuple:
    *zs, c, out = args
    if type(c) is not float:  # Values: a differentiable backward graph (create_graph=True)
        # Its one-hot and z_c would be fixed at the class the graph was built for, and a Tape replaying
        # it at another class would give the wrong slope: refused, rather than right only here.
        raise TypeError(
            "xent: second derivatives (create_graph=True) need the class as an int (the xent[c] row),"
            " not a Value: with a Value class the slope's one-hot would stay at the class it was built at"
        )
    return (*_xent_derivative(int(c), *zs, out), 0.0)


# The same cross-entropy with the class as its last input, a Value holding a whole number: one
# sample's loss graph then serves every sample's class (a Tape feeds the class like a pixel). The
# class gets slope 0: a label has no derivative.
XENT_OF_CLASS = _builtin(
    "xent",
    _xent_of_class,
    _xent_of_class_derivative,
    "cross-entropy of logits z_1..z_n for the class c given as the last input (a whole number); d/dz_i ="
    " softmax(z)_i - [i = c], d/dc = 0",
)


class CrossEntropy(Op):
    """The op z_1..z_n -> -ln softmax(z)_c for one class c (its `constant`): the `xent[c]` row with c filled in."""

    __slots__ = ()

    def __init__(self, target: int) -> None:
        super().__init__(
            f"xent[{target}]",
            lambda *zs: _xent_forward(target, *zs),
            lambda *zs_and_out: _xent_derivative(target, *zs_and_out),
            f"cross-entropy of the logits for class {target}; d/dz_i = softmax(z)_i - [i = {target}]",
            constant=target,
        )

    @property
    def target(self) -> int:
        """The class index."""
        return self.constant

    def __reduce__(self) -> tuple:
        return (xent, (self.constant,))


@lru_cache(maxsize=256, typed=True)  # typed: xent(True) must not find xent(1) in the cache
def xent(target: int) -> CrossEntropy:
    """The op logits -> cross-entropy for the class `target` (an int >= 0; checked against the logits when applied).

    Not added to OPS, like `power(k)`: the table has the one `xent[c]` row however many classes there are.

    >>> from autograd.nodes import apply
    >>> loss = apply(xent(0), 1000.0, -1000.0)  # the max is taken out first: no overflow
    >>> loss.op, loss.data
    ('xent[0]', 0.0)
    """
    if type(target) is not int:  # not a bool either: True is no class index
        raise TypeError(f"xent: the class must be an int index, got {type(target).__name__} {target!r}")
    if target < 0:
        raise domain_error("xent", "the class must be >= 0", target)
    return CrossEntropy(target)


# softmax as n nodes, node i holding softmax(z)_i = e**z_i / (e**z_1 + ... + e**z_n) with all n logits as
# parents. Built from exp, + and / instead, it needs the largest logit taken out first (e**710 overflows),
# and a largest logit read from .data as a plain number would be frozen into a Tape as a constant:
# replayed at other logits, it overflows again. Here the shift happens inside the op, at every run.
# The output i is part of the op, like the class of xent[c].


def _shift_and_sum(zs: tuple | list) -> tuple[float, float]:
    # The largest logit m, and e**(z_1 - m) + ... + e**(z_n - m): every exp sees a number <= 0, so none
    # overflows (a difference past float range is -inf, and e**-inf is 0), and the sum holds e**0 = 1.
    m = max(zs)
    s = 0.0
    for z in zs:
        s += math.exp(z - m)
    return m, s


def _softmax_forward(i: int, *zs: float) -> float:
    if not 0 <= i < len(zs):
        raise domain_error("softmax", f"the output must be in [0, {len(zs)}) for {len(zs)} logits", i)
    m, s = _shift_and_sum(zs)
    return math.exp(zs[i] - m) / s


def probabilities(zs: list) -> list:
    """softmax(z): floats for floats (each as `softmax[i]` computes it), the n `softmax[i]` nodes for Values."""
    if zs and type(zs[0]) is float:  # a plain backward pass: floats only
        m, s = _shift_and_sum(zs)
        return [math.exp(z - m) / s for z in zs]
    from autograd.nodes import apply  # nodes.py imports this module

    return [apply(softmax(i), *zs) for i in range(len(zs))]


def _softmax_derivative(i: int, *zs_and_out: Any) -> tuple:
    # d p_i / d z_j = p_i ([i = j] - p_j): each p_j afresh from the logits (with Values, its own node).
    *zs, out = zs_and_out
    if type(out) is float:
        return tuple(out * ((1.0 if j == i else 0.0) - p) for j, p in enumerate(probabilities(zs)))
    from autograd.nodes import apply

    return tuple(out * (1.0 - out) if j == i else -(out * apply(softmax(j), *zs)) for j in range(len(zs)))


SOFTMAX = _builtin(
    "softmax[i]",
    _softmax_forward,
    _softmax_derivative,
    "softmax(z)_i = e**z_i / (e**z_1 + ... + e**z_n) for output i (i is part of the op);"
    " d/dz_j = p_i ([i = j] - p_j)",
)


class Softmax(Op):
    """The op z_1..z_n -> softmax(z)_i for one output i (its `constant`): the `softmax[i]` row with i filled in."""

    __slots__ = ()

    def __init__(self, i: int) -> None:
        super().__init__(
            f"softmax[{i}]",
            lambda *zs: _softmax_forward(i, *zs),
            lambda *zs_and_out: _softmax_derivative(i, *zs_and_out),
            f"softmax of the logits, output {i}; d/dz_j = p_{i} ([{i} = j] - p_j)",
            constant=i,
        )

    def __reduce__(self) -> tuple:
        return (softmax, (self.constant,))


@lru_cache(maxsize=256, typed=True)  # typed: softmax(True) must not find softmax(1) in the cache
def softmax(i: int) -> Softmax:
    """The op logits -> softmax(logits)_i (checked against the logits when applied); not in OPS, like `xent(c)`.

    >>> from autograd.nodes import apply
    >>> apply(softmax(0), 1e308, -1e308).data  # the max is taken out inside the op: no overflow
    1.0
    """
    if type(i) is not int:  # not a bool either
        raise TypeError(f"softmax: the output must be an int index, got {type(i).__name__} {i!r}")
    if i < 0:
        raise domain_error("softmax", "the output must be >= 0", i)
    return Softmax(i)


# A hinge loss label, checked inside the graph: replayed by a Tape with a new label, the check runs again.


def _label_forward(y: float) -> float:
    if y != 1.0 and y != -1.0:  # nan too: a nan label is no class
        raise domain_error("hinge", "labels must be +1 or -1", y)
    return y


LABEL = _builtin(
    "label±1", _label_forward, lambda y, out: 1.0, "y itself, for a label y = +1 or -1 (else an error); d/dy = 1"
)


def table() -> str:
    """The op table as text: one line per op, its name and its derivative.

    >>> print(table().splitlines()[2])  # doctest: +NORMALIZE_WHITESPACE
    *          a * b; d/da = b, d/db = a
    """
    width = max(map(len, OPS))  # the names in one column, however long the longest (custom ops too)
    return "\n".join(f"{name:<{width}} {entry.doc}" for name, entry in OPS.items())
