"""The training runs the explorer pages show, recorded: two moons and yin-yang, a snapshot every few steps.

Each run is the one its demo trains (demos/two_moons.py, demos/yin_yang.py): the same data,
initial weights, loss, optimizer and schedule, built from that demo's own functions. Only the
loop is written out here, because the demos' `train()` keeps just the final network: this loop
also keeps a copy of every weight at every `every`-th step (and at the last). Its losses are the
demos' losses bit for bit (tests/test_explorer.py checks that, and the snapshots against `train(k)`).

Step k means the network after k updates: step 0 holds the initial weights, and the loss of step k
is computed with the weights of step k, before the update that leads to step k + 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd import Value, no_grad
from demos import two_moons, yin_yang
from nn import MLP, SGD, AdamW, cross_entropy


@dataclass
class Recording:
    """What the explorer page of one training run is made from."""

    name: str  # the page is saved as <name>_training.html
    title: str
    activation: str  # the hidden layers' and the output layer's activations: enough to rebuild the
    output_activation: str  # network from its weight arrays
    points: np.ndarray  # (n, 2): every data point the page plots
    targets: list  # what `loss_term` takes for each point: a label +1/-1, or a class index
    classes: list[int]  # each point's class as 0, 1, ... (for its colour)
    class_names: list[str]
    colours: list[str]  # each class's colour, "#rrggbb"
    splits: list[str]  # "train", "val" or "test" for each point
    loss_term: Callable[[list[Value], Any], Value]  # one point's term of the loss, from the network's outputs
    about_loss: str  # how the training loss is made of the points' terms (HTML, shown on the page)
    steps: list[int]  # the recorded steps
    arrays: list[tuple]  # the network's (weights, biases) at each recorded step, as MLP.to_arrays gives them
    losses: list[float]  # the training loss at every step from 0 to steps[-1]
    accuracies: list[float]  # the training accuracy at every step
    region: tuple[float, float, float, float]  # the plot's (x min, x max, y min, y max)
    checked: dict[int, float] = field(default_factory=dict)  # step -> validation loss, where it was measured

    def model(self, index: int) -> MLP:
        """The network at the recorded step steps[index], rebuilt from its arrays (the same floats)."""
        weights, biases = self.arrays[index]
        return MLP.from_arrays(weights, biases, activation=self.activation, output_activation=self.output_activation)


def check_lengths(who: str, every: object, steps: object) -> None:
    """Refuse a recording that cannot be made: `every` and `steps` must be whole numbers >= 1.

    >>> check_lengths("record_two_moons", 0, 100)
    Traceback (most recent call last):
    ...
    ValueError: record_two_moons: every must be a whole number >= 1 (keep every k-th step), got 0
    """
    for name, number, what in (("every", every, "keep every k-th step"), ("steps", steps, "training steps")):
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"{who}: {name} must be a whole number >= 1 ({what}), got {number!r}")


def recorded(k: int, steps: int, every: int) -> bool:
    """Whether step k is kept: every `every`-th step, and the last.

    >>> [k for k in range(12) if recorded(k, 11, 5)]
    [0, 5, 10, 11]
    """
    return k % every == 0 or k == steps


def hinge_term(outputs: list[Value], label: float) -> Value:
    """One point's hinge loss, relu(1 - y * score): the term `nn.hinge` averages over the points.

    >>> hinge_term([Value(0.25)], -1.0).data
    1.25
    """
    y = Value(label, label="y")  # the same node `label * score` makes from the number, named for the drawing
    return (1 - y * outputs[0]).relu()


def record_two_moons(every: int = 5, steps: int = 100) -> Recording:
    """micrograd's two-moons run (demos/two_moons.py: SGD, lr from 1.0 down by 0.009 a step), recorded.

    >>> run = record_two_moons(every=2, steps=3)
    >>> run.steps, len(run.losses), run.losses[0]  # micrograd's published loss at step 0
    ([0, 2, 3], 4, 0.8958441028683222)
    """
    check_lengths("record_two_moons", every, steps)
    x, y = two_moons.make_moons()
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1337)  # as two_moons.train
    opt = SGD(model.parameters(), lr=1.0)
    losses, accuracies, steps_kept, arrays = [], [], [], []
    for k in range(steps + 1):
        loss, accuracy = two_moons.loss_and_accuracy(model, x, y)
        losses.append(loss.data)
        accuracies.append(accuracy)
        if recorded(k, steps, every):
            steps_kept.append(k)
            arrays.append(model.to_arrays())
        if k == steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * k / 100  # two_moons.train's schedule
        opt.step()
    about = (f"The point's loss term is its hinge loss, <b>relu(1 − y · score)</b>: 0 once y · score ≥ 1 "
             f"(beyond its margin line), so such a point sends no gradient back. The training loss is the mean "
             f"of the {len(y)} terms plus {two_moons.ALPHA:g} × the sum of the squared parameters; SGD moves "
             "each parameter by −lr × the gradient of that whole loss (the mean of the points' shares, plus the "
             "squares' own).")
    return Recording(
        name="two_moons", title="Two moons: MLP(2, [16, 16, 1]) learns, step by step",
        activation="relu", output_activation="linear", points=x, targets=[float(label) for label in y],
        classes=[int(label > 0) for label in y], class_names=list(two_moons.CLASS_NAMES),
        colours=list(two_moons.COLOURS), splits=["train"] * len(y),
        loss_term=hinge_term, about_loss=about, steps=steps_kept, arrays=arrays, losses=losses,
        accuracies=accuracies, region=(-1.6, 2.6, -1.1, 1.6),
    )


def cross_entropy_term(outputs: list[Value], target: int) -> Value:
    """One point's cross-entropy, -ln softmax(z)[target]: the term `nn.cross_entropy` averages.

    >>> round(cross_entropy_term([Value(0.0), Value(0.0)], 1).data, 6)  # ln 2
    0.693147
    """
    return cross_entropy(outputs, target)


def record_yin_yang(every: int = 5, steps: int = 100) -> Recording:
    """EurekaLabs micrograd's yin-yang run (demos/yin_yang.py: AdamW on the mean cross-entropy), recorded.

    >>> run = record_yin_yang(every=10, steps=10)
    >>> run.steps, sorted(run.checked), run.splits.count("train"), len(run.points)
    ([0, 10], [0, 10], 80, 100)
    """
    check_lengths("record_yin_yang", every, steps)
    data, (weights, biases) = yin_yang.setup()
    model = MLP.from_arrays(weights, biases, activation="tanh", output_activation="linear")
    # yin_yang.train's optimizer
    opt = AdamW(model.parameters(), lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    train_x, train_y = data["train"]
    losses, accuracies, steps_kept, arrays, checked = [], [], [], [], {}
    for k in range(steps + 1):
        if k % 10 == 0 or k == steps:  # yin_yang.train measures the validation loss every 10 steps
            with no_grad():
                checked[k] = yin_yang.mean_loss(model, *data["val"]).data
        loss = yin_yang.mean_loss(model, train_x, train_y)
        losses.append(loss.data)
        accuracies.append(yin_yang.accuracy(model, train_x, train_y))
        if recorded(k, steps, every):
            steps_kept.append(k)
            arrays.append(model.to_arrays())
        if k == steps:
            break
        loss.backward()
        opt.step()
        opt.zero_grad()
    points = np.concatenate([data[split][0] for split in ("train", "val", "test")])
    classes = [int(c) for split in ("train", "val", "test") for c in data[split][1]]
    splits = [split for split in ("train", "val", "test") for _ in data[split][1]]
    about = (f"The point's loss term is its cross-entropy, <b>−ln softmax(z)[c]</b> for its class c (the op "
             f"<code>xent[c]</code>): small when the network gives its class most of the probability. The "
             f"training loss is the mean of the {len(train_y)} training points' terms; AdamW moves each parameter "
             "by its own step size, from the gradient of that mean. Validation and test points (squares, "
             "triangles) are not trained on: their graphs show what they would send back.")
    return Recording(
        name="yin_yang", title="Yin-yang: MLP(2, [8, 3]) learns three classes, step by step",
        activation="tanh", output_activation="linear", points=points, targets=classes, classes=classes,
        class_names=list(yin_yang.CLASS_NAMES), colours=list(yin_yang.COLOURS), splits=splits,
        loss_term=cross_entropy_term, about_loss=about,
        steps=steps_kept, arrays=arrays, losses=losses, accuracies=accuracies, region=(-2.1, 2.1, -2.1, 2.1),
        checked=checked,
    )


RECORDINGS = {"two_moons": record_two_moons, "yin_yang": record_yin_yang}
