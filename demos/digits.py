"""Handwritten digits: an MLP(64, [32, 10]) learns to read scikit-learn's 1,797 digits, a batch at a time.

The data: `sklearn.datasets.load_digits` (it ships with scikit-learn: no download), 8x8 pixels
of ink from 0 to 16, divided by 16. `load(seed)` shuffles the rows once; the first 1,437 train,
the last 360 test. The model: 64 pixels in, 32 tanh neurons, 10 linear outputs (the logits,
one per digit), 2,410 parameters (`make_model`). The loss: the mean cross-entropy
of a mini-batch. The optimizer: Adam, lr 0.01.

Mini-batches: each epoch shuffles the 1,437 training rows anew (`epoch_batches`: a generator
seeded with [seed, epoch], so any epoch's batches can be drawn without the epochs before) and
cuts them, in that order, into batches of 32; the last batch, of 29, is kept, so every digit
is seen once per epoch: 45 steps.

A step's gradient comes from one of two engines; everything else is shared:
- eager (compiled=False): the batch's mean loss built as one graph of Values, then backward();
- compiled (compiled=True): one sample's loss built once, from 65 input leaves (64 pixels and
  the class), recorded on a Tape and replayed for each row of each batch (`tape.run_batch`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from typing import Any

import numpy as np

from autograd import Tape, Value
from demos.common import demo_arguments, out_dir, whole_number, with_progress
from nn import MLP, Adam, cross_entropy
from nn.layers import check_flag, checked_size
from nn.reference import ReferenceMLP

TRAIN_ROWS, TEST_ROWS = 1437, 360  # 1,797 digits: 80% to train, 20% to test
PIXELS, CLASSES, HIDDEN = 64, 10, 32
INSTALL_HINT = "the digits come with scikit-learn: pip install 'scalar-autograd[demo]' (or pip install scikit-learn)"


def load(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test): pixels in [0, 1] as rows of 64, classes 0-9, shuffled by `seed`.

    >>> X_train, y_train, X_test, y_test = load()
    >>> X_train.shape, y_train.shape, X_test.shape, float(X_train.max()), sorted(set(y_test.tolist()))
    ((1437, 64), (1437,), (360, 64), 1.0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    seed = _seed(seed)
    try:
        from sklearn.datasets import load_digits
    except ImportError as missing:
        raise ImportError(f"demos.digits: {INSTALL_HINT}", name=missing.name) from None
    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    pixels, classes = digits.data[order] / 16.0, digits.target[order]
    return pixels[:TRAIN_ROWS], classes[:TRAIN_ROWS], pixels[-TEST_ROWS:], classes[-TEST_ROWS:]


def epoch_batches(rows: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The row numbers of each mini-batch of one epoch: a new shuffle, cut in order, the last batch kept short.

    >>> [batch.tolist() for batch in epoch_batches(5, 2, seed=0, epoch=0)]
    [[2, 4], [3, 0], [1]]
    """
    order = np.random.default_rng([seed, epoch]).permutation(rows)
    return [order[start:start + batch_size] for start in range(0, rows, batch_size)]


def make_model(seed: int = 0) -> MLP:
    """MLP(64, [32, 10]): a tanh hidden layer, ten linear outputs; weights uniform(-1, 1) / sqrt(nin), biases 0.

    nn.MLP draws each weight from uniform(-1, 1) (from random.Random(seed)); scaled by 1/sqrt(nin),
    as PyTorch's nn.Linear and EurekaLabs' micrograd scale theirs, a neuron's sum over 64 pixels
    starts in tanh's curved range instead of deep in its flat tails (97.5% test accuracy after
    10 epochs unscaled, 98.1% scaled, seed 0).
    """
    model = MLP(PIXELS, [HIDDEN, CLASSES], activation="tanh", output_activation="linear", seed=_seed(seed))
    for layer in model.layers:
        for neuron in layer.neurons:
            scale = len(neuron.w) ** -0.5
            for w in neuron.w:
                w.data *= scale
    return model


def predict(model: MLP, pixels: np.ndarray) -> np.ndarray:
    """Each row's digit: its largest logit. The NumPy reference runs the same network on every row at once."""
    net = ReferenceMLP(*model.to_arrays(), activation="tanh", output_activation="linear")
    return np.argmax(net.forward(pixels), axis=1)


