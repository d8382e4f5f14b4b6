"""Comparing an engine MLP's gradients with the NumPy reference's: the tolerances and the check."""

from __future__ import annotations

import numpy as np

from nn import MLP

# Engine and reference compute the same float64 formulas; sums run in another order (pairwise in
# NumPy), so gradients differ by a few ulps; 1e-10 relative is the bar and ample.
RTOL_GRAD = 1e-10
ATOL_GRAD = 1e-13  # gradients that are exactly 0 on one side and ~1e-17 on the other


def assert_grads_match(model: MLP, d_weights: list, d_biases: list | None) -> None:
    """Each layer's weight and bias .grad against the reference's arrays (biases skipped when None)."""
    mine_w = [np.array([[w.grad for w in n.w] for n in layer.neurons]).T for layer in model.layers]
    for mine, theirs in zip(mine_w, d_weights):
        np.testing.assert_allclose(mine, theirs, rtol=RTOL_GRAD, atol=ATOL_GRAD)
    if d_biases is not None:
        for layer, theirs in zip(model.layers, d_biases):
            np.testing.assert_allclose([n.b.grad for n in layer.neurons], theirs, rtol=RTOL_GRAD, atol=ATOL_GRAD)
