"""`Value`: one scalar in a computation graph, with the operators that build the graph."""

from __future__ import annotations

import math
import numbers
from itertools import count
from typing import Any

from autograd import ops
from autograd.ops import Op

Operand = Any  # a Value or a real number


def shown(x: Any) -> str:
    """x for an error message: its type and its repr cut to 40 characters (an enormous int by its size).

    >>> shown("abc"), shown(10**400)
    ("str 'abc'", 'int of 401 digits')
    """
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 10**40:  # repr would fill the message
        try:
            return f"int of {len(str(abs(x)))} digits"
        except ValueError:  # Python refuses to write out an int of more than 4300 digits
            return f"int of about {int(x.bit_length() * math.log10(2)) + 1} digits"
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def to_float(x: Any, what: str = "Value()") -> float:
    """x as a Python float, if x is a real number (int, float, bool, NumPy scalar or size-1 array).

    >>> to_float(True), to_float(3)
    (1.0, 3.0)
    """
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):  # int, bool, Fraction, NumPy integer and floating types
        try:
            return float(x)
        except OverflowError:  # an int past float range (~1.8e308) has no float
            raise OverflowError(f"{what} got an {shown(x)}, too large for a float (largest ~1.8e308)") from None
    # NumPy size-1 arrays and np.bool_, without importing NumPy here.
    dtype = getattr(x, "dtype", None)
    if dtype is not None and getattr(x, "size", None) == 1 and dtype.kind in "biuf":
        return float(x.item())
    hint = "; use the Value itself as an operand" if isinstance(x, Value) else ""
    raise TypeError(f"{what} needs a real number, got {shown(x)}{hint}")


def _refusal(what: str) -> Any:
    """A method that refuses to turn a Value into a plain number, saying what to write instead."""

    def refuse(self: Value, *_: Any) -> Any:
        raise TypeError(
            f"{what} would be a plain number with no gradient: use v.data for the number (float(v.data),"
            " round(v.data, 2), math.exp(v.data)), or the Value's own methods to stay in the graph"
            " (v.exp(), not math.exp(v))"
        )

    return refuse


