"""Optimizers: SGD with momentum, Adam and AdamW. Their state lives here, never on the parameters.

Each updates its parameters one by one, in a Python loop over their `.data` and `.grad`; inside
`with tape.training(optimizer):` (autograd/tape/training.py) the same update runs on the tape's
arrays instead, over all parameters at once (SGD as a few NumPy operations, Adam as one compiled
loop, nn/array_steps.py): the same arithmetic in the same order for each parameter, so the same
numbers, with no Python per parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import Value
from nn.checks import finite_number, shown


class Setting:
    """A hyperparameter that is checked every time it is set, in the constructor and later.

    A schedule may change `opt.lr` between steps; a bad value (nan, inf, a negative rate, a str)
    then fails on the line that set it, naming the optimizer, the setting and the value, instead of
    turning every parameter into nan a step later. `step()` reads each setting once per call.

    >>> opt = SGD([Value(1.0)], lr=0.1)
    >>> opt.lr = float("nan")
    Traceback (most recent call last):
    ...
    ValueError: SGD: lr must be a finite number, got nan
    >>> opt.lr
    0.1
    """

    def __init__(self, check: Callable[[str, Any], Any]) -> None:
        self.check = check

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.stored_as = name, "_" + name

    def __get__(self, optimizer: Any, owner: type | None = None) -> Any:
        return self if optimizer is None else getattr(optimizer, self.stored_as)

    def __set__(self, optimizer: Any, value: Any) -> None:
        setattr(optimizer, self.stored_as, self.check(f"{type(optimizer).__name__}: {self.name}", value))


def _learning_rate(what: str, lr: Any) -> float:
    """A finite lr >= 0 (0 is allowed, as in PyTorch: warm-up schedules start there)."""
    number = finite_number(lr, what)
    if number < 0:
        raise ValueError(f"{what} must be >= 0, got {lr!r}")
    return number


def _fraction_below_one(what: str, x: Any) -> float:
    """A momentum or beta: a finite number in [0, 1); at 1 or more the running averages never forget."""
    number = finite_number(x, what)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {x!r}")
    return number


def _pair_of_betas(what: str, betas: Any) -> tuple[float, float]:
    """Two numbers in [0, 1): the decay rates of Adam's first and second moments."""
    if not isinstance(betas, (tuple, list, np.ndarray)):
        raise TypeError(f"{what} must be a pair of numbers in [0, 1) such as (0.9, 0.999), got {type(betas).__name__}")
    if len(betas) != 2:
        raise ValueError(f"{what} must be a pair of numbers in [0, 1), got {len(betas)} numbers: {shown(betas)}")
    return _fraction_below_one(f"{what}[0]", betas[0]), _fraction_below_one(f"{what}[1]", betas[1])


def _positive_epsilon(what: str, eps: Any) -> float:
    """A finite eps > 0: it keeps Adam's denominator sqrt(v) + eps away from 0 when a gradient is 0."""
    number = finite_number(eps, what)
    if not number > 0:
        raise ValueError(f"{what} must be > 0 (it keeps the update's denominator away from 0), got {eps!r}")
    return number


def _non_negative(what: str, x: Any) -> float:
    """A finite number >= 0, such as a weight decay (0 turns it off)."""
    number = finite_number(x, what)
    if number < 0:
        raise ValueError(f"{what} must be >= 0, got {x!r}")
    return number


class Optimizer:
    """Holds the parameters; `lr` is an attribute a schedule may change between steps (checked when set)."""

    lr = Setting(_learning_rate)

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        if not isinstance(params, Iterable) or isinstance(params, (str, bytes, Value)):
            hint = "; call it: model.parameters()" if callable(params) else ""
            got = type(params).__name__
            raise TypeError(f"{name} needs a list of Values such as model.parameters(), got {got}{hint}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name} got no parameters to optimize")
        first_position: dict[Value, int] = {}  # Values hash by identity: a repeat is the same object
        repeats = []
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Value")
            if first_position.setdefault(p, i) != i:
                repeats.append(f"{i} is parameter {first_position[p]}")
        # Refused, not silently dropped: step() would move a repeated parameter twice per step, and a
        # repeat usually means the list was put together wrongly (PyTorch warns that it will become an
        # error). A learner with deliberately shared weights removes the repeats in one line.
        if repeats:
            raise ValueError(
                f"{name}: the same Value appears more than once (parameter {', '.join(repeats[:4])}), so step()"
                " would update it more than once; pass each parameter once, e.g. list(dict.fromkeys(params))"
            )
        self.lr = lr
        self._arrays: Any = None  # a tape's training arrays (data, grad, index), while it trains these parameters

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to 0."""
        if self._arrays is not None:
            if self._arrays.index is None:
                self._arrays.grad[:] = 0.0
            else:
                self._arrays.grad[self._arrays.index] = 0.0
            return
        for p in self.params:
            p.grad = 0.0

    # -- inside tape.training(): the parameters as arrays ------------------------------------------------

    def _bind_arrays(self, arrays: Any) -> None:
        """Update `arrays.data` from `arrays.grad` from now on (entries `arrays.index`, or all, in parameter order)."""
        self._arrays = arrays
        for name in self._state_names:
            setattr(self, name, np.array(getattr(self, name), dtype=np.float64))

    def _unbind_arrays(self) -> None:
        """Back to the parameters' .data and .grad; the state back to lists."""
        self._arrays = None
        for name in self._state_names:
            setattr(self, name, getattr(self, name).tolist())

    _state_names: tuple[str, ...] = ()  # per-parameter state lists, held as arrays while bound

    def _numbers_and_grads(self) -> tuple[np.ndarray, np.ndarray]:
        arrays = self._arrays
        if arrays.index is None:
            return arrays.data, arrays.grad  # the arrays themselves: updated in place
        return arrays.data[arrays.index], arrays.grad[arrays.index]

    def _store(self, numbers: np.ndarray) -> None:
        if self._arrays.index is not None:
            self._arrays.data[self._arrays.index] = numbers