def accuracy(model: MLP, pixels: np.ndarray, classes: np.ndarray) -> float:
    """The fraction of rows whose predicted digit is their class."""
    return float(np.mean(predict(model, pixels) == classes))


class EagerGradients:
    """The eager engine: each batch's mean loss built as one graph of Values, then backward()."""

    def __init__(self, model: MLP, pixels: np.ndarray, classes: np.ndarray) -> None:
        self.model, self.pixels, self.classes = model, pixels, classes

    def training(self, optimizer: Adam) -> contextlib.AbstractContextManager:
        """Nothing to hand over: the Values hold the parameters' numbers all along."""
        return contextlib.nullcontext()

    def mean_loss(self, batch: np.ndarray) -> float:
        """The mean loss of the images numbered `batch`; adds its gradient into every parameter's .grad."""
        logits = [self.model(row) for row in self.pixels[batch].tolist()]
        loss = cross_entropy(logits, self.classes[batch].tolist())
        loss.backward()
        return loss.data

    def sync(self) -> None:
        """Nothing to do: the Values are always current."""


class TapeGradients:
    """The compiled replay: one sample's loss recorded once, run over every row of a batch.

    The pixels and the class are input leaves: each replay reads them from a row of the batch,
    so one recording serves every sample (the class as a number: the last column of a row).
    """

    def __init__(self, model: MLP, pixels: np.ndarray, classes: np.ndarray) -> None:
        inputs = [Value(0.0, label=f"pixel{i}") for i in range(PIXELS)]
        digit = Value(0.0, label="class")
        loss = cross_entropy(model(inputs), digit)
        self.tape = Tape(loss, wrt=model.parameters(), inputs=[*inputs, digit])
        self.rows = np.column_stack([pixels, classes])  # one row per image: its 64 pixels, then its class

    def training(self, optimizer: Adam) -> contextlib.AbstractContextManager:
        """While inside, the tape holds the parameters' numbers and gradients, and `optimizer` steps its arrays."""
        return self.tape.training(optimizer)

    def mean_loss(self, batch: np.ndarray) -> float:
        """The mean loss of the images numbered `batch`; adds its gradient into the tape's gradient array."""
        losses = self.tape.run_batch(self.rows[batch], reduction="mean")
        return float(losses.sum()) / len(losses)  # np.mean's bits, in half its time

    def sync(self) -> None:
        """Write the tape's numbers back into the Values, so that reading the model reads the latest step."""
        self.tape.sync()


def train(
    epochs: int = 10, batch_size: int = 32, lr: float = 0.01, seed: int = 0, compiled: bool = True,
    max_steps: int | None = None, progress: bool = False,
) -> tuple[MLP, dict[str, list[float]]]:
    """Train make_model(seed) on load(seed) with Adam; returns (model, history).

    history["loss"]: every step's mean batch loss, before its update. history["test_accuracy"]:
    after each epoch (and where max_steps stopped one). history["epoch_seconds"]: the steps of
    each epoch, without recording the tape or measuring the accuracy.
    """
    epochs, batch_size = checked_size("train", "epochs", epochs), checked_size("train", "batch_size", batch_size)
    max_steps = None if max_steps is None else checked_size("train", "max_steps", max_steps)
    check_flag("train", "compiled", compiled)
    X_train, y_train, X_test, y_test = load(seed)
    model = make_model(seed)
    optimizer = Adam(model.parameters(), lr=lr)
    engine = (TapeGradients if compiled else EagerGradients)(model, X_train, y_train)
    steps = [(epoch, batch) for epoch in range(epochs) for batch in epoch_batches(TRAIN_ROWS, batch_size, seed, epoch)]
    steps = steps[:max_steps]
    history: dict[str, list[float]] = {"loss": [], "test_accuracy": [], "epoch_seconds": []}
    started = time.perf_counter()
    with engine.training(optimizer):
        for k, (epoch, batch) in enumerate(with_progress(steps, "digits", show=progress)):
            history["loss"].append(engine.mean_loss(batch))
            optimizer.step()
            optimizer.zero_grad()
            if k + 1 == len(steps) or steps[k + 1][0] != epoch:  # the epoch's last step
                history["epoch_seconds"].append(time.perf_counter() - started)
                engine.sync()  # the Values current before the model is read
                history["test_accuracy"].append(accuracy(model, X_test, y_test))
                started = time.perf_counter()
    return model, history


