"""Recording a finished graph as flat arrays: the data a `Tape` replays (no Python object per node).

Slots: every number the replay needs gets one slot in `values`. Leaves come first (the
`wrt` leaves, then the `inputs` leaves, then constants), then the op nodes, in the order the
eager engine made them. An op slot holds an op code (autograd/tape/kernels.py) and the slots of
its operands, kept for all slots in one array, `operands[first[i]:first[i + 1]]`.

Recording is one walk over the graph in Python (`collect`), the only step that touches a
Value; the rest are small passes over the arrays it fills, in NumPy (nothing to compile), each
with a test showing the graph before and after (tests/test_tape.py):

- `find_product_chains`: `s = s + w * x` written in a loop makes an add and a product per
  term; a chain of them becomes one FUSED_DOT slot computing the same sums in the same order.
  Only a chain whose nodes were made one right after the other is fused: the eager backward
  pass visits nodes newest first, so a node made in the middle of a chain would receive its
  gradients, or pass on its own, at another point than the fused slot does (other bits, or
  another error first);
- `lay_out`: which node gets which slot, and the final arrays.

Nothing is left out or folded away: the tape computes every op node of the graph, forward and
backward, as `backward()` does, so it also raises wherever `backward()` would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd import ops
from autograd.arguments import values
from autograd.tape import kernels as k
from autograd.value import Value

# The op code of every row of the op table. tests/test_tape.py fails for a row missing here.
CODES = {
    ops.ADD: k.ADD, ops.SUB: k.SUB, ops.MUL: k.MUL, ops.DIV: k.DIV, ops.NEG: k.NEG, ops.EXP: k.EXP,
    ops.LOG: k.LOG, ops.TANH: k.TANH, ops.SIGMOID: k.SIGMOID, ops.RELU: k.RELU, ops.SQRT: k.SQRT,
    ops.SIN: k.SIN, ops.COS: k.COS, ops.ABS: k.ABS, ops.POWER: k.POWER, ops.POW: k.POW, ops.SUM: k.SUM,
    ops.DOT: k.DOT, ops.SSE: k.SSE, ops.BCE: k.BCE, ops.XENT: k.XENT, ops.STEP: k.STEP, ops.SIGN: k.SIGN,
    ops.MAX: k.MAX, ops.LOG0: k.LOG0, ops.LOG_FLOOR: k.LOG_FLOOR, ops.XENT_OF_CLASS: k.XENT_OF_CLASS,
}
CODES.update({ops.SOFTMAX: k.SOFTMAX, ops.LABEL: k.LABEL})
NONE = -1  # "no node" in the index arrays below


@dataclass
class Recording:
    """The arrays of a tape and where its named slots are."""

    codes: np.ndarray  # int8, one op code per slot (k.LEAF for leaves)
    first: np.ndarray  # int32, len(codes) + 1: slot i's operands are operands[first[i]:first[i + 1]]
    # uint32, slot numbers. Unsigned on purpose: Numba checks every signed index for a negative
    # value (Python's x[-1]), and values[operands[m]] in the compiled loops skips that check
    # only for an unsigned one; it made the two-moons backward pass 40% faster.
    operands: np.ndarray
    values: np.ndarray  # float64, the number in every slot
    start: int  # the first op slot: slots before it are leaves
    output: int  # the output's slot
    wrt: np.ndarray  # int32, the slot of each wrt leaf, in the order given
    inputs: np.ndarray  # int32, the slot of each input leaf, in the order given
    fused: int = 0  # how many FUSED_DOT slots stand for add-and-product chains
    made_between: tuple[int, int] = (0, -1)  # the creation numbers of the graph's op nodes lie in this range


def check_leaves(what: str, leaves: object) -> list[Value]:
    """`leaves` as a list of leaf Values, or an error naming the position of the first that is not."""
    leaves = values("Tape", what, leaves)
    for i, leaf in enumerate(leaves):
        if leaf._made_by is not None:
            raise ValueError(
                f"Tape: {what}[{i}] is not a leaf (it was made by {leaf.op!r}); only leaves (parameters,"
                " inputs) can be fed or differentiated against on a tape"
            )
    return leaves


@dataclass
class Graph:
    """The graph behind a Value as arrays, one entry per node, in the order the walk found them."""

    codes: np.ndarray  # int8 op code per node
    first: np.ndarray  # int64: node i's operands are operands[first[i]:first[i + 1]] (node numbers)
    operands: np.ndarray  # int64
    data: np.ndarray  # float64 the node's number
    created: np.ndarray  # int64 its creation number: sorting by it puts every node after its operands


def collect(output: Value, leaves: list[Value]) -> tuple[Graph, dict[Value, int], list[Value]]:
    """Walk the graph behind `output` once (no recursion), and also take in `leaves` it may not reach.

    The k of each x ** k op, and the class c of each xent[c] op, becomes a constant leaf after the
    walk's nodes, read as the op's last operand. Returns the graph's arrays, the node number of
    `output` and `leaves`, and the nodes in the walk's order (node i is found[i]).
    """
    found = [output, *dict.fromkeys(v for v in leaves if v is not output)]
    number = {v: i for i, v in enumerate(found)}
    constants: dict[ops.Op, int] = {}  # each op with a constant (x ** k, xent[c]), and which constant leaf is its own
    codes, data, created, first, operands = [], [], [], [0], []
    code_of = dict(CODES)
    code_of[None] = k.LEAF
    for node in found:  # `found` grows as the walk finds parents: it is its own work queue
        op = node._made_by
        code = code_of.get(op)
        if code is None:
            code = code_of[op] = _code_of_new_op(op)
        codes.append(code)
        data.append(node.data)
        created.append(node._index)
        if code != k.LEAF:
            many = node._many
            for parent in (many if many is not None else (node._left, node._right)):
                if parent is None:
                    continue
                i = number.get(parent)
                if i is None:
                    i = number[parent] = len(found)
                    found.append(parent)
                operands.append(i)
            if op.constant is not None:  # numbered -1, -2, ... until the walk's size is known
                operands.append(-1 - constants.setdefault(op, len(constants)))
        first.append(len(operands))
    for op in constants:  # the constant leaves: made before everything, so sorted first
        codes.append(k.LEAF)
        data.append(float(op.constant))
        created.append(-1)
        first.append(len(operands))
    operands = np.array(operands, np.int64)
    operands[operands < 0] = len(found) - 1 - operands[operands < 0]
    graph = Graph(np.array(codes, np.int8), np.array(first, np.int64), operands, np.array(data, np.float64),
                  np.array(created, np.int64))
    return graph, {v: number[v] for v in [output, *leaves]}, found


# The rows whose ops carry a constant (one op object per value, not kept in OPS): the kind of op,
# its code, and how to make the op again from the constant (tape_errors.py does, to raise an error).
WITH_CONSTANT = {ops.Power: (k.POWER, ops.power), ops.CrossEntropy: (k.XENT, lambda c: ops.xent(int(c)))}
WITH_CONSTANT[ops.Softmax] = (k.SOFTMAX, lambda i: ops.softmax(int(i)))


def _code_of_new_op(op: ops.Op) -> int:
    if type(op) in WITH_CONSTANT:
        return WITH_CONSTANT[type(op)][0]
    raise TypeError(
        f"Tape: the op {op.name!r} is a custom op, which the tape cannot compile; use backward() for"
        " graphs with custom ops, or build this one from the table's ops"
    )


def record(output: Value, wrt: list[Value], inputs: list[Value]) -> Recording:
    """The graph behind `output` as tape arrays, with `wrt` and `inputs` leaves varying between runs."""
    return lay_out_graph(output, wrt, inputs)[0]


@dataclass
class Layout:
    """Where each node of the graph went: what `sync` needs to write a tape's numbers back into the Values."""

    found: list[Value]  # the nodes, in the walk's order
    order: np.ndarray  # node numbers in the order they were made
    slot: np.ndarray  # each node's slot, or NONE for a node a FUSED_DOT stands for (and an unread leaf)
    running: np.ndarray  # the chains found by find_product_chains
    product: np.ndarray
    joins: np.ndarray