class SGD(Optimizer):
    """p -= lr * v with v = momentum * v + grad + weight_decay * p (PyTorch's form; plain SGD by default).

    `weight_decay` adds weight_decay * p to each gradient: the gradient of an L2 penalty
    (weight_decay / 2) * sum(p * p) that is then not built into the graph (as torch.optim.SGD does).

    >>> p = Value(1.0); p.grad = 0.5
    >>> SGD([p], lr=0.1).step(); p.data
    0.95
    >>> q = Value(1.0); q.grad = 0.5
    >>> SGD([q], lr=0.1, weight_decay=0.5).step(); q.data  # 1 - 0.1 * (0.5 + 0.5 * 1)
    0.9
    """

    momentum = Setting(_fraction_below_one)
    weight_decay = Setting(_non_negative)

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = [0.0] * len(self.params)

    _state_names = ("velocity",)

    def step(self) -> None:
        """One update of every parameter from its current `.grad` (a nan gradient makes the parameter nan)."""
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay  # read once: each read is a function call
        if self._arrays is not None:  # the loops below, on arrays: the same operations in the same order
            p, g = self._numbers_and_grads()
            if decay != 0.0:
                g = g + decay * p  # a new array: the gradients themselves stay as the run left them
            if momentum == 0.0:
                p -= lr * g
            else:
                v = self.velocity
                v *= momentum
                v += g
                p -= lr * v
            self._store(p)
            return
        if momentum == 0.0 and decay == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        velocity = self.velocity
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data if decay != 0.0 else p.grad
            if momentum == 0.0:
                p.data -= lr * g
                continue
            velocity[i] = v = momentum * velocity[i] + g
            p.data -= lr * v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected first and second moments.

    >>> p = Value(1.0); p.grad = 0.5
    >>> Adam([p], lr=0.1).step(); round(p.data, 6)  # first step moves by ~lr
    0.9
    """

    betas = Setting(_pair_of_betas)
    eps = Setting(_positive_epsilon)

    def __init__(
        self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.betas, self.eps = betas, eps
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    _state_names = ("m", "v")

    def step(self) -> None:
        """One update of every parameter from its current `.grad` (a nan gradient makes the parameter nan)."""
        self._update(shrink=1.0)

    def _update(self, shrink: float) -> None:
        """Multiply each parameter by `shrink` (AdamW's decay; 1.0 for Adam), then take Adam's step.

        In PyTorch's order of operations (torch.optim.Adam and AdamW share it), so that the
        two agree step for step.
        """
        lr, (b1, b2), eps = self.lr, self.betas, self.eps  # read once: each read of a Setting is a call
        self.t += 1
        step_size = lr / (1.0 - b1**self.t)  # the bias corrections of m and v, as PyTorch applies them
        root_correction2 = (1.0 - b2**self.t) ** 0.5
        if self._arrays is not None:  # the loop below, on arrays: the same operations in the same order
            from nn.array_steps import adam  # compiled: Numba is there whenever a tape is

            p, g = self._numbers_and_grads()
            adam(p, g, self.m, self.v, b1, b2, eps, step_size, root_correction2, shrink)
            self._store(p)
            return
        for i, p in enumerate(self.params):
            g = p.grad
            if shrink != 1.0:
                p.data *= shrink
            self.m[i] = m = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = v = b2 * self.v[i] + (1.0 - b2) * (g * g)
            p.data -= step_size * (m / (math.sqrt(v) / root_correction2 + eps))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), step for step as torch.optim.AdamW.

    Each step first shrinks every parameter by lr * weight_decay of itself, then takes Adam's step.
    "Decoupled": the decay is not added to the gradient, so it does not pass through Adam's running
    averages and is not divided by sqrt(v); every weight decays at the same rate.

    >>> p = Value(1.0); p.grad = 0.5
    >>> AdamW([p], lr=0.1, weight_decay=0.5).step(); round(p.data, 6)  # 1 * (1 - 0.1 * 0.5), then ~ -lr
    0.85
    """

    weight_decay = Setting(_non_negative)

    def __init__(
        self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps)
        self.weight_decay = weight_decay

    def step(self) -> None:
        """One update of every parameter from its current `.grad` (a nan gradient makes the parameter nan)."""
        self._update(shrink=1.0 - self.lr * self.weight_decay)
