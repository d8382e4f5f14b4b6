"""Adam's step on the arrays of a tape in training, as one compiled loop (nn/optim.py calls it).

The same float operations in the same order as the step on each Value, so the same bits (no
fastmath). Sqrt and division are exact IEEE operations whether one at a time or four, so LLVM
may vectorize the loop; error_model="numpy" keeps Python's division-by-zero test out of it (the
divisor is at least eps anyway, or nan).
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, error_model="numpy")
def adam(p, g, m, v, b1, b2, eps, step_size, root_correction2, shrink):
    """p *= shrink; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; p -= step_size m / (√v / root_correction2 + eps)."""
    if shrink != 1.0:  # AdamW's decay, before the step
        for k in range(len(p)):
            p[k] *= shrink
    for k in range(len(p)):
        m[k] = m[k] * b1 + g[k] * (1.0 - b1)
        v[k] = v[k] * b2 + (g[k] * g[k]) * (1.0 - b2)
        p[k] -= m[k] / (math.sqrt(v[k]) / root_correction2 + eps) * step_size
