"""`Value`: one scalar in a computation graph, with the operators that build the graph."""

from __future__ import annotations

import numbers
from itertools import count, repeat
from typing import Any

from autograd import ops
from autograd.mode import GRAD_ENABLED
from autograd.ops import Op

Operand = Any  # a Value or a real number


def to_float(x: Any, what: str = "Value()") -> float:
    """x as a Python float, if x is a real number (int, float, bool, NumPy scalar or size-1 array).

    >>> to_float(True), to_float(3)
    (1.0, 3.0)
    """
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):  # int, bool, Fraction, NumPy integer and floating types
        return float(x)
    # NumPy size-1 arrays and np.bool_, without importing NumPy here.
    dtype = getattr(x, "dtype", None)
    if dtype is not None and getattr(x, "size", None) == 1 and dtype.kind in "biuf":
        return float(x.item())
    shown = repr(x) if len(repr(x)) <= 40 else repr(x)[:37] + "..."
    hint = "; use the Value itself as an operand" if isinstance(x, Value) else ""
    raise TypeError(f"{what} needs a real number, got {type(x).__name__} {shown}{hint}")


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
    # made building a graph half again slower (see bench/, workload W1).
    __slots__ = ("_index", "_left", "_many", "_op", "_right", "_seen_by", "data", "grad", "label")

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}")
        self.data = to_float(data)
        self.grad = 0.0
        self.label = label
        self._op: Op | None = None
        self._left = self._right = None
        self._many: tuple[Value, ...] | None = ()
        self._index = next(_creation_counter)
        self._seen_by = None  # the last graph walk that reached this node (see autograd/graph.py)

    @property
    def op(self) -> str:
        """The name of the op that produced this node; "" for a leaf."""
        return self._op.name if self._op is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's operands in order, duplicates kept (`a * a` has two); () for a leaf."""
        if self._many is not None:
            return self._many
        return (self._left,) if self._right is None else (self._left, self._right)

    def __repr__(self) -> str:
        extra = f", op={self.op!r}" if self._op is not None else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{extra})"

    def _no_order(self, other: Any) -> bool:
        raise TypeError(
            "Values have no order (a comparison has no derivative); compare their .data instead"
        )

    # == and hash stay identity-based (inherited), so Values can be dict keys and set members.
    __lt__ = __le__ = __gt__ = __ge__ = _no_order

    # -- operators: each one is a row of the op table applied to (self, other) -------------

    def __add__(self, other: Operand) -> Value:
        return binary(ops.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return binary(ops.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return binary(ops.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return binary(ops.SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return binary(ops.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return binary(ops.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return binary(ops.DIV, other, self)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return binary(ops.POW, self, exponent)
        # A number exponent is part of the op (x**2 is one node with one parent).
        return unary(ops.power(to_float(exponent, "the exponent of **")), self)

    def __rpow__(self, base: Operand) -> Value:
        return binary(ops.POW, base, self)

    def __neg__(self) -> Value:
        return unary(ops.NEG, self)

    def __abs__(self) -> Value:
        return unary(ops.ABS, self)

    # -- named functions ---------------------------------------------------------------------

    def exp(self) -> Value:
        """e**x; d/dx = e**x. Raises OverflowError past float range (x > ~709.78).

        >>> Value(0.0).exp().data
        1.0
        """
        return unary(ops.EXP, self)

    def log(self) -> Value:
        """ln x; d/dx = 1/x. Raises ValueError for x <= 0."""
        return unary(ops.LOG, self)

    def tanh(self) -> Value:
        """tanh x; d/dx = 1 - tanh(x)**2. Never overflows.

        >>> Value(1000.0).tanh().data
        1.0
        """
        return unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x); d/dx = s (1 - s). Never overflows.

        >>> Value(-1000.0).sigmoid().data
        0.0
        """
        return unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); d/dx = 1 for x > 0, else 0 (0 at the kink)."""
        return unary(ops.RELU, self)

    def sqrt(self) -> Value:
        """sqrt x; d/dx = 1 / (2 sqrt x). Raises ValueError for x < 0."""
        return unary(ops.SQRT, self)

    def sin(self) -> Value:
        """sin x; d/dx = cos x."""
        return unary(ops.SIN, self)

    def cos(self) -> Value:
        """cos x; d/dx = -sin x."""
        return unary(ops.COS, self)

    def backward(self, gradient: Any = 1.0) -> None:
        """Fill `.grad` of every node behind this one with d(self)/d(node), times `gradient`.

        Leaves accumulate across calls (call `zero_grad` between steps); interior nodes are
        recomputed on every call.
        """
        from autograd.graph import backpropagate  # graph.py imports this module

        backpropagate(self, to_float(gradient, "backward(gradient=...)"))


_new_value = object.__new__
# Every node gets the next number: a node is always made after its parents, so sorting by this
# number is a topological order (PyTorch's autograd keeps the same "sequence number").
_creation_counter = count()


def _new_node(op: Op | None, data: float) -> Value:
    # Built without __init__: data is already a float, and skipping the checks is the single
    # biggest saving when making millions of nodes.
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._index = next(_creation_counter)
    node._op = op
    node._seen_by = None
    return node


def constant(x: Any) -> Value:
    """A number wrapped as a leaf Value (a fast path for the common int and float)."""
    if type(x) is not float and type(x) is not int:
        return Value(x)
    return _as_leaf(_new_node(None, float(x)))


def unary(op: Op, x: Value) -> Value:
    """Apply a one-input op to a Value: the path of exp, tanh, x ** 2, ..."""
    forward = op.forward  # fetched first: see the comment in binary()
    node = _new_node(op, forward(x.data))
    node._left, node._right, node._many = x, None, None
    return node if GRAD_ENABLED.get() else _as_leaf(node)


def binary(op: Op, a: Operand, b: Operand) -> Value:
    """Apply a two-input op; a number on either side becomes a constant leaf."""
    if not isinstance(a, Value):
        a = constant(a)
    if not isinstance(b, Value):
        b = constant(b)
    # `op.forward(...)` in one piece is a method call on a slot, which Python 3.11 cannot
    # speed up; fetching the function first and calling it can be (bench/, workload W1).
    forward = op.forward
    node = _new_node(op, forward(a.data, b.data))
    node._left, node._right, node._many = a, b, None
    return node if GRAD_ENABLED.get() else _as_leaf(node)


def record(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """A new node holding `data`, made by `op` from `parents` (any number of them)."""
    node = _new_node(op, data)
    if len(parents) == 1 or len(parents) == 2:  # the same layout as unary() and binary() make
        node._left = parents[0]
        node._right = parents[1] if len(parents) == 2 else None
        node._many = None
    else:
        node._left = node._right = None
        node._many = parents
    return node if GRAD_ENABLED.get() else _as_leaf(node)


def _as_leaf(node: Value) -> Value:
    """The node as a constant with no op and no parents (a wrapped number, or any result under no_grad())."""
    node._op = node._left = node._right = None
    node._many = ()
    return node


def apply(op: Op, *operands: Operand) -> Value:
    """Run `op` forward on the operands' numbers and record the result as a new node.

    Numbers among the operands become constant leaves. Under `no_grad()` the result is a
    constant with no parents.

    >>> apply(ops.MUL, Value(2.0), 4)
    Value(data=8.0, grad=0.0, op='*')
    """
    # Fused ops are mostly called with Values only (a layer wraps its inputs once): check them
    # all in one C-level pass, and wrap numbers only when there are any.
    if not all(map(isinstance, operands, repeat(Value))):
        operands = tuple([x if isinstance(x, Value) else constant(x) for x in operands])
    forward = op.forward  # fetched first: see the comment in binary()
    return record(op, forward(*[p.data for p in operands]), operands)
