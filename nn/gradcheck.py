"""Check a whole network's hand-written backprop, parameter by parameter, against finite differences."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autograd import Value, no_grad
from autograd.check import GradcheckReport, compare
from nn.module import Module


def check_model_gradients(
    model: Module, loss_fn: Callable[[Module], Value], user_grads: Callable[[Module], Any], *,
    eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare `user_grads(model)` with central differences of `loss_fn(model)` for every parameter.

    `loss_fn(model)` computes the loss on your batch; `user_grads(model)` returns your gradient per
    parameter, as a mapping from the names of `model.named_parameters()` or a list in
    `model.parameters()` order (the deltas the tutorials compute by hand). The model is left as it was.

    >>> from nn import Neuron, mse
    >>> n = Neuron(1, activation="linear", bias=False, seed=0)
    >>> loss = lambda m: mse([m([2.0])], [1.0], reduction="sum")
    >>> right = lambda m: [2 * (2 * m.w[0].data - 1.0) * 2]
    >>> bool(check_model_gradients(n, loss, right)), bool(check_model_gradients(n, loss, lambda m: [0.0]))
    (True, False)
    """
    named = list(model.named_parameters())
    given = user_grads(model)
    if isinstance(given, Mapping):
        missing = [name for name, _ in named if name not in given]
        if missing:
            raise ValueError(f"user_grads is missing parameters {missing[:4]}; it must name every parameter")
        analytic = [given[name] for name, _ in named]
    else:
        analytic = list(given)
        if len(analytic) != len(named):
            raise ValueError(f"user_grads returned {len(analytic)} gradients for {len(named)} parameters")
    numeric = [_central_difference(loss_fn, model, p, eps) for _, p in named]
    return compare(
        [name for name, _ in named], [p.data for _, p in named], analytic, numeric, eps, atol, rtol,
        f"gradient check of {model!r}",
    )


def _central_difference(loss_fn: Callable[[Module], Value], model: Module, p: Value, eps: float) -> float:
    original = p.data
    try:
        with no_grad():  # only the loss's value is needed: record no graph
            p.data = original + eps
            hi = loss_fn(model).data
            p.data = original - eps
            lo = loss_fn(model).data
    finally:
        p.data = original
    return (hi - lo) / (2 * eps)
