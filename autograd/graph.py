"""Walking the graph: topological order, the backward pass, and `grad` (higher order too)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import nullcontext
from heapq import heappop, heappush, heapreplace
from operator import attrgetter
from typing import Any

from autograd import replayed
from autograd.arguments import values
from autograd.floats import is_finite, refuse_non_finite, value_of
from autograd.mode import no_grad
from autograd.ops import Op
from autograd.value import Value


def topological_order(root: Value, leaves: bool = True) -> list[Value]:
    """Every node behind `root`, each after all of its parents; `root` comes last.

    With `leaves=False`, only the nodes an op produced (what backward has to visit). Writes nothing
    on the graph: threads may walk shared graphs at once.

    >>> a = Value(1.0, label="a")
    >>> b = a * a
    >>> [v.label or v.op for v in topological_order(b + a)]
    ['a', '*', '+']
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order needs a Value, got {type(root).__name__} {root!r:.40}")
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
    # the order we want. The graph is collected without recursion (Python's recursion limit
    # is ~1,000 and chains of a million nodes are normal): `found` is its own work queue, as a
    # for loop may walk a list that grows. The nodes found are kept in a set of this walk's own
    # and nothing is written on them, so any number of threads can walk shared graphs at once.
    if replayed.OUT_OF_DATE:  # a Tape holds newer numbers for this graph: written back first
        replayed.bring_up_to_date(root)
    found = [root]
    seen = {root}
    for node in found:
        for parent in node.parents:
            if parent not in seen and (leaves or parent._made_by is not None):
                seen.add(parent)
                found.append(parent)
    found.sort(key=_creation_index, reverse=True)
    return found


_creation_index = attrgetter("_index")


def slopes_of(op: Op, args: Sequence[Any], out: Any) -> tuple:
    """`op`'s derivative rule at these arguments as a tuple; an error in it names the op and the inputs."""
    try:
        local = op.derivative(*args, out)
    except (ArithmeticError, ValueError) as error:
        numbers = ", ".join(repr(getattr(a, "data", a)) for a in args)
        message = f"backward through {op.name!r} at inputs ({numbers}) failed: {error}"
        try:
            readable = type(error)(message)
        except Exception:  # an exception class of a custom rule that takes other arguments
            raise error from None
        raise readable from error
    return local if type(local) is tuple else (local,)


# A backward pass writes `.grad` into every node it reaches and marks each one as it goes, so two
# passes at once over shared nodes would mix their sums: they take turns. Reentrant, so that a
# custom op's rule that itself calls backward() (on a graph of its own) waits for nothing.
_ONE_PASS_AT_A_TIME = threading.RLock()


def backpropagate(root: Value, gradient: float = 1.0) -> None:
    """The engine behind `Value.backward`: d root / d node into every node's `.grad`.

    Interior nodes are set afresh on every call, so they are right every time; leaves only
    ever add, so their gradients accumulate across calls (as in PyTorch). All or nothing:
    if a step fails, every leaf gets back the gradient it had before the call. Calls from
    several threads take turns, so each pass is whole, as if the calls came one after another.
    """
    with _ONE_PASS_AT_A_TIME:
        if replayed.OUT_OF_DATE:  # a Tape holds newer numbers for this graph: written back first
            replayed.bring_up_to_date(root, adds_gradients=True)
        _backpropagate(root, gradient)


