"""A vectorized NumPy MLP with hand-written forward and backward: the oracle for the engine.

Same architectures and conventions as `nn.MLP`: weights (n_in, n_out), biases (n_out,)
or None, an activation on hidden layers and `output_activation` on the last, losses over
all outputs of a batch flattened in row order (sample by sample), exactly as one would
pass the engine's predictions to `nn.mse` and friends.

>>> net = ReferenceMLP([np.array([[0.5], [-1.0]])], activation="linear", output_activation="linear")
>>> net.forward(np.array([[2.0, 3.0]]))
array([[-2.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd.ops import BCE_EPS, BCE_LOG_FLOOR
from nn.checks import finite_number, number_array


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of a negative number only, as in the engine, so nothing overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# name -> (forward f(z), derivative f'(z) written with z and a = f(z))
ACTIVATIONS = {
    "sigmoid": (_sigmoid, lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    # relu: z <= 0 picks 0, so a nan (for which every comparison is False) stays nan, as in the engine.
    "relu": (lambda z: np.where(z <= 0, 0.0, z), lambda z, a: (z > 0).astype(float)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
}


def _floored_log(x: np.ndarray) -> np.ndarray:
    # Floored where x <= e**-100; written so that a nan is not floored into a number but stays nan.
    with np.errstate(divide="ignore"):
        return np.where(x <= np.exp(BCE_LOG_FLOOR), BCE_LOG_FLOOR, np.log(np.maximum(x, 1e-300)))


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray, reduction: str = "mean") -> tuple:
    """(loss, d loss / d logits) of cross-entropy over a batch: logits (batch, classes), target (batch,) class indices.

    By hand: with the row's largest logit m taken out, loss = ln(sum_j e**(z_j - m)) - (z_c - m),
    and d loss / d z = softmax(z) - one-hot(c), divided by the batch size for the mean.

    >>> loss, grad = softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
    >>> float(loss), grad.tolist()
    (2000.0, [[1.0, -1.0]])
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")
    z = number_array(logits, "cross_entropy: logits", ndim=2)
    c = np.asarray(target)
    if c.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: targets must be int class indices, got dtype {c.dtype}")
    if c.shape != (z.shape[0],):
        raise ValueError(f"cross_entropy: logits of shape {z.shape} need targets shaped ({z.shape[0]},), got {c.shape}")
    if 0 in z.shape:
        raise ValueError(f"cross_entropy: needs at least one example and one class, got logits of shape {z.shape}")
    if not (0 <= c.min() and c.max() < z.shape[1]):
        raise ValueError(f"cross_entropy: targets must be class indices in [0, {z.shape[1]}), got {c.tolist()}")
    rows = np.arange(z.shape[0])
    # An inf logit gives inf - inf = nan: it flows on, as in the engine. A difference past float range
    # (-1e308 - 1e308) is -inf, whose exp is exactly 0: that logit's probability, as in the engine.
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = z - z.max(axis=1, keepdims=True)  # every exp below sees a number <= 0
    exps = np.exp(shifted)
    sums = exps.sum(axis=1)
    losses = np.log(sums) - shifted[rows, c]
    grad = exps / sums[:, None]  # softmax
    grad[rows, c] -= 1.0  # minus the one-hot
    scale = 1.0 / z.shape[0] if reduction == "mean" else 1.0
    return scale * np.sum(losses), scale * grad


