"""What the compiled loops of autograd/tape/kernels.py check: the engine's refusals, in compiled form.

The non-finite policy of autograd/floats.py (finite inputs giving inf or nan are refused, a nan
already there flows on), and the cheap test `_add` runs on every gradient passed back.
"""

from __future__ import annotations

import math

from numba import njit


@njit
def _finite(x: float) -> bool:
    return x - x == 0.0  # 0.0 for every finite x; nan for inf and nan


@njit
def _operands_finite(values, operands, lo, hi) -> bool:
    for m in range(lo, hi):
        if not _finite(values[operands[m]]):
            return False
    return True


@njit
def _pow_refused(x: float, y: float) -> bool:
    """Where floats._check_pow raises: 0 to a negative power, a negative base to a finite non-whole one."""
    if x == 0.0 and y < 0.0:
        return True
    return x < 0.0 and _finite(y) and math.floor(y) != y


@njit(error_model="numpy")
def _chain_refused(values, operands, j, end) -> bool:
    """Whether the add-and-multiply chain a FUSED_DOT stands for has a step the engine refuses.

    Only asked when the fused result is not finite: each product and each partial sum is
    then checked as its own eager node would check it.
    """
    v = values[operands[j]]
    for m in range(j + 1, end, 2):
        w, z = values[operands[m]], values[operands[m + 1]]
        product = w * z
        if not _finite(product) and _finite(w) and _finite(z):
            return True
        total = v + product
        if not _finite(total) and _finite(v) and _finite(product):
            return True
        v = total
    return False


@njit
def _add(grads, p, contribution) -> bool:
    """grads[p] += contribution, if the sum is finite (nearly always); else False, nothing written.

    Used by the checked backward pass only: the unchecked one adds without looking, and is
    compiled without this function or `_settle` (the `if checked is not None:` branches of
    kernels._backward are pruned when it is compiled), which makes it compile faster.
    """
    total = grads[p] + contribution
    if total - total == 0.0:
        grads[p] = total
        return True
    return False


@njit(error_model="numpy")
def _settle(grads, p, contribution, g, out, values, operands, lo, hi) -> bool:
    """grads[p] + contribution is inf or nan: write it if that was already there, else refuse (False).

    The op's inputs are `values[operands[lo:hi]]`, its output `out`, its upstream gradient g.
    """
    if not _finite(contribution):
        # Refused when it began here: the op's inputs, its output and g all finite (ops.py).
        if _finite(g) and _finite(out) and _operands_finite(values, operands, lo, hi):
            return False
    elif _finite(grads[p]):  # each share finite, their sum not
        return False
    grads[p] = grads[p] + contribution
    return True
