"""Making nodes: the few functions every operator goes through, written for speed.

`Value`'s operators, the fused ops and custom ops all end here. Millions of nodes pass
through these functions, so each shortcut they take is explained where it is taken.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

from autograd.floats import refuse_non_finite
from autograd.mode import GRAD_ENABLED
from autograd.ops import Op
from autograd.value import Operand, Value, creation_numbers

_new_value = object.__new__


def _new_node(op: Op | None, data: float) -> Value:
    # Built without __init__: data is already a float, and skipping the checks is the single
    # biggest saving when making millions of nodes.
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._index = next(creation_numbers)
    node._made_by = op
    node._seen_by = None
    return node


def constant(x: Any) -> Value:
    """A number wrapped as a leaf Value (a fast path for the common int and float)."""
    if type(x) is float:
        return _as_leaf(_new_node(None, x))
    if type(x) is int:
        try:
            return _as_leaf(_new_node(None, float(x)))
        except OverflowError:  # an int past float range: Value() says so, naming itself
            pass
    return Value(x)  # checks and converts anything else, with an error naming what was wrong


def unary(op: Op, x: Value) -> Value:
    """Apply a one-input op to a Value: the path of exp, tanh, x ** 2, ..."""
    forward = op.forward  # fetched first: see the comment in binary()
    data = forward(x.data)
    if data - data != 0.0:  # inf or nan (x - x is 0.0 for every finite x): the policy in ops.py decides
        refuse_non_finite(op.name, op.inputs((x.data,)), data)
    node = _new_node(op, data)
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
    data = forward(a.data, b.data)
    if data - data != 0.0:  # as in unary()
        refuse_non_finite(op.name, op.inputs((a.data, b.data)), data)
    node = _new_node(op, data)
    node._left, node._right, node._many = a, b, None
    return node if GRAD_ENABLED.get() else _as_leaf(node)


def record(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """A new node holding `data`, made by `op` from `parents` (any number of them)."""
    node = set_parents(_new_node(op, data), parents)
    return node if GRAD_ENABLED.get() else _as_leaf(node)


def set_parents(node: Value, parents: tuple[Value, ...]) -> Value:
    """Store `parents` in `node`: two slots for one or two parents (as unary() and binary() do), a tuple for more."""
    if len(parents) == 1 or len(parents) == 2:
        node._left = parents[0]
        node._right = parents[1] if len(parents) == 2 else None
        node._many = None
    else:
        node._left = node._right = None
        node._many = parents
    return node


def _as_leaf(node: Value) -> Value:
    """The node as a constant with no op and no parents (a wrapped number, or any result under no_grad())."""
    node._made_by = node._left = node._right = None
    node._many = ()
    return node


def apply(op: Op, *operands: Operand) -> Value:
    """Run `op` forward on the operands' numbers and record the result as a new node.

    Numbers among the operands become constant leaves. Under `no_grad()` the result is a
    constant with no parents.

    >>> from autograd.ops import MUL
    >>> apply(MUL, Value(2.0), 4)
    Value(data=8.0, grad=0.0, op='*')
    """
    # Fused ops are mostly called with Values only (a layer wraps its inputs once): check them
    # all in one C-level pass, and wrap numbers only when there are any.
    if not all(map(isinstance, operands, repeat(Value))):
        operands = tuple([x if isinstance(x, Value) else constant(x) for x in operands])
    forward = op.forward  # fetched first: see the comment in binary()
    numbers = [p.data for p in operands]
    data = forward(*numbers)
    if data - data != 0.0:  # as in unary()
        refuse_non_finite(op.name, op.inputs(numbers), data)
    return record(op, data, operands)
