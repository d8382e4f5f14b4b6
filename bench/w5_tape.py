"""W5, scikit-learn's handwritten digits, on a tape: one sample's loss recorded once, replayed over every batch.

MLP(64, [32, 10]) with a tanh hidden layer and linear output, mean cross-entropy, batches of 32,
Adam with lr 0.01, inside `tape.training(opt)`: per step, one `run_batch` over the batch's rows
and the optimizer's step on the tape's arrays. The split is DESIGN.md's: pixels / 16, rows
permuted by np.random.default_rng(seed), the first 1,437 for training, the last 360 for testing.
"""

from __future__ import annotations

import time

import numpy as np

TRAIN = 1437
BATCH = 32


def digits_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test) as DESIGN.md specifies demos.digits.load."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x, y = digits.data[order] / 16.0, digits.target[order]
    return x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:]


def batches(n: int, epoch: int, seed: int = 0) -> list[np.ndarray]:
    """The row numbers of each batch of an epoch: a permutation of the training rows, cut in BATCH."""
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[s : s + BATCH] for s in range(0, n, BATCH)]


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    """The share of rows whose largest logit is their class (the model's arrays, NumPy)."""
    weights, biases = model.to_arrays()
    hidden = np.tanh(x @ weights[0] + biases[0])
    return float(np.mean(np.argmax(hidden @ weights[1] + biases[1], axis=1) == y))


def w5_tape(epochs: int, seed: int = 0) -> tuple[list[float], float]:
    """Train `epochs` epochs; return the seconds of each epoch and the test accuracy at the end."""
    from autograd import Tape, Value
    from nn import MLP, Adam, cross_entropy

    x_train, y_train, x_test, y_test = digits_split(seed)
    rows = np.hstack([x_train, y_train[:, None].astype(np.float64)])  # one column per input leaf: pixels, class
    model = MLP(64, [32, 10], activation="tanh", output_activation="linear", seed=seed)
    pixels, label = [Value(0.0) for _ in range(64)], Value(0.0)
    tape = Tape(cross_entropy(model(pixels), label), wrt=model.parameters(), inputs=[*pixels, label])
    opt = Adam(model.parameters(), lr=0.01)
    seconds = []
    with tape.training(opt):
        for epoch in range(epochs):
            start = time.perf_counter()
            for batch in batches(len(rows), epoch, seed):
                tape.run_batch(rows[batch])
                opt.step()
                opt.zero_grad()
            seconds.append(time.perf_counter() - start)
    return seconds, accuracy(model, x_test, y_test)
