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
    order = newest_first(root, leaves)
    order.reverse()
    return order


def newest_first(root: Value, leaves: bool = True) -> list[Value]:
    """`root` and every node behind it, newest first, so each node comes before its parents.

    That is the order in which backward visits them: reversed topological order.

    >>> x = Value(2.0, label="x")
    >>> [v.label or v.op for v in newest_first((x * 3).tanh(), leaves=False)]
    ['tanh', '*']
    """
    # A node is always made after its parents, so its creation number is larger than theirs
    # (PyTorch's autograd keeps the same "sequence number"): sorting by it, newest first, is
    # the order we want. First the graph is collected, without recursion (Python's recursion
    # limit is ~1,000 and chains of a million nodes are normal). Three choices keep this fast,
    # each measured on a 100,000-node chain (bench/, workload W4):
    # - `found` is its own work queue: appending to a list while a for loop walks it is
    #   allowed, so there is no separate stack to push and pop.
    # - A node found is marked with this walk's own token, in a slot, instead of being put in
    #   a set of seen nodes: no hashing, and no set to grow (halves the time of the walk).
    # - Nodes are found nearly newest first already, and a chain exactly so. One comparison
    #   per node notices that, and then the sort is skipped.
    # The one- and two-parent cases are written out (no tuple built per node); `_many` holds
    # the parents of the n-ary ops.
    walk = object()
    root._seen_by = walk
    found = [root]
    add = found.append
    last_index = root._index  # creation number of the node found last
    already_sorted = True
    for node in found:
        a = node._left
        if a is not None:
            if (a._op is not None or leaves) and a._seen_by is not walk:
                a._seen_by = walk
                add(a)
                if a._index > last_index:
                    already_sorted = False
                last_index = a._index
            b = node._right
            if b is not None and (b._op is not None or leaves) and b._seen_by is not walk:
                b._seen_by = walk
                add(b)
                if b._index > last_index:
                    already_sorted = False
                last_index = b._index
        else:
            for parent in node._many:
                if (parent._op is not None or leaves) and parent._seen_by is not walk:
                    parent._seen_by = walk
                    add(parent)
                    if parent._index > last_index:
                        already_sorted = False
                    last_index = parent._index
    if not already_sorted:
        found.sort(key=_creation_index, reverse=True)
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
    order = newest_first(root, leaves=False)
    for node in order:
        node.grad = 0.0
    root.grad = gradient
    # Newest first: every node that uses a node comes before it, so a node's gradient is
    # complete before it is passed on.
    # Written out for one and two parents (nearly every node, kept in the _left and _right
    # slots): no tuple, list or zip per node.
    node = root
    try:
        for node in order:
            upstream = node.grad
            # The rule is fetched into a variable before the call: Python 3.11 cannot speed
            # up `node._op.derivative(...)` written in one piece (a method call on a slot),
            # and that alone cost a tenth of the backward pass.
            rule = node._op.derivative
            a, b = node._left, node._right
            if b is not None:
                slope_a, slope_b = rule(a.data, b.data, node.data)
                a.grad += slope_a * upstream  # the chain rule, and the sum over paths
                b.grad += slope_b * upstream
            elif a is not None:
                slope = rule(a.data, node.data)
                a.grad += (slope[0] if type(slope) is tuple else slope) * upstream
            else:
                parents = node._many
                slopes = rule(*[p.data for p in parents], node.data)
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
        for node in newest_first(output, leaves=False):
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