def loss_and_grad(name: str, pred: np.ndarray, target: np.ndarray, reduction: str = "mean") -> tuple:
    """(loss, d loss / d pred) for 'mse', 'binary_cross_entropy', 'hinge' or 'cross_entropy', by hand.

    >>> loss_and_grad("mse", np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    (np.float64(2.5), array([1., 2.]))
    """
    if not isinstance(name, str) or name not in ("mse", "binary_cross_entropy", "hinge", "cross_entropy"):
        raise ValueError(f"unknown loss {name!r}; choose 'mse', 'binary_cross_entropy', 'hinge' or 'cross_entropy'")
    if name == "cross_entropy":  # logits (batch, classes) and class indices (batch,): shapes differ
        return softmax_cross_entropy(pred, target, reduction)
    if reduction not in ("mean", "sum") or (reduction == "sum" and name != "mse"):
        allowed = "'mean' or 'sum'" if name == "mse" else "'mean' (as in nn)"
        raise ValueError(f"{name}: reduction must be {allowed}, got {reduction!r}")
    p, t = number_array(pred, f"{name}: predictions"), number_array(target, f"{name}: targets")
    if p.shape != t.shape:
        raise ValueError(f"{name}: predictions have shape {p.shape} but targets {t.shape}")
    n = p.size
    if name == "mse":
        diff = p - t
        scale = 1.0 / n if reduction == "mean" else 1.0
        return scale * np.sum(diff * diff), scale * 2.0 * diff
    if name == "binary_cross_entropy":
        losses = -(t * _floored_log(p) + (1.0 - t) * _floored_log(1.0 - p))
        return np.mean(losses), (p - t) / np.maximum(p * (1.0 - p), BCE_EPS) / n
    margin = 1.0 - t * p  # hinge, the one name left
    return np.mean(np.maximum(margin, 0.0)), np.where(margin > 0, -t, 0.0) / n


def _arrays(xs: object, what: str) -> list:
    if isinstance(xs, np.ndarray) or not isinstance(xs, (list, tuple)):
        raise TypeError(f"ReferenceMLP: {what} must be a list of arrays, one per layer, got {type(xs).__name__}")
    return list(xs)


