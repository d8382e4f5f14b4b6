"""Check a whole network's hand-written backprop, parameter by parameter, against finite differences."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autograd import Value, no_grad
from autograd.check import GradcheckReport, check_settings, compare
from nn.checks import real_number
from nn.module import Module


def check_model_gradients(
    model: Module, loss_fn: Callable[[Module], Value], user_grads: Callable[[Module], Any], *,
    eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
) -> GradcheckReport:
    """Compare `user_grads(model)` with central differences of `loss_fn(model)` for every parameter.

    `loss_fn(model)` computes the loss on your batch; `user_grads(model)` returns your gradient per
    parameter, as a mapping from the names of `model.named_parameters()` or a list in
    `model.parameters()` order (the deltas the tutorials compute by hand). The model is left as it was,
    but each parameter is moved by +-eps meanwhile: no other thread may use the model during the check.

    >>> from nn import Neuron, mse
    >>> n = Neuron(1, activation="linear", bias=False, seed=0)
    >>> loss = lambda m: mse([m([2.0])], [1.0], reduction="sum")
    >>> right = lambda m: [2 * (2 * m.w[0].data - 1.0) * 2]
    >>> bool(check_model_gradients(n, loss, right)), bool(check_model_gradients(n, loss, lambda m: [0.0]))
    (True, False)
    """
    who = "check_model_gradients"
    if not isinstance(model, Module):
        raise TypeError(f"{who}: model must be an nn Module (such as an MLP), got {type(model).__name__}")
    for name, fn in (("loss_fn", loss_fn), ("user_grads", user_grads)):
        if not callable(fn):
            raise TypeError(f"{who}: {name} must be a function of the model, got {type(fn).__name__}")
    check_settings(who, eps, atol, rtol)
    eps = float(eps)
    named = list(model.named_parameters())
    given = user_grads(model)
    if isinstance(given, Mapping):
        missing = [name for name, _ in named if name not in given]
        unexpected = [name for name in given if name not in dict(named)]
        if missing or unexpected:
            raise ValueError(
                f"{who}: user_grads must name every parameter and nothing else;"
                f" missing {missing[:4]}, unexpected {unexpected[:4]}"
            )
        pairs = [(name, given[name]) for name, _ in named]
    elif isinstance(given, Iterable) and not isinstance(given, (str, bytes)):
        given = list(given)
        if len(given) != len(named):
            raise ValueError(f"{who}: user_grads returned {len(given)} gradients for {len(named)} parameters")
        pairs = [(name, g) for (name, _), g in zip(named, given)]
    else:
        raise TypeError(
            f"{who}: user_grads must return a list of gradients or a dict name -> gradient,"
            f" got {type(given).__name__}"
        )
    # A Value counts by its number (a hand-written backprop may well compute with Values); a nan is
    # kept, and shows as a failing row.
    analytic = [
        g.data if isinstance(g, Value) else real_number(g, f"{who}: the gradient user_grads gave for {name}")
        for name, g in pairs
    ]
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
            hi = _loss_value(loss_fn, model)
            p.data = original - eps
            lo = _loss_value(loss_fn, model)
    finally:
        p.data = original
    return (hi - lo) / (2 * eps)


def _loss_value(loss_fn: Callable[[Module], Value], model: Module) -> float:
    loss = loss_fn(model)
    if not isinstance(loss, Value):
        raise TypeError(f"check_model_gradients: loss_fn must return a Value, got {type(loss).__name__}")
    return loss.data
