"""The peers the engine is measured against, each doing the same workloads in its own idiom.

micrograd 0.1.0 lacks tanh and sigmoid; they are added here in its own closure style, so it is
measured as its users would extend it. PyTorch is optional: every torch peer is skipped when it
is not installed.
"""

from __future__ import annotations

import math
import time

import numpy as np

try:
    import micrograd.engine as micrograd_engine
    import micrograd.nn as micrograd_nn
except ImportError:  # the bench extra is not installed
    micrograd_engine = micrograd_nn = None

try:
    import torch
except ImportError:
    torch = None


def _micrograd_tanh(self):
    t = math.tanh(self.data)
    out = micrograd_engine.Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def _micrograd_sigmoid(self):
    s = 1 / (1 + math.exp(-self.data))
    out = micrograd_engine.Value(s, (self,), "sigmoid")

    def _backward():
        self.grad += s * (1 - s) * out.grad

    out._backward = _backward
    return out


if micrograd_engine is not None:
    micrograd_engine.Value.tanh = _micrograd_tanh
    micrograd_engine.Value.sigmoid = _micrograd_sigmoid


def loop_started(marks: list | None) -> None:
    """Mark where a runner's training loop starts: what comes before (recording a tape) is not a step."""
    if marks is not None:
        marks.append(time.perf_counter())


def loop_ended(marks: list | None) -> None:
    """Mark where it ends: what comes after (freeing the recorded graph as the runner returns) is not a step."""
    loop_started(marks)


def tape_available() -> bool:
    """Whether Numba, which the tape compiles with, is installed."""
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def installed(engine: str) -> bool:
    """Whether the library behind a benchmark column is importable here."""
    if engine.startswith("tape"):
        return tape_available()
    if engine == "micrograd":
        return micrograd_engine is not None
    return torch is not None if engine.startswith("torch") else True


# -- W2: the 3-4-1 sigmoid net of the iamtrask tutorial, full batch, lr 1, 0.5 * SSE ---------------


def w2_scalar(Value, weights, x, y, steps, marks=None):
    """The net built from scalar Values of any engine with +, *, ** and sigmoid (ours, micrograd)."""
    w0, w1, params = _w2_parameters(Value, weights)
    x = np.asarray(x, float).tolist()  # plain floats: NumPy scalars would slow every op down
    for _ in range(steps):
        loss = _w2_scalar_loss(w0, w1, x, y)
        for p in params:
            p.grad = 0
        loss.backward()
        for p in params:
            p.data -= p.grad
    return [np.array([[p.data for p in row] for row in w]) for w in (w0, w1)]


def _w2_parameters(Value, weights):
    w0 = [[Value(float(v)) for v in row] for row in weights[0]]
    w1 = [[Value(float(v)) for v in row] for row in weights[1]]
    return w0, w1, [p for row in w0 + w1 for p in row]


def _w2_scalar_loss(w0, w1, x, y):
    """0.5 * sum((y - out)**2) written as a learner writes it: sums of products in loops."""
    loss = 0
    for xs, target in zip(x, y):
        hidden = [sum((w0[i][j] * xs[i] for i in range(3)), 0).sigmoid() for j in range(4)]
        out = sum((hidden[j] * w1[j][0] for j in range(4)), 0).sigmoid()
        loss = loss + 0.5 * (out - target) ** 2
    return loss


def w2_tape(weights, x, y, steps, marks=None):
    """The same scalar code, its graph recorded once as a Tape; each step is a replay and a plain update loop."""
    from autograd import Tape, Value

    w0, w1, params = _w2_parameters(Value, weights)
    tape = Tape(_w2_scalar_loss(w0, w1, np.asarray(x, float).tolist(), y), wrt=params)
    loop_started(marks)
    for _ in range(steps):
        tape.run()
        for p in params:
            p.data -= p.grad
            p.grad = 0.0
    loop_ended(marks)
    return [np.array([[p.data for p in row] for row in w]) for w in (w0, w1)]


def w2_engine(weights, x, y, steps):
    """This project, as a user writes it: nn.MLP from the tutorial's arrays, nn.mse, nn.SGD."""
    from nn import MLP, SGD, mse

    model = MLP.from_arrays(weights, None, activation="sigmoid", output_activation="sigmoid")
    opt = SGD(model.parameters(), lr=1.0)
    rows = [list(map(float, r)) for r in x]
    for _ in range(steps):
        loss = 0.5 * mse([model(r) for r in rows], list(y), reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.to_arrays()[0]


def w2_numpy(weights, x, y, steps):
    """The tutorial's own vectorized update (what the NumPy reference computes by hand)."""
    syn0, syn1 = (w.copy() for w in weights)
    y = np.asarray(y, float).reshape(-1, 1)
    for _ in range(steps):
        l1 = 1 / (1 + np.exp(-(x @ syn0)))
        l2 = 1 / (1 + np.exp(-(l1 @ syn1)))
        l2_delta = (y - l2) * l2 * (1 - l2)
        l1_delta = l2_delta.dot(syn1.T) * l1 * (1 - l1)
        syn1 += l1.T.dot(l2_delta)
        syn0 += x.T.dot(l1_delta)
    return [syn0, syn1]


def w2_torch_scalar(weights, x, y, steps):
    t = torch.float64
    w0 = [[torch.tensor(float(v), dtype=t, requires_grad=True) for v in row] for row in weights[0]]
    w1 = [[torch.tensor(float(v), dtype=t, requires_grad=True) for v in row] for row in weights[1]]
    params = [p for row in w0 + w1 for p in row]
    for _ in range(steps):
        loss = 0
        for xs, target in zip(x, y):
            hidden = [torch.sigmoid(sum(w0[i][j] * float(xs[i]) for i in range(3))) for j in range(4)]
            out = torch.sigmoid(sum(hidden[j] * w1[j][0] for j in range(4)))
            loss = loss + 0.5 * (out - float(target)) ** 2
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= g
    return [np.array([[p.item() for p in row] for row in w]) for w in (w0, w1)]


def w2_torch_vectorized(weights, x, y, steps):
    syn = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    xt = torch.tensor(x, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64).reshape(-1, 1)
    for _ in range(steps):
        out = torch.sigmoid(torch.sigmoid(xt @ syn[0]) @ syn[1])
        loss = 0.5 * ((out - yt) ** 2).sum()
        grads = torch.autograd.grad(loss, syn)
        with torch.no_grad():
            for p, g in zip(syn, grads):
                p -= g
    return [s.detach().numpy() for s in syn]
