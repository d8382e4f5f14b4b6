"""Writing a tape's numbers back into its graph's Values (`tape.sync()`), and whether a graph shares its nodes.

A run leaves its numbers in the tape's arrays: only the output and the fed input leaves are
written into Values, since writing every node would cost Python per node per run. `write_back`
does the rest when asked: every op node's `.data`, and after a `run()` its `.grad` (d output / d
node, what `backward()` leaves there). The tape keeps no Python object per node, so this walks
the graph again and lays it out as recording did, to find each node's slot. The nodes of a
fused `s = s + w * x` chain have no slot: their numbers are computed again, in the order they
were made, with the op table's own forward (the sums the fused slot computed, the same bits);
each passes on its chain's gradient unchanged (an add's slope is 1, and so is the product's
share of the add), so it gets the gradient of its chain's slot.
"""

from __future__ import annotations

from typing import Any

from autograd.tape.record import NONE, lay_out_graph
from autograd.value import Value


def write_back(tape: Any, with_gradients: bool) -> None:
    """Every op node's .data from the tape's values (and .grad from its gradients, if `with_gradients`)."""
    _, layout = lay_out_graph(tape.output, list(tape.wrt), list(tape.inputs))
    found, slot = layout.found, layout.slot.tolist()
    values = tape.recording.values.tolist()
    grads = tape._grads.tolist() if with_gradients else None
    chain_of = _chain_slots(layout, slot)
    for i in layout.order.tolist():
        if i >= len(found):
            continue  # the k of an x ** k node, or a class: part of the op, no Value of its own
        node = found[i]
        op = node._made_by
        if op is None:
            continue  # leaves: the tape writes its fed inputs as it runs; constants never change
        s = slot[i]
        if s != NONE:
            node.data = values[s]
        else:  # inside a fused chain: an add or a product, its parents already current
            node.data = op.forward(*[p.data for p in node.parents])
            s = chain_of[i]
        if grads is not None:
            node.grad = grads[s]


def _chain_slots(layout: Any, slot: list[int]) -> dict[int, int]:
    """For each node a FUSED_DOT stands for (its products and inner adds): the slot of that FUSED_DOT."""
    running, product, joins = layout.running.tolist(), layout.product.tolist(), layout.joins.tolist()
    chain_of = {}
    for end in layout.order.tolist():
        if product[end] == NONE or slot[end] == NONE:
            continue  # not the last add of a chain (an inner add has no slot)
        node = end
        while True:
            chain_of[product[node]] = slot[end]
            if not joins[node]:
                break
            node = running[node]
            chain_of[node] = slot[end]
    return chain_of


def reaches(tape: Any, root: Value, parameters: bool) -> bool:
    """Whether the graph behind `root` holds one of the tape's op nodes (or, if `parameters`, one of its wrt leaves)."""
    if root is tape.output:
        return True
    lo, hi = tape.recording.made_between
    targets = set(tape._targets) if parameters else ()
    made: frozenset | None = None  # the creation numbers of the tape's op nodes, found only when needed
    seen, todo = {id(root)}, [root]
    while todo:
        node = todo.pop()
        if node in targets:
            return True
        if node._made_by is not None and lo <= node._index <= hi:  # made while the tape's graph was made
            if made is None:
                made = _creation_numbers(tape)
            if node._index in made:
                return True
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                todo.append(parent)
    return False


def _creation_numbers(tape: Any) -> frozenset:
    """The creation numbers of the tape's op nodes (a walk of its graph, kept once made)."""
    if tape._made is None:
        from autograd.tape import kernels as k
        from autograd.tape.record import collect

        graph, _, _ = collect(tape.output, [])
        tape._made = frozenset(graph.created[graph.codes != k.LEAF].tolist())
    return tape._made