class Value:
    """One scalar node: its number (`data`), d(output)/d(this) after backward (`grad`),
    the `op` that produced it and its `parents` (the op's operands, in order).

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)
    """

    # __slots__: no per-node __dict__, so a node is small and attribute access is fast.
    # The parents live in two slots (`_left`, `_right`) for the one- and two-input ops that
    # make up nearly every graph, and in a tuple (`_many`) only for the others: a tuple per
    # node would be a second object for Python's garbage collector to track, and that alone
    # made building a graph half again slower (see bench/, workload W1). `_grad_before` is
    # where backward keeps a leaf's gradient from before the pass, in case the pass fails.
    __slots__ = ("_grad_before", "_index", "_left", "_made_by", "_many", "_right", "_seen_by", "data", "grad", "label")

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}")
        self.data = to_float(data)
        self.grad = 0.0
        self.label = label
        self._made_by: Op | None = None
        self._left = self._right = None
        self._many: tuple[Value, ...] | None = ()
        self._index = next(creation_numbers)
        self._seen_by = None  # the last backward pass that reached this node (see autograd/graph.py)

    @property
    def op(self) -> str:
        """The name of the op that produced this node; "" for a leaf."""
        return self._made_by.name if self._made_by is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's operands in order, duplicates kept (`a * a` has two); () for a leaf."""
        if self._many is not None:
            return self._many
        return (self._left,) if self._right is None else (self._left, self._right)

    def __repr__(self) -> str:
        extra = f", op={self.op!r}" if self._made_by is not None else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def _no_order(self, other: Any) -> bool:
        raise TypeError(
            "Values have no order (a comparison has no derivative); compare their .data instead"
        )

    # == and hash stay identity-based (inherited), so Values can be dict keys and set members.
    __lt__ = __le__ = __gt__ = __ge__ = _no_order

    def __bool__(self) -> bool:
        # Without this, every Value is true and `if loss:` silently takes the branch.
        raise TypeError(
            "a Value has no truth value (`if loss:` would always be true); test its .data instead,"
            " e.g. `if loss.data > 0:`"
        )

    # A Value turned into a plain number has no gradient: float(v), int(v), round(v) and the math
    # module's functions (math.exp(v) calls float(v)) would leave the graph without a word, so they
    # raise and say what to write instead (as `if loss:` does). Formatting only shows the number.
    __float__ = _refusal("float(v), or math.exp(v) and the like,")
    __int__ = __index__ = _refusal("int(v)")
    __complex__ = _refusal("complex(v)")
    __round__ = _refusal("round(v)")
    __trunc__ = __floor__ = __ceil__ = _refusal("math.trunc(v), floor or ceil")

    def __format__(self, spec: str) -> str:
        """f"{v:.2f}" formats the number (like PyTorch's 0-d tensors); f"{v}" is repr(v).

        >>> f"{Value(2 / 3):.3f}"
        '0.667'
        """
        return format(self.data, spec) if spec else repr(self)

    # -- operators: each one is a row of the op table applied to (self, other) -------------

    def __add__(self, other: Operand) -> Value:
        return nodes.binary(ops.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return nodes.binary(ops.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return nodes.binary(ops.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return nodes.binary(ops.SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return nodes.binary(ops.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return nodes.binary(ops.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return nodes.binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return nodes.binary(ops.DIV, other, self)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return nodes.binary(ops.POW, self, exponent)
        # A number exponent is part of the op (x**2 is one node with one parent).
        return nodes.unary(ops.power(to_float(exponent, "the exponent of **")), self)

    def __rpow__(self, base: Operand) -> Value:
        return nodes.binary(ops.POW, base, self)

    def __neg__(self) -> Value:
        return nodes.unary(ops.NEG, self)

    def __abs__(self) -> Value:
        return nodes.unary(ops.ABS, self)

    # -- named functions ---------------------------------------------------------------------

    def exp(self) -> Value:
        """e**x; d/dx = e**x. Raises OverflowError past float range (x > ~709.78).

        >>> Value(0.0).exp().data
        1.0
        """
        return nodes.unary(ops.EXP, self)

    def log(self) -> Value:
        """ln x; d/dx = 1/x. Raises ValueError for x <= 0."""
        return nodes.unary(ops.LOG, self)

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh(x)**2. Never overflows.

        >>> Value(1000.0).tanh().data
        1.0
        """
        return nodes.unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x); d/dx = s (1 - s). Never overflows.

        >>> Value(-1000.0).sigmoid().data
        0.0
        """
        return nodes.unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, 0 for x <= 0 (0 at the kink), nan at nan."""
        return nodes.unary(ops.RELU, self)

    def sqrt(self) -> Value:
        """sqrt x; d/dx = 1 / (2 sqrt x). Raises ValueError for x < 0."""
        return nodes.unary(ops.SQRT, self)

    def sin(self) -> Value:
        """sin x; d/dx = cos x."""
        return nodes.unary(ops.SIN, self)

    def cos(self) -> Value:
        """cos x; d/dx = -sin x."""
        return nodes.unary(ops.COS, self)

    def backward(self, gradient: Any = 1.0) -> None:
        """Fill `.grad` of every node behind this one with d(self)/d(node), times `gradient`.

        Leaves accumulate across calls (call `zero_grad` between steps); interior nodes are
        recomputed on every call. Calls from several threads take turns, each pass whole.
        """
        from autograd.graph import backpropagate  # graph.py imports this module

        backpropagate(self, to_float(gradient, "backward(gradient=...)"))

    # -- copies and pickles: the whole graph behind a Value, of any depth (autograd/copies.py) -----

    def __reduce__(self) -> tuple:
        return copies.reduce_value(self)

    def __deepcopy__(self, memo: dict) -> Value:
        return copies.deepcopy_value(self, memo)

    def __copy__(self) -> Value:
        return copies.copy_value(self)

    # -- micrograd's own names, so that the lecture's code runs on this Value unchanged ----------

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's name for `parents` (a set there, the tuple here); read-only, like the lecture's."""
        return self.parents

    @property
    def _op(self) -> str:
        """micrograd's name for `op`: the op's name as a str, "" for a leaf; read-only."""
        return self.op

    def _backward(self) -> None:
        """Backprop through this one node, as the lecture does it by hand: each parent.grad += local slope * self.grad.

        >>> x, w = Value(2.0), Value(-3.0)
        >>> y = x * w
        >>> y.grad = 1.0
        >>> y._backward()  # d y/d x = w, d y/d w = x
        >>> x.grad, w.grad
        (-3.0, 2.0)
        """
        from autograd.graph import backward_step

        backward_step(self)


# Every node takes the next number: a node is always made after its parents, so a larger
# number means newer (PyTorch's autograd keeps the same "sequence number"); the backward pass
# in autograd/graph.py orders its work by it.
creation_numbers = count()

# At the end, because nodes.py and copies.py need the Value class defined above.
from autograd import copies, nodes  # noqa: E402
