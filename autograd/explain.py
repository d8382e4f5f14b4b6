"""Explain a backward pass: the table the tutorials work out by hand, one row per op, in the engine's order."""

from __future__ import annotations

from dataclasses import dataclass

from autograd.draw import label_text
from autograd.graph import refuse_non_finite_gradient, slopes_of, topological_order
from autograd.value import Value


@dataclass
class BackwardStep:
    """One op visited by backward: what flows in, the local slopes, and what goes to each parent."""

    node: str
    op: str
    upstream: float  # d root / d node, complete when this step runs
    parents: list[str]
    local: list[float]  # d node / d parent (the op table's rule)
    contributions: list[float]  # local * upstream (the chain rule): added to each parent's gradient

    def __str__(self) -> str:
        parts = ", ".join(
            f"{p} += {loc:.6g} * {self.upstream:.6g} = {c:.6g}"
            for p, loc, c in zip(self.parents, self.local, self.contributions)
        )
        return f"{self.node} = {self.op}({', '.join(self.parents)}): {parts}"


class BackwardExplanation(list):
    """The list of BackwardSteps; prints as one line per step (a root that is a leaf, as one line saying so)."""

    def __init__(self, root_name: str) -> None:
        super().__init__()
        self.root_name = root_name

    def __str__(self) -> str:
        if not self:
            name = self.root_name
            return (f"{name} is a leaf: backward() adds d {name} / d {name} = 1 to {name}.grad, "
                    "and there is no op to go back through")
        return "\n".join(str(step) for step in self)


def explain_backward(root: Value) -> BackwardExplanation:
    """The steps `root.backward()` would take, as data, without touching any `.grad`.

    Nodes are named by their label, or v0, v1, ... in topological order (as in draw_dot). Each line
    reads parent += local × upstream = contribution, the chain rule in the lecture's order.

    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.label = "c"
    >>> print(explain_backward(c + a))
    v3 = +(c, a): c += 1 * 1 = 1, a += 1 * 1 = 1
    c = *(a, b): a += 3 * 1 = 3, b += 2 * 1 = 2
    >>> print(explain_backward(a))
    a is a leaf: backward() adds d a / d a = 1 to a.grad, and there is no op to go back through
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain_backward needs a Value, got {type(root).__name__} {root!r:.40}")
    order = topological_order(root)
    names = {node: label_text(node.label) or f"v{i}" for i, node in enumerate(order)}
    grads = {root: 1.0}
    steps = BackwardExplanation(names[root])
    for node in reversed(order):
        if not node.parents:
            continue
        upstream = grads.get(node, 0.0)
        numbers = [p.data for p in node.parents]
        local = slopes_of(node._made_by, numbers, node.data)
        contributions = [float(d) * upstream for d in local]
        for parent, d, c in zip(node.parents, local, contributions):
            before = grads.get(parent, 0.0)
            total = before + c
            if total - total != 0.0:  # what backward() would refuse, this refuses too (floats.py's policy)
                refuse_non_finite_gradient(node._made_by, numbers, node.data, upstream, float(d), before)
            grads[parent] = total
        steps.append(
            BackwardStep(names[node], node.op, upstream, [names[p] for p in node.parents],
                         [float(d) for d in local], contributions)
        )
    return steps
