"""Walking the graph: topological order, the backward pass, and `grad` (higher order too)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from operator import attrgetter
from typing import Any

from autograd.mode import no_grad
from autograd.value import Value


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node behind `root`, each after all of its parents; `root` comes last.

    With `leaves=False`, only the nodes an op produced (what backward has to visit).

    >>> a = Value(1.0, label="a")
    >>> b = a * a
    >>> [v.label or v.op for v in topological_order(b + a)]
    ['a', '*', '+']
    """
    # Collect the graph with an explicit stack (recursion dies near Python's limit of ~1000
    # nodes; chains of a million are normal), then sort by creation number: a node is always
    # created after its parents, so that order is topological. Nodes are listed as they are
    # found, which is nearly the reverse of creation order, so the sort has little to do.
    found = [root]
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        # node.parents, read from its slots: building that tuple for each node is slower.
        for parent in (node._left, node._right) if node._many is None else node._many:
            if parent is not None and (leaves or parent._op is not None) and parent not in seen:
                seen.add(parent)
                found.append(parent)
                stack.append(parent)
    found.sort(key=_creation_index)
    return found


_creation_index = attrgetter("_index")


def local_derivatives(node: Value, args: Sequence[Any], out: Any) -> tuple:
    """The op's local partials at these arguments, always as a tuple, with a readable error."""
    try:
        local = node._op.derivative(*args, out)
    except (ArithmeticError, ValueError) as error:
        numbers = ", ".join(repr(getattr(a, "data", a)) for a in args)
        raise type(error)(
            f"backward through {node.op!r} at inputs ({numbers}) failed: {error}"
        ) from error
    return local if type(local) is tuple else (local,)


def backpropagate(root: Value, gradient: float = 1.0) -> None:
    """The engine behind `Value.backward`: d root / d node into every node's `.grad`.

    Interior nodes are reset first, so they are right on every call; leaves are not, so
    their gradients accumulate across calls (as in PyTorch).
    """
    if root._op is None:  # a leaf: d root / d root = 1, nothing else to visit
        root.grad += gradient
        return
    # Leaves have nothing to pass on, so only the op nodes are visited (half the graph or
    # more: every number in an expression is a constant leaf).
    order = topological_order(root, leaves=False)
    for node in order:
        node.grad = 0.0
    root.grad = gradient
    # Reverse topological order: a node's gradient is complete before it is passed on.
    # Written out for one and two parents (nearly every node, kept in the _left and _right
    # slots): no tuple, list or zip per node.
    node = root
    try:
        for node in reversed(order):
            upstream = node.grad
            a, b = node._left, node._right
            if b is not None:
                slope_a, slope_b = node._op.derivative(a.data, b.data, node.data)
                a.grad += slope_a * upstream  # the chain rule, and the sum over paths
                b.grad += slope_b * upstream
            elif a is not None:
                slope = node._op.derivative(a.data, node.data)
                a.grad += (slope[0] if type(slope) is tuple else slope) * upstream
            else:
                parents = node._many
                slopes = node._op.derivative(*[p.data for p in parents], node.data)
                for parent, slope in zip(parents, slopes):
                    parent.grad += slope * upstream
    except (ArithmeticError, ValueError):
        # Say which op failed, at which inputs (computing its slopes again raises the error).
        local_derivatives(node, [p.data for p in node.parents], node.data)
        raise


def grad(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """d output / d x for each x in `inputs`, leaving every `.grad` untouched.

    With `create_graph=True` the results are `Value`s recorded in the graph, so they can be
    differentiated again (second and higher derivatives); otherwise they are floats.

    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> dy.data, d2y
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value output, got {type(output).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__} at index {i}")
    grads: dict[Value, Any] = {output: 1.0}
    # Without create_graph the arithmetic below runs on floats, and no_grad keeps any
    # Value arithmetic a rule might do from growing the graph.
    with nullcontext() if create_graph else no_grad():
        for node in reversed(topological_order(output)):
            parents = node.parents
            if not parents:
                continue
            upstream = grads[node]
            if create_graph:
                local = local_derivatives(node, parents, node)
            else:
                local = local_derivatives(node, [p.data for p in parents], node.data)
            for parent, slope in zip(parents, local):
                contribution = slope * upstream
                grads[parent] = (
                    grads[parent] + contribution if parent in grads else contribution
                )
    results = [grads.get(x, 0.0) for x in inputs]
    if create_graph:
        return [g if isinstance(g, Value) else Value(g) for g in results]
    return [g.data if isinstance(g, Value) else float(g) for g in results]
