"""W5, the digits epoch, in each engine's idiom: the runners bench/worker.py times.

One problem for every engine (`digits_problem`): demos.digits' data, its MLP(64, [32, 10])'s
initial weights (tanh hidden layer, ten linear logits), its batches; mean cross-entropy, Adam
lr 0.01. Each runner trains on the batches it is given (arrays of row numbers) and returns the
loss of every step and the parameters after the last, as (W1, b1, W2, b2) arrays; a runner with
set-up to leave out of the timing (recording a tape, copying data to tensors) marks where its
loop starts.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from bench.peers import loop_started, micrograd_engine, micrograd_nn, torch

LR, BETAS, EPS = 0.01, (0.9, 0.999), 1e-8  # Adam, as nn.Adam's and torch.optim.Adam's defaults but lr


class Digits(NamedTuple):
    """The W5 problem: initial (weights, biases) and the data, as demos.digits has them for one seed."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    pixels: np.ndarray
    classes: np.ndarray
    test_pixels: np.ndarray
    test_classes: np.ndarray

    def batches(self, epochs: int = 1) -> list[np.ndarray]:
        """The row numbers of every step of `epochs` epochs, as demos.digits.train draws them (seed 0)."""
        from demos.digits import epoch_batches

        return [b for epoch in range(epochs) for b in epoch_batches(len(self.classes), 32, seed=0, epoch=epoch)]

    def test_accuracy(self, params: list[np.ndarray]) -> float:
        """The fraction of test digits whose largest logit, under `params` (W1, b1, W2, b2), is their class."""
        w1, b1, w2, b2 = params
        logits = np.tanh(self.test_pixels @ w1 + b1) @ w2 + b2
        return float(np.mean(np.argmax(logits, axis=1) == self.test_classes))


def digits_problem() -> Digits:
    from demos.digits import load, make_model

    weights, biases = make_model(0).to_arrays()
    return Digits(weights, biases, *load(0))