def lay_out_graph(output: Value, wrt: list[Value], inputs: list[Value]) -> tuple[Recording, Layout]:
    """Record the graph behind `output`; also say where each node went."""
    graph, number, found = collect(output, [*wrt, *inputs])
    order = np.argsort(graph.created, kind="stable")  # topological: every node after its operands
    named = np.array(list(dict.fromkeys(number[v] for v in [*wrt, *inputs])), np.int64)
    uses = count_uses(graph.codes, graph.first, graph.operands)
    running, product, joins = find_product_chains(order, graph.codes, graph.first, graph.operands, uses)
    slot, codes, first, operands, values, start = lay_out(
        order, graph.codes, graph.first, graph.operands, graph.data, named, number[output], running, product, joins)
    made = graph.created[graph.codes != k.LEAF]
    recording = Recording(
        codes=codes, first=first, operands=operands, values=values, start=start,
        output=int(slot[number[output]]),
        wrt=np.array([slot[number[v]] for v in wrt], np.int32),
        inputs=np.array([slot[number[v]] for v in inputs], np.int32),
        fused=int(np.sum(codes == k.FUSED_DOT)),
        made_between=(int(made.min()), int(made.max())) if len(made) else (0, -1),
    )
    return recording, Layout(found, order, slot, running, product, joins)