class ReferenceMLP:
    """The MLP of `nn.MLP` on whole batches: forward, then backward by the chain rule in matrix form."""

    def __init__(
        self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray] | None = None,
        activation: str = "relu", output_activation: str = "linear",
    ) -> None:
        for name in (activation, output_activation):
            if not isinstance(name, str) or name not in ACTIVATIONS:
                raise ValueError(f"ReferenceMLP: unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
        weights = _arrays(weights, "weights")
        self.weights = [number_array(w, f"ReferenceMLP: weights[{i}]", 2, stored=True) for i, w in enumerate(weights)]
        if not self.weights:
            raise ValueError("ReferenceMLP needs at least one weight array, got none")
        for i in range(1, len(self.weights)):
            if self.weights[i].shape[0] != self.weights[i - 1].shape[1]:
                raise ValueError(
                    f"ReferenceMLP: weights[{i}] has shape {self.weights[i].shape} but weights[{i - 1}]"
                    f" outputs {self.weights[i - 1].shape[1]}"
                )
        self.biases = None
        if biases is not None:
            biases = _arrays(biases, "biases")
            self.biases = [number_array(b, f"ReferenceMLP: biases[{i}]", 1, stored=True) for i, b in enumerate(biases)]
            if [b.shape[0] for b in self.biases] != [w.shape[1] for w in self.weights]:
                raise ValueError(
                    f"ReferenceMLP: biases have shapes {[b.shape for b in self.biases]}; one of shape (n_out,)"
                    f" per weight array is needed: {[(w.shape[1],) for w in self.weights]}"
                )
        n = len(self.weights)
        self.activations = [activation] * (n - 1) + [output_activation]
        self._outs: list[np.ndarray] = []

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Outputs of shape (batch, n_out); remembers what backward needs."""
        a = number_array(x, "ReferenceMLP: the input x", ndim=2)
        if a.shape[1] != self.weights[0].shape[0]:
            raise ValueError(f"ReferenceMLP: x must have shape (batch, {self.weights[0].shape[0]}), got {a.shape}")
        self._inputs, self._zs, self._outs = [], [], []
        for i, w in enumerate(self.weights):
            z = a @ w + (self.biases[i] if self.biases is not None else 0.0)
            self._inputs.append(a)
            a = ACTIVATIONS[self.activations[i]][0](z)
            self._zs.append(z)
            self._outs.append(a)
        return a

    def backward(self, d_out: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """Gradients (dW per layer, db per layer or None) given d loss / d outputs of the last forward."""
        if not self._outs:
            raise RuntimeError("ReferenceMLP.backward needs a forward pass first")
        d_weights, d_biases = [], []
        delta = np.asarray(d_out, dtype=float).reshape(self._outs[-1].shape)
        for i in reversed(range(len(self.weights))):
            delta = delta * ACTIVATIONS[self.activations[i]][1](self._zs[i], self._outs[i])  # through f
            d_weights.append(self._inputs[i].T @ delta)  # z = a W + b: dL/dW = a^T delta
            d_biases.append(delta.sum(axis=0))  # and dL/db = sum over the batch of delta
            delta = delta @ self.weights[i].T  # and dL/da = delta W^T, for the layer below
        d_weights.reverse()
        d_biases.reverse()
        return d_weights, (d_biases if self.biases is not None else None)

    def loss_and_grads(
        self, x: np.ndarray, target: np.ndarray, loss: str = "mse", reduction: str = "mean", l2: float = 0.0
    ) -> tuple[float, list[np.ndarray], list[np.ndarray] | None]:
        """loss(forward(x), target) + l2 * sum of squared parameters, and its gradients."""
        l2 = finite_number(l2, "ReferenceMLP.loss_and_grads: l2")
        out = self.forward(x)
        if loss == "cross_entropy":  # targets are class indices, one per row of outputs
            value, d_out = softmax_cross_entropy(out, target, reduction)
        else:
            value, d_out = loss_and_grad(loss, out, np.asarray(target, dtype=float).reshape(out.shape), reduction)
        d_weights, d_biases = self.backward(d_out)
        if l2:
            params = self.weights + (self.biases or [])
            value = value + l2 * sum(np.sum(p * p) for p in params)
            d_weights = [dw + 2.0 * l2 * w for dw, w in zip(d_weights, self.weights)]
            if d_biases is not None:
                d_biases = [db + 2.0 * l2 * b for db, b in zip(d_biases, self.biases)]
        return float(value), d_weights, d_biases

    def sgd_step(self, d_weights: list[np.ndarray], d_biases: list[np.ndarray] | None, lr: float) -> None:
        """Gradient descent: every parameter moves by -lr times its gradient."""
        lr = finite_number(lr, "ReferenceMLP.sgd_step: lr")
        for w, dw in zip(self.weights, d_weights):
            w -= lr * dw
        if self.biases is not None and d_biases is not None:
            for b, db in zip(self.biases, d_biases):
                b -= lr * db


class ReferenceAdamW:
    """torch.optim.AdamW on NumPy arrays, updated in place: decay each array by lr * weight_decay, then Adam's step.

    >>> w = np.array([1.0, -2.0])
    >>> opt = ReferenceAdamW([w], lr=0.1, weight_decay=0.0)
    >>> opt.step([np.array([0.5, 0.5])]); w.round(6).tolist()  # Adam's first step moves each weight by ~lr
    [0.9, -2.1]
    """

    def __init__(
        self, arrays: Sequence[np.ndarray], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 1e-2,
    ) -> None:
        self.arrays = _arrays(arrays, "the arrays to optimize")
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.b1, self.b2 = betas
        self.m = [np.zeros_like(a) for a in self.arrays]
        self.v = [np.zeros_like(a) for a in self.arrays]
        self.t = 0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """One update of every array from its gradient (same shapes, same order)."""
        self.t += 1
        correction1, correction2 = 1.0 - self.b1**self.t, 1.0 - self.b2**self.t
        for a, g, m, v in zip(self.arrays, grads, self.m, self.v):
            a *= 1.0 - self.lr * self.weight_decay
            m[...] = self.b1 * m + (1.0 - self.b1) * g
            v[...] = self.b2 * v + (1.0 - self.b2) * g * g
            a -= self.lr / correction1 * m / (np.sqrt(v) / np.sqrt(correction2) + self.eps)