def _backpropagate(root: Value, gradient: float) -> None:
    if root._made_by is None:  # a leaf: d root / d root = 1, nothing else to visit
        root.grad += gradient
        return
    # Which node next: every node that uses a node was made after it (creation numbers), so
    # taking the newest node not yet processed finishes each gradient before it is passed on.
    # Walking the graph, ordering it and passing gradients on happen in this one loop:
    # - A node reached for the first time is marked with this pass's token (`_seen_by`).
    #   An op node's gradient starts there (forgetting the last call's); later paths add to
    #   it. A leaf is only added to, and its old gradient is kept in its `_grad_before`
    #   slot in case the pass fails. Leaves are never visited.
    # - Nodes reached but not yet processed wait in a heap, newest first. Most nodes reach
    #   one new node (every node of a chain does), which is taken next without the heap
    #   unless a newer one is waiting. One pass instead of a walk, a sort and a loop cut the
    #   time of a 100,000-node chain by a third (bench/, workload W4).
    # - One and two parents (nearly every node: the `_left` and `_right` slots) are written
    #   out, with no tuple, list or zip per node. `_many` holds the parents of n-ary ops.
    # - `g - g != 0.0` is true only for inf and nan: then the non-finite policy of ops.py
    #   decides whether the blow-up began at this step (and raises) or was already there.
    walk = object()
    root._seen_by = walk
    root.grad = gradient
    waiting: list[tuple[int, Value]] = []  # (-creation number, node): heapq pops the newest
    node = root
    try:
        # `while True` and a `break`, not `while node is not None`: Python 3.11 only starts
        # specialising a loop's code at a plain jump back, and a backward pass is one call
        # running one long loop (with the condition up here, W4 took more than twice as long).
        while True:
            upstream = node.grad
            # The rule is fetched into a variable before the call: Python 3.11 cannot speed
            # up `node._made_by.derivative(...)` written in one piece (a method call on a slot).
            rule = node._made_by.derivative
            a, b = node._left, node._right
            reached = None  # the first op node this node reaches for the first time
            if b is not None:
                slope_a, slope_b = rule(a.data, b.data, node.data)
                if a._seen_by is walk:  # reached before in this pass: add (the sum over paths)
                    g = a.grad + slope_a * upstream  # the chain rule
                elif a._made_by is None:  # a leaf, first time this pass: remember, then add
                    a._seen_by = walk
                    a._grad_before = a.grad
                    g = a.grad + slope_a * upstream
                else:  # an op node, first time this pass: start afresh
                    a._seen_by = walk
                    g = slope_a * upstream
                    reached = a
                if g - g != 0.0:
                    _refuse_non_finite_gradient(node, upstream, slope_a, a.grad)
                a.grad = g
                if b._seen_by is walk:
                    g = b.grad + slope_b * upstream
                elif b._made_by is None:
                    b._seen_by = walk
                    b._grad_before = b.grad
                    g = b.grad + slope_b * upstream
                else:
                    b._seen_by = walk
                    g = slope_b * upstream
                    if reached is None:
                        reached = b
                    else:
                        heappush(waiting, (-b._index, b))
                if g - g != 0.0:
                    _refuse_non_finite_gradient(node, upstream, slope_b, b.grad)
                b.grad = g
            elif a is not None:
                slope = rule(a.data, node.data)
                if type(slope) is tuple:  # an n-ary op given one operand, such as sum([x]), returns (slope,)
                    slope = slope[0]
                if a._seen_by is walk:
                    g = a.grad + slope * upstream
                elif a._made_by is None:
                    a._seen_by = walk
                    a._grad_before = a.grad
                    g = a.grad + slope * upstream
                else:
                    a._seen_by = walk
                    g = slope * upstream
                    reached = a
                if g - g != 0.0:
                    _refuse_non_finite_gradient(node, upstream, slope, a.grad)
                a.grad = g
            else:
                parents = node._many
                for parent, slope in zip(parents, rule(*[p.data for p in parents], node.data)):
                    if parent._seen_by is walk:
                        g = parent.grad + slope * upstream
                    elif parent._made_by is None:
                        parent._seen_by = walk
                        parent._grad_before = parent.grad
                        g = parent.grad + slope * upstream
                    else:
                        parent._seen_by = walk
                        g = slope * upstream
                        heappush(waiting, (-parent._index, parent))
                    if g - g != 0.0:
                        _refuse_non_finite_gradient(node, upstream, slope, parent.grad)
                    parent.grad = g
            if reached is not None:
                if waiting and waiting[0][0] < -reached._index:  # a newer node is waiting
                    reached = heapreplace(waiting, (-reached._index, reached))[1]
                node = reached
            elif waiting:
                node = heappop(waiting)[1]
            else:
                break
    except BaseException as error:
        _restore_leaves(root, walk)  # all or nothing: no leaf keeps part of a failed pass
        if isinstance(error, (ArithmeticError, ValueError)):
            # If the op's rule failed, computing its slopes again raises the error anew, now
            # naming the op and its inputs; an error that already names them is raised as it is.
            slopes_of(node._made_by, [p.data for p in node.parents], node.data)
        raise