def count_uses(codes, first, operands):
    """How many times each node is an operand of an op node."""
    return np.bincount(operands, minlength=len(codes))


def find_product_chains(order, codes, first, operands, uses):
    """Adds of the form `s + w * x` (or `w * x + s`) whose product feeds nothing else, made right after it.

    For such an add i: product[i] is its product node and running[i] its `s`; joins[i] is
    True when `s` is itself such an add, made right before the product and feeding only i:
    then the two belong to one chain, and `lay_out` gives only the chain's last add a slot, a
    FUSED_DOT holding [start, w_1, x_1, ..., w_n, x_n]. (NumPy over all adds at once: a loop
    compiled by Numba did the same, but took a second to compile on a first run.)
    """
    n = len(codes)
    made = order[codes[order] != k.LEAF]
    rank = np.full(n, NONE, np.int64)  # the place of each op node in the order they were made
    rank[made] = np.arange(len(made))
    adds = np.flatnonzero(codes == k.ADD)
    a, b = operands[first[adds]], operands[first[adds] + 1]
    product_of = codes == k.MUL
    right = (a != b) & product_of[b] & (uses[b] == 1) & (rank[b] == rank[adds] - 1)  # s + w * x
    left = (a != b) & ~right & product_of[a] & (uses[a] == 1) & (rank[a] == rank[adds] - 1)  # w * x + s
    running = np.full(n, NONE, np.int64)
    product = np.full(n, NONE, np.int64)
    running[adds[right]], product[adds[right]] = a[right], b[right]
    running[adds[left]], product[adds[left]] = b[left], a[left]
    ends = adds[right | left]
    s = running[ends]
    joins = np.zeros(n, np.bool_)
    joins[ends] = (product[s] != NONE) & (uses[s] == 1) & (rank[s] == rank[product[ends]] - 1)
    return running, product, joins


