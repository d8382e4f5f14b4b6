"""Fused n-ary nodes: a sum or dot product of many Values as one node, not a chain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autograd import ops
from autograd.arguments import sequence
from autograd.nodes import apply
from autograd.value import Value


def sum_values(terms: Iterable[Any]) -> Value:
    """x_1 + ... + x_n as one node (d/dx_i = 1); the sum of nothing is a constant 0.

    >>> s = sum_values([Value(1.0), 2, Value(3.0)])
    >>> s.data, s.op, len(s.parents)
    (6.0, 'sum', 3)
    """
    terms = tuple(sequence("sum_values", "terms", terms))
    if not terms:
        return Value(0.0)
    return apply(ops.SUM, *terms)


def dot(weights: Sequence[Any], inputs: Sequence[Any]) -> Value:
    """w_1*x_1 + ... + w_n*x_n as one node (d/dw_i = x_i, d/dx_i = w_i).

    >>> d = dot([Value(1.0), Value(2.0)], [3, 4])
    >>> d.data, d.op, len(d.parents)
    (11.0, 'dot', 4)
    """
    weights, inputs = sequence("dot", "weights", weights), sequence("dot", "inputs", inputs)
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot: needs as many weights as inputs, got {len(weights)} and {len(inputs)}"
        )
    if not weights:
        return Value(0.0)
    return apply(ops.DOT, *weights, *inputs)
