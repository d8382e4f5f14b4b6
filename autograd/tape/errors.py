"""What a tape raises when a replay meets a bad number: exactly what the eager engine raises there.

The compiled loops only say where they stopped (a slot, and an operand position). These
functions put that op back together from the op table and the numbers in the slots, and let
the table's own forward, derivative rule and non-finite policy raise their usual error.
"""

from __future__ import annotations

import numpy as np

from autograd import ops
from autograd.graph import refuse_non_finite_gradient, slopes_of
from autograd.nodes import apply
from autograd.tape import kernels as k
from autograd.tape.record import CODES, WITH_CONSTANT, Recording
from autograd.value import Value

OP_OF_CODE = {code: op for op, code in CODES.items()}
MAKE_FROM_CONSTANT = dict(WITH_CONSTANT.values())  # code -> the op for a constant


def _operands(rec: Recording, i: int, values: np.ndarray) -> tuple[list[int], list[float]]:
    slots = rec.operands[rec.first[i] : rec.first[i + 1]].tolist()
    return slots, values[slots].tolist()


def _disagree(rec: Recording, i: int, where: str) -> RuntimeError:
    code = int(rec.codes[i])
    return RuntimeError(f"tape: the compiled {where} stopped at slot {i} (op code {code}) but the op table"
                        " finds nothing wrong there; please report this with the graph")


def raise_forward_error(rec: Recording, i: int, values: np.ndarray | None = None) -> None:
    """Recompute slot i's op eagerly from its operands' numbers (in `values`, else the tape's): it raises."""
    code = int(rec.codes[i])
    _, numbers = _operands(rec, i, rec.values if values is None else values)
    leaves = [Value(x) for x in numbers]
    if code == k.FUSED_DOT:  # the chain it stands for, step by step: the step at fault raises
        total = leaves[0]
        for w, x in zip(leaves[1::2], leaves[2::2]):
            total = total + w * x
    elif code in MAKE_FROM_CONSTANT:  # x ** k, xent[c]: the constant is the last operand, part of the op
        apply(MAKE_FROM_CONSTANT[code](numbers[-1]), *leaves[:-1])
    else:
        apply(OP_OF_CODE[code], *leaves)
    raise _disagree(rec, i, "forward pass")


def raise_backward_error(rec: Recording, grads: np.ndarray, i: int, position: int,
                         values: np.ndarray | None = None) -> None:
    """Slot i's gradient step to its operand at `position`, done by the op table: it raises the engine's error."""
    values = rec.values if values is None else values
    code = int(rec.codes[i])
    slots, numbers = _operands(rec, i, values)
    upstream = float(grads[i])
    if code == k.FUSED_DOT:
        if position == 0:  # the start term, reached through the chain's first add
            op, args, which = ops.ADD, [numbers[0], numbers[1] * numbers[2]], 0
            out = args[0] + args[1]
        else:  # a product w * x of the chain
            pair = (position - 1) // 2 * 2 + 1
            op, args, which = ops.MUL, numbers[pair : pair + 2], (position - 1) % 2
            out = args[0] * args[1]
    elif code in MAKE_FROM_CONSTANT:
        op, args, out, which = MAKE_FROM_CONSTANT[code](numbers[-1]), numbers[:-1], float(values[i]), position
    else:
        op, args, out, which = OP_OF_CODE[code], numbers, float(values[i]), position
    slope = slopes_of(op, args, out)[which]
    before = float(grads[slots[position]])
    refuse_non_finite_gradient(op, args, out, upstream, slope, before)
    raise _disagree(rec, i, "backward pass")