def _seed(seed: Any) -> int:
    """A seed must be a whole number >= 0 (NumPy's generators refuse negative ones)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"digits: seed must be a whole number >= 0, got {type(seed).__name__} {seed!r:.40}")
    return int(seed)


def _finite_at_least(low: float) -> Any:
    """An argparse type: a finite number >= `low`, or argparse's error saying what it got."""

    def parse(text: str) -> float:
        number = float(text)  # a ValueError here: argparse says "invalid float value: ..."
        if not (math.isfinite(number) and number >= low):
            raise argparse.ArgumentTypeError(f"must be a finite number >= {low}, got {text}")
        return number

    parse.__name__ = "float"  # argparse names the type in its message
    return parse


def main(argv: list[str] | None = None) -> None:
    from demos import digits_pictures

    parser = demo_arguments("digits", __doc__)
    parser.add_argument("--epochs", type=whole_number(1), default=10, help="passes over the training digits (10)")
    parser.add_argument("--batch-size", type=whole_number(1), default=32, help="digits per step (32)")
    parser.add_argument("--lr", type=_finite_at_least(0.0), default=0.01, help="Adam's learning rate (0.01)")
    parser.add_argument("--seed", type=whole_number(0), default=0,
                        help="shuffles the data and the batches, draws the weights (0)")
    parser.add_argument("--max-steps", type=whole_number(1), help="stop after this many steps (default: none)")
    parser.add_argument("--engine", choices=["compiled", "eager"], default="compiled",
                        help="replay one recorded sample over each batch (needs Numba), or build each batch's graph")
    parser.add_argument("--eager-steps", type=whole_number(1), default=5,
                        help="eager steps timed for the comparison, then scaled to an epoch (5)")
    args = parser.parse_args(argv)
    print(__doc__)
    engine = args.engine
    if engine == "compiled" and (why := _compiled_unavailable()):
        print(f"  The compiled replay cannot run: {why}. Training eagerly instead (seconds per epoch).\n")
        engine = "eager"
    model, history = train(args.epochs, args.batch_size, args.lr, args.seed, engine == "compiled", args.max_steps,
                           progress=True)
    for epoch, (seconds, right) in enumerate(zip(history["epoch_seconds"], history["test_accuracy"])):
        # A first replay in a new environment compiles the batch loops (seconds); later runs load them from disk.
        slow_start = epoch == 0 and engine == "compiled" and seconds > 1.0  # an epoch replayed takes milliseconds
        first = "  (this includes compiling the batch loops: once, then cached on disk)" if slow_start else ""
        print(f"  epoch {epoch + 1:2d}  test accuracy {right:.1%}  ({seconds * 1000:,.1f} ms){first}")
    per_epoch = float(np.median(history["epoch_seconds"]))
    print(f"\n  {engine}: {per_epoch * 1000:,.1f} ms per epoch (median), test accuracy"
          f" {history['test_accuracy'][-1]:.1%} of {TEST_ROWS} digits after {len(history['loss'])} steps")
    if engine == "compiled":
        eager = eager_epoch_seconds(args.eager_steps, args.batch_size, args.lr, args.seed)
        print(f"  eager engine: about {eager:.1f} s per epoch ({args.eager_steps} steps timed and scaled to an"
              f" epoch's {TRAIN_ROWS:,} digits): the replay is {eager / per_epoch:,.0f}x faster")
    X_train, _, X_test, y_test = load(args.seed)
    blank = np.all(X_train == 0.0, axis=0)  # pixels with no ink in any training digit
    for path in digits_pictures.draw_all(model, X_test, y_test, predict(model, X_test), blank, out_dir()):
        print(f"  saved {path}")


def _compiled_unavailable() -> str | None:
    try:
        import numba  # noqa: F401
    except ImportError:
        return "Numba is not installed (pip install 'scalar-autograd[fast]')"
    return None


def eager_epoch_seconds(steps: int, batch_size: int, lr: float, seed: int) -> float:
    """An eager epoch's seconds, estimated: the first `steps` steps timed, scaled to the 1,437 digits of an epoch."""
    _, history = train(1, batch_size, lr, seed, compiled=False, max_steps=steps)
    timed = sum(len(batch) for batch in epoch_batches(TRAIN_ROWS, batch_size, seed, 0)[:steps])
    return history["epoch_seconds"][0] / timed * TRAIN_ROWS


if __name__ == "__main__":
    main()
