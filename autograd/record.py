"""Recording a finished graph as flat arrays: the data a `Tape` replays (no Python object per node).

Slots: every number of the graph gets one slot in `values`. Leaves come first (the `wrt`
leaves, then the `inputs` leaves, then constants), then every op node, in the order the
eager engine made them. An op slot holds an op code (autograd/kernels.py) and the slots of
its operands, kept for all slots in one array, `operands[first[i]:first[i + 1]]`.

Two rewrites happen on the way (each is a small function below, with a test showing the
graph before and after and the same numbers):

- constant folding: an op node none of whose inputs can change between runs (it does not
  depend on a `wrt` or `inputs` leaf) is recorded as a constant with its current number;
- product chains: `s = s + w * x` written in a loop makes one add and one product per term;
  a chain of them becomes one FUSED_DOT slot that computes the same sums in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd import kernels as k
from autograd import ops
from autograd.graph import topological_order
from autograd.value import Value

# The op code of every row of the op table. tests/test_tape.py fails for a row missing here.
CODES = {
    ops.ADD: k.ADD, ops.SUB: k.SUB, ops.MUL: k.MUL, ops.DIV: k.DIV, ops.NEG: k.NEG, ops.EXP: k.EXP,
    ops.LOG: k.LOG, ops.TANH: k.TANH, ops.SIGMOID: k.SIGMOID, ops.RELU: k.RELU, ops.SQRT: k.SQRT,
    ops.SIN: k.SIN, ops.COS: k.COS, ops.ABS: k.ABS, ops.POWER: k.POWER, ops.POW: k.POW, ops.SUM: k.SUM,
    ops.DOT: k.DOT, ops.SSE: k.SSE, ops.BCE: k.BCE,
}


@dataclass
class Recording:
    """The arrays of a tape and where its named slots are."""

    codes: np.ndarray  # int8, one op code per slot (k.LEAF for leaves)
    first: np.ndarray  # int32, len(codes) + 1: slot i's operands are operands[first[i]:first[i + 1]]
    operands: np.ndarray  # int32, slot numbers
    values: np.ndarray  # float64, the number in every slot
    start: int  # the first op slot: slots before it are leaves
    output: int  # the output's slot
    wrt: np.ndarray  # int32, the slot of each wrt leaf, in the order given
    inputs: np.ndarray  # int32, the slot of each input leaf, in the order given
    fused: int = 0  # how many add-and-product chains became one FUSED_DOT slot
    folded: int = 0  # how many op nodes were folded into constants


def check_leaves(what: str, leaves: object) -> list[Value]:
    """`leaves` as a list of leaf Values, or an error naming the position of the first that is not."""
    if isinstance(leaves, Value) or not hasattr(leaves, "__iter__"):
        raise TypeError(f"Tape: {what} must be a list of leaf Values, got {type(leaves).__name__}")
    leaves = list(leaves)
    for i, leaf in enumerate(leaves):
        if not isinstance(leaf, Value):
            raise TypeError(f"Tape: {what}[{i}] must be a Value, got {type(leaf).__name__} {leaf!r:.40}")
        if leaf._op is not None:
            raise ValueError(
                f"Tape: {what}[{i}] is not a leaf (it was made by {leaf.op!r}); only leaves (parameters,"
                " inputs) can be fed or differentiated against on a tape"
            )
    return leaves


def record(output: Value, wrt: list[Value], inputs: list[Value]) -> Recording:
    """The graph behind `output` as tape arrays, with `wrt` and `inputs` leaves varying between runs."""
    order = topological_order(output)
    varying = set(wrt) | set(inputs)
    op_nodes = fold_constants(order, varying)
    computed = set(op_nodes)
    named = list(dict.fromkeys([*wrt, *inputs]))  # each leaf once, in the order given
    constants = [n for n in order if n not in varying and n not in computed]
    powers = _exponent_constants(op_nodes)
    leaf_slots = named + constants
    slot_of = dict(zip(leaf_slots, range(len(leaf_slots))))
    values = [n.data for n in leaf_slots]
    for op_entry, exponent in powers.items():  # the k of each x ** k op, one slot per k
        slot_of[op_entry] = len(values)
        values.append(exponent)
    start = len(values)
    chains = fuse_product_chains(op_nodes)
    codes = [k.LEAF] * start
    first = [0] * start
    operands: list[int] = []
    for node in op_nodes:
        if node in chains.absorbed:
            continue
        slot_of[node] = len(values)
        values.append(node.data)
        first.append(len(operands))
        chain = chains.heads.get(node)
        if chain is not None:
            codes.append(k.FUSED_DOT)
            operands += [slot_of[n] for n in chain]
            continue
        code = CODES.get(node._op) if type(node._op) is not ops.Power else k.POWER
        if code is None:
            raise TypeError(
                f"Tape: the op {node.op!r} is a custom op, which the tape cannot compile; use"
                " backward() for graphs with custom ops, or build this one from the table's ops"
            )
        codes.append(code)
        operands += [slot_of[p] for p in node.parents]
        if type(node._op) is ops.Power:
            operands.append(slot_of[node._op])
    first.append(len(operands))
    return Recording(
        codes=np.array(codes, dtype=np.int8),
        first=np.array(first, dtype=np.int32),
        operands=np.array(operands, dtype=np.int32),
        values=np.array(values, dtype=np.float64),
        start=start,
        output=slot_of[output],
        wrt=np.array([slot_of[n] for n in wrt], dtype=np.int32),
        inputs=np.array([slot_of[n] for n in inputs], dtype=np.int32),
        fused=chains.count,
        folded=sum(1 for n in order if n._op is not None) - len(op_nodes),
    )


def fold_constants(order: list[Value], varying: set[Value]) -> list[Value]:
    """The op nodes that depend on a varying leaf, in order; every other op node is a constant.

    >>> a, c = Value(2.0), Value(3.0)
    >>> y = a * (c * c)              # c * c never changes when only a is fed anew
    >>> [n.op for n in fold_constants(topological_order(y), {a})]
    ['*']
    """
    live: set[Value] = set(varying)
    kept = []
    for node in order:
        if node._op is not None and any(p in live for p in node.parents):
            live.add(node)
            kept.append(node)
    return kept


def _exponent_constants(op_nodes: list[Value]) -> dict[ops.Power, float]:
    """The op of every x ** k node, with its k (a constant operand on the tape)."""
    return {n._op: n._op.k for n in op_nodes if type(n._op) is ops.Power}


@dataclass
class Chains:
    """The result of `fuse_product_chains`: what replaces what."""

    heads: dict[Value, list[Value]]  # the last add of a chain -> [start, w_1, x_1, w_2, x_2, ...]
    absorbed: set[Value]  # the adds and products inside chains: no slot of their own
    count: int


def fuse_product_chains(op_nodes: list[Value]) -> Chains:
    """Find chains `s = s + w * x` whose adds and products feed nothing else.

    Each becomes [start, w_1, x_1, ..., w_n, x_n]: one FUSED_DOT slot computing
    ((start + w_1 x_1) + w_2 x_2) + ..., the very sums the chain computed, in its order.

    >>> w, x = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]
    >>> s = 0
    >>> for wi, xi in zip(w, x):
    ...     s = s + wi * xi
    >>> chains = fuse_product_chains(topological_order(s, leaves=False))
    >>> [v.data for v in chains.heads[s]]
    [0.0, 1.0, 3.0, 2.0, 4.0]
    """
    uses: dict[Value, int] = {}
    for node in op_nodes:
        for p in node.parents:
            uses[p] = uses.get(p, 0) + 1
    heads: dict[Value, list[Value]] = {}
    absorbed: set[Value] = set()
    for node in op_nodes:
        if node._op is not ops.ADD:
            continue
        a, b = node._left, node._right
        if b._op is ops.MUL and uses[b] == 1 and a is not b:
            running, product = a, b
        elif a._op is ops.MUL and uses[a] == 1 and a is not b:
            running, product = b, a
        else:
            continue
        chain = heads.pop(running, None) if uses.get(running) == 1 else None
        if chain is None:
            chain = [running]
        else:
            absorbed.add(running)
        absorbed.add(product)
        heads[node] = [*chain, product._left, product._right]
    count = sum(1 for chain in heads.values() if len(chain) > 3)
    # A chain of one product is an add of a product: fusing it still saves a slot and a step.
    return Chains(heads, absorbed, count)