def backward_step(node: Value) -> None:
    """One node's step of backprop: each parent's `.grad` += the op's local slope * `node.grad` (a leaf: nothing).

    micrograd keeps this step as a closure per node (`_backward`); here the op table's rule gives
    the slopes. `backpropagate` takes this step for every node, newest first; by hand, a learner
    takes it node by node. All or nothing: a step that fails changes no `.grad`.
    """
    if replayed.OUT_OF_DATE:
        replayed.bring_up_to_date(node, adds_gradients=True)
    if node._made_by is None:
        return
    with _ONE_PASS_AT_A_TIME:  # a step reads and writes .grad: not in the middle of a pass
        parents = node.parents
        upstream = node.grad
        slopes = slopes_of(node._made_by, [p.data for p in parents], node.data)
        totals: dict[Value, float] = {}  # a parent used twice (a * a) gets both shares
        for parent, slope in zip(parents, slopes):
            before = totals.get(parent, parent.grad)
            total = before + slope * upstream
            if total - total != 0.0:
                _refuse_non_finite_gradient(node, upstream, slope, before)
            totals[parent] = total
        for parent, total in totals.items():
            parent.grad = total


def _restore_leaves(root: Value, walk: object) -> None:
    """Every leaf behind `root` that the pass `walk` added to gets back its gradient from before the pass."""
    # A walk of its own that leaves `_seen_by` alone: it tells which leaves the pass reached.
    # (Keeping a list of those leaves during the pass instead made every backward 14% slower.)
    seen, todo = {id(root)}, [root]
    while todo:
        for parent in todo.pop().parents:
            if id(parent) in seen:
                continue
            seen.add(id(parent))
            if parent._made_by is not None:
                todo.append(parent)
            elif parent._seen_by is walk:
                parent.grad = parent._grad_before


def _refuse_non_finite_gradient(node: Value, upstream: float, slope: float, before: float) -> None:
    """A gradient passed back through `node` is inf or nan: raise if it began here (the policy of floats.py)."""
    refuse_non_finite_gradient(node._made_by, [p.data for p in node.parents], node.data, upstream, slope, before)


def refuse_non_finite_gradient(
    op: Op, numbers: Sequence[float], out: float, upstream: float, slope: float, before: float
) -> None:
    """The non-finite policy for one gradient passed back: `before + slope * upstream` is inf or nan.

    `numbers` are the op's operands, `out` its output, `before` what the operand's gradient held.

    >>> from autograd.ops import DIV
    >>> refuse_non_finite_gradient(DIV, [1.0, 1e-200], 1e200, 1.0, -1e400, 0.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    OverflowError: backward through '/': the gradient overflows float64: slope -inf times upstream gradient 1.0, ...
    """
    contribution = slope * upstream
    if contribution - contribution != 0.0:
        if not all(is_finite(x) for x in (*op.inputs(numbers), out, upstream)):
            return  # a nan or inf that was already there flows on
        problem = "is undefined (nan)" if contribution != contribution else "overflows float64"
        advice = "" if contribution != contribution else "; rescale the inputs"
        raise (ValueError if contribution != contribution else OverflowError)(
            f"backward through {op.name!r}: the gradient {problem}: slope {slope!r} times upstream gradient"
            f" {upstream!r}, at inputs ({', '.join(map(repr, numbers))}), output {out!r}{advice}"
        )
    refuse_non_finite(  # each path's share is finite, but their sum is not
        f"backward through {op.name!r}, adding up the paths into one input", (before, contribution),
        before + contribution,
    )


def grad(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """d output / d x for each x in `inputs`, leaving every `.grad` untouched.

    With `create_graph=True` the results are `Value`s recorded in the graph, so they can be
    differentiated again (second and higher derivatives); otherwise they are floats. Writes
    nothing on the graph: threads may take gradients of shared graphs at once.

    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> (dy,) = grad(y, [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> dy.data, d2y
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value output, got {type(output).__name__}")
    inputs = values("grad", "inputs", inputs)
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
                local = slopes_of(node._made_by, parents, node)
            else:
                local = slopes_of(node._made_by, [p.data for p in parents], node.data)
            for parent, slope in zip(parents, local):
                before = grads.get(parent, 0.0)
                total = before + slope * upstream if parent in grads else slope * upstream
                # With create_graph these may be Values, which check themselves as they are made,
                # but a float slope of inf times a Value would pass as "an inf already there".
                number = value_of(total)
                if number - number != 0.0:
                    _refuse_non_finite_gradient(node, value_of(upstream), value_of(slope), value_of(before))
                grads[parent] = total
    results = [grads.get(x, 0.0) for x in inputs]
    if create_graph:
        return [g if isinstance(g, Value) else Value(g) for g in results]
    return [g.data if isinstance(g, Value) else float(g) for g in results]