def lay_out(order, codes, first, operands, data, named, output, running, product, joins):
    """Give every needed node a slot and build the tape's arrays.

    Slots: the named leaves in the order given, then the constants the ops read (and the
    output, if it is one), then the op nodes in topological order. A chain's adds and
    products get no slot: its last add becomes one FUSED_DOT slot. Returns (slot of each
    node, codes, first, operands, values, first op slot). All whole-array NumPy steps: loops
    compiled by Numba did the same, but cost a first run 0.8 s of compiling.
    """
    n = len(codes)
    ends = np.flatnonzero(product != NONE)  # every add of every chain, each with its product
    inside = np.zeros(n, np.bool_)  # adds and products that a FUSED_DOT stands for
    inside[product[ends]] = True
    inside[running[ends[joins[ends]]]] = True
    emitted = ~inside & (codes != k.LEAF)
    # The nodes some slot reads: every operand of every op node (leaves have none), a chain's own
    # adds and products aside (each feeds only its chain): of a chain, its start and each w and x.
    needed = np.zeros(n, np.bool_)
    needed[operands] = True
    needed[inside] = False
    needed[output] = True
    slot = np.full(n, NONE, np.int64)
    slot[named] = np.arange(len(named))
    constant = needed & ~emitted & (slot == NONE)  # read, not computed, and not fed anew
    constants = order[constant[order]]
    slot[constants] = len(named) + np.arange(len(constants))
    start = len(named) + len(constants)
    op_nodes = order[emitted[order]]
    slot[op_nodes] = start + np.arange(len(op_nodes))
    count = start + len(op_nodes)
    values = np.empty(count, np.float64)
    has_slot = np.flatnonzero(slot != NONE)
    values[slot[has_slot]] = data[has_slot]
    new_codes = np.where(product[op_nodes] != NONE, k.FUSED_DOT, codes[op_nodes]).astype(np.int8)
    new_codes = np.concatenate([np.full(start, k.LEAF, np.int8), new_codes])
    reads, slot_ends = _operands_in_slot_order(order, codes, first, operands, running, product, joins, inside, ends)
    new_first = np.zeros(count + 1, np.int32)
    new_first[start + 1:] = slot_ends
    return slot, new_codes, new_first, slot[reads].astype(np.uint32), values, start


def _operands_in_slot_order(order, codes, first, operands, running, product, joins, inside, ends):
    """The nodes each op slot reads, one slot after the other (an op's own operands; a chain's start,
    then w_1, x_1, ..., w_n, x_n), and where each slot's part ends.

    A chain's nodes were made one right after the other (find_product_chains fuses no other), so
    among the op nodes in the order they were made a chain is p_1, a_1, p_2, a_2, ..., p_n, a_n
    with a_n the slot's own: each product adds its w and x (the first product its chain's start
    too), the adds add nothing, and the slots' parts come out in slot order.
    """
    n = len(codes)
    p = product[ends]  # every chain's products
    opens = ~joins[ends]  # for each of them: the first of its chain (its add joins nothing before it)
    own = ~inside & (product == NONE) & (codes != k.LEAF)  # an op slot reading its own operands
    counts = np.zeros(n, np.int64)  # how many nodes each op node adds to the list
    counts[own] = (first[1:] - first[:-1])[own]
    counts[p] = 2 + opens
    made = order[codes[order] != k.LEAF]
    counts_made = counts[made]
    block = np.cumsum(counts_made)  # where each made node's part ends
    at = np.empty(n, np.int64)  # where each op node's part starts
    at[made] = block - counts_made
    reads = np.empty(int(block[-1]) if len(block) else 0, np.int64)
    own_made = made[own[made]]
    reads[_ranges(at, own_made, counts)] = operands[_ranges(first, own_made)]
    reads[at[p[opens]]] = running[ends[opens]]  # the chain's start
    w_at = at[p] + opens
    reads[w_at] = operands[first[p]]
    reads[w_at + 1] = operands[first[p] + 1]
    return reads, block[~inside[made]]


def _ranges(first, which, counts=None):
    """The indices first[i], ..., first[i + 1] - 1 for each i in `which`, one range after the other
    (with `counts`: first[i], ..., first[i] + counts[i] - 1)."""
    lengths = (first[which + 1] - first[which]) if counts is None else counts[which]
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(first[which] - offsets, lengths) + np.arange(total)