def _flat(arrays: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One flat array holding copies of `arrays`, and views of it shaped as each one."""
    flat = np.concatenate([a.ravel() for a in arrays])
    views, start = [], 0
    for a in arrays:
        views.append(flat[start:start + a.size].reshape(a.shape))
        start += a.size
    return flat, views


def w5_numpy(problem: Digits, batches: list[np.ndarray], marks: list | None = None):
    """The hand-vectorized NumPy loop: forward on the whole batch, backward by hand in matrix form, Adam.

    Every parameter lives in one flat array (each layer's W and b are views of it), so Adam is a
    few operations on 2,410 numbers rather than a few on each of four arrays.
    """
    flat, (w1, b1, w2, b2) = _flat([problem.weights[0], problem.biases[0], problem.weights[1], problem.biases[1]])
    m, v = np.zeros_like(flat), np.zeros_like(flat)
    (beta1, beta2), losses = BETAS, []
    loop_started(marks)
    for t, batch in enumerate(batches, start=1):
        x, c = problem.pixels[batch], problem.classes[batch]
        n, rows = len(batch), np.arange(len(batch))
        h = np.tanh(x @ w1 + b1)  # the hidden layer, (n, 32)
        z = h @ w2 + b2  # the logits, (n, 10)
        z -= z.max(axis=1, keepdims=True)  # softmax is unchanged; exp sees only numbers <= 0
        e = np.exp(z)
        total = e.sum(axis=1)
        losses.append(float(np.mean(np.log(total) - z[rows, c])))
        dz = e / total[:, None]  # d mean loss / d logits = (softmax - one-hot) / n
        dz[rows, c] -= 1.0
        dz /= n
        dh = (dz @ w2.T) * (1.0 - h * h)  # back through the output layer and tanh
        g = np.concatenate([(x.T @ dh).ravel(), dh.sum(axis=0), (h.T @ dz).ravel(), dz.sum(axis=0)])
        m *= beta1  # Adam, in nn.Adam's (and PyTorch's) order of operations
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        flat -= LR / (1.0 - beta1**t) * (m / (np.sqrt(v) / math.sqrt(1.0 - beta2**t) + EPS))
    return losses, [w1, b1, w2, b2]


def w5_torch_vectorized(problem: Digits, batches: list[np.ndarray], marks: list | None = None, threads: int = 1):
    """PyTorch as its users write it: float64 tensors for the whole batch, F.cross_entropy, torch.optim.Adam."""
    torch.set_num_threads(threads)
    arrays = [problem.weights[0], problem.biases[0], problem.weights[1], problem.biases[1]]
    params = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    w1, b1, w2, b2 = params
    x, y = torch.tensor(problem.pixels, dtype=torch.float64), torch.tensor(problem.classes, dtype=torch.int64)
    steps = [torch.from_numpy(batch) for batch in batches]
    optimizer = torch.optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)
    losses = []
    loop_started(marks)
    for batch in steps:
        logits = torch.tanh(x[batch] @ w1 + b1) @ w2 + b2
        loss = torch.nn.functional.cross_entropy(logits, y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy() for p in params]


def _micrograd_exp(self):
    e = math.exp(self.data)
    out = micrograd_engine.Value(e, (self,), "exp")

    def _backward():
        self.grad += e * out.grad

    out._backward = _backward
    return out


def _micrograd_log(self):
    x = self.data
    out = micrograd_engine.Value(math.log(x), (self,), "log")

    def _backward():
        self.grad += out.grad / x

    out._backward = _backward
    return out


if micrograd_engine is not None:  # micrograd 0.1.0 has neither: added in its own closure style, as for tanh
    micrograd_engine.Value.exp = _micrograd_exp
    micrograd_engine.Value.log = _micrograd_log


def w5_micrograd(problem: Digits, batches: list[np.ndarray], marks: list | None = None):
    """micrograd's own Layer (linear neurons, tanh applied to the hidden ones), one graph per batch, Adam in Python."""
    layers = [micrograd_nn.Layer(64, 32, nonlin=False), micrograd_nn.Layer(32, 10, nonlin=False)]
    for layer, w, b in zip(layers, problem.weights, problem.biases):
        for j, neuron in enumerate(layer.neurons):
            for i, wi in enumerate(neuron.w):
                wi.data = float(w[i, j])
            neuron.b.data = float(b[j])
    params = [p for layer in layers for p in layer.parameters()]
    m, v = [0.0] * len(params), [0.0] * len(params)
    (beta1, beta2), losses = BETAS, []
    for t, batch in enumerate(batches, start=1):
        sample_losses = []
        for row, c in zip(problem.pixels[batch].tolist(), problem.classes[batch].tolist()):
            logits = layers[1]([z.tanh() for z in layers[0](row)])
            top = max(z.data for z in logits)  # a plain number: shifting every logit leaves softmax as it is
            shifted = [z - top for z in logits]
            sample_losses.append(sum((s.exp() for s in shifted), 0).log() - shifted[c])
        loss = sum(sample_losses, 0) * (1.0 / len(batch))
        for p in params:
            p.grad = 0
        loss.backward()
        step_size, root = LR / (1.0 - beta1**t), math.sqrt(1.0 - beta2**t)
        for i, p in enumerate(params):
            m[i] = beta1 * m[i] + (1.0 - beta1) * p.grad
            v[i] = beta2 * v[i] + (1.0 - beta2) * (p.grad * p.grad)
            p.data -= step_size * (m[i] / (math.sqrt(v[i]) / root + EPS))
        losses.append(loss.data)
    arrays = [[[n.w[i].data for n in layer.neurons] for i in range(len(layer.neurons[0].w))] for layer in layers]
    biases = [[n.b.data for n in layer.neurons] for layer in layers]
    return losses, [np.array(arrays[0]), np.array(biases[0]), np.array(arrays[1]), np.array(biases[1])]


def _engine_run(problem: Digits, batches: list[np.ndarray], marks: list | None, gradients: type):
    """demos.digits' training loop for one engine (its EagerGradients or TapeGradients) on the given batches."""
    from nn import MLP, Adam

    model = MLP.from_arrays(problem.weights, problem.biases, activation="tanh", output_activation="linear")
    optimizer = Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    engine = gradients(model, problem.pixels, problem.classes)
    losses = []
    loop_started(marks)
    with engine.training(optimizer):
        for batch in batches:
            losses.append(engine.mean_loss(batch))
            optimizer.step()
            optimizer.zero_grad()
    (w1, w2), (b1, b2) = model.to_arrays()
    return losses, [w1, b1, w2, b2]


def w5_engine(problem: Digits, batches: list[np.ndarray], marks: list | None = None):
    """The eager engine: each batch's mean loss one graph of Values, backward(), nn.Adam."""
    from demos.digits import EagerGradients

    return _engine_run(problem, batches, marks, EagerGradients)


def w5_tape(problem: Digits, batches: list[np.ndarray], marks: list | None = None):
    """The batch replay: one sample's loss recorded once, run over each batch's rows; Adam on the tape's arrays."""
    from demos.digits import TapeGradients

    return _engine_run(problem, batches, marks, TapeGradients)


