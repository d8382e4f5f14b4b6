"""micrograd's showcase: an MLP(2, [16, 16, 1]) learns to separate two interleaved half-moons.

100 points, ReLU hidden layers and a linear output, trained on the hinge (max-margin) loss plus
1e-4 times the sum of squared parameters, by SGD whose learning rate falls from 1.0 to 0.109
over 100 steps. It reaches 100% training accuracy; the decision boundary is saved to out/.

The data and the initial weights are micrograd's own: its demo.ipynb calls np.random.seed(1337)
before scikit-learn's make_moons and random.seed(1337) before MLP(2, [16, 16, 1]); here both
come from generators seeded with 1337, which draw the same numbers. So the losses printed are
micrograd's: step 0 bit for bit, step 99 to within one unit in the last place, because each
neuron here adds its bias after the weighted sum and micrograd's adds it first.
"""

from __future__ import annotations

import time

import numpy as np

from demos.common import demo_arguments, out_dir, whole_number, with_progress
from nn import MLP, SGD, hinge, l2

ALPHA = 1e-4  # L2 weight
# One colour per class, the same in every picture of this data set: the PNG, the explorer page, the notebooks.
COLOURS = ("#e8743b", "#2f7bd9")  # y = -1 orange, y = +1 blue
CLASS_NAMES = ("y = −1", "y = +1")
REGION = (-2.0, 2.5, -1.5, 2.0)  # x1 from, to; x2 from, to: the data with room around it
# What karpathy/micrograd's demo.ipynb prints for this run: step -> (loss, accuracy).
MICROGRAD_PUBLISHED = {0: (0.8958441028683222, 0.5), 99: (0.010978370135492717, 1.0)}


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's `make_moons(n_samples, noise)` after `np.random.seed(seed)`, draw for draw; labels -1, +1.

    Two half-circles, one inside the other's hollow: the points are shuffled, then Gaussian noise is
    added, in that order, from one generator (sklearn draws from NumPy's global one when given no
    random_state; `RandomState(seed)` produces the same numbers without touching it).

    >>> x, y = make_moons(4, noise=0.0)
    >>> x.shape, sorted(y.tolist())
    ((4, 2), [-1.0, -1.0, 1.0, 1.0])
    """
    rng = np.random.RandomState(seed)
    n_outer = n_samples // 2
    t_outer, t_inner = np.linspace(0, np.pi, n_outer), np.linspace(0, np.pi, n_samples - n_outer)
    xs = np.append(np.cos(t_outer), 1 - np.cos(t_inner))
    ys = np.append(np.sin(t_outer), 1 - np.sin(t_inner) - 0.5)
    points = np.stack([xs, ys], axis=1)
    labels = np.append(-np.ones(n_outer), np.ones(n_samples - n_outer))  # micrograd's y * 2 - 1
    order = np.arange(n_samples)
    rng.shuffle(order)  # first draw: the shuffle
    points = points[order] + rng.normal(scale=noise, size=points.shape)  # then the noise
    return points, labels[order]


def loss_and_accuracy(model: MLP, x: np.ndarray, y: np.ndarray):
    scores = [model(list(row)) for row in x]
    loss = hinge(scores, list(y)) + ALPHA * l2(model.parameters())
    accuracy = float(np.mean([(s.data > 0) == (label > 0) for s, label in zip(scores, y)]))
    return loss, accuracy


def train(steps: int = 100, seed: int = 1337, progress: bool = False):
    """micrograd's demo run: returns the model, and the loss and accuracy at every step."""
    x, y = make_moons(seed=seed)
    # random.Random(1337) draws what micrograd draws after random.seed(1337), in the same order.
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=seed)
    opt = SGD(model.parameters(), lr=1.0)
    history = []
    for k in with_progress(range(steps), "two moons", show=progress):
        loss, accuracy = loss_and_accuracy(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * k / 100  # the schedule: change lr between steps
        opt.step()
        history.append((loss.data, accuracy))
    return model, history


def train_compiled(steps: int = 100, seed: int = 1337) -> tuple[MLP, list[float], float]:
    """The same run with the loss graph built once and replayed by a Tape: model, losses, seconds to record.

    The data and the model do not change shape between steps, only the weights do, so the
    graph of one step serves every step: `tape.run()` recomputes it from the weights' new
    numbers, forward and backward, in compiled loops (autograd/tape/tape.py).
    """
    from autograd import Tape

    x, y = make_moons(seed=seed)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=seed)
    start = time.perf_counter()
    loss, _ = loss_and_accuracy(model, x, y)  # the graph of one step, built eagerly
    tape = Tape(loss, wrt=model.parameters())
    record_seconds = time.perf_counter() - start
    opt = SGD(model.parameters(), lr=1.0)
    losses = []
    for k in range(steps):
        losses.append(tape.run())  # forward and backward; adds the gradients into .grad
        opt.lr = 1.0 - 0.9 * k / 100
        opt.step()
        opt.zero_grad()
    return model, losses, record_seconds


def plot_points(ax, x: np.ndarray, y: np.ndarray) -> None:
    """The data on a matplotlib Axes: each class in its colour (COLOURS), named in a legend; axes x1 and x2.

    The same colours as the explorer page's: use this (and plot_regions) to plot two moons anywhere.
    """
    for label, colour, name in zip((-1.0, 1.0), COLOURS, CLASS_NAMES):
        chosen = y == label
        ax.scatter(x[chosen, 0], x[chosen, 1], color=colour, s=30, edgecolors="k", linewidths=0.6, label=name)
    ax.set(xlabel="x1", ylabel="x2", aspect="equal")


def plot_regions(ax, model: MLP, region: tuple[float, float, float, float] = REGION) -> None:
    """A trained network's regions on an Axes: each class's side in a light shade of its colour, the decision
    boundary (score 0) as a line and the margins (score -1 and +1) dashed, each named in the legend."""
    from matplotlib.colors import ListedColormap

    from nn.reference import ReferenceMLP

    x0, x1, y0, y1 = region
    gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 240))
    # The NumPy reference computes the same network on the whole grid at once.
    net = ReferenceMLP(*model.to_arrays(), activation=model.activation, output_activation=model.output_activation)
    scores = net.forward(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax.contourf(gx, gy, scores > 0, levels=[-0.5, 0.5, 1.5], cmap=ListedColormap(COLOURS), alpha=0.22)
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1.5)
    ax.contour(gx, gy, scores, levels=[-1.0, 1.0], colors="k", linewidths=0.8, linestyles="dashed")
    ax.plot([], [], color="k", linewidth=1.5, label="decision boundary (score 0)")
    ax.plot([], [], color="k", linewidth=0.8, linestyle="dashed", label="margins (score -1 and +1)")
    ax.set(xlim=(x0, x1), ylim=(y0, y1))


def plot(model: MLP) -> str:
    """Save the decision boundary over the data as a PNG and return its path."""
    # A Figure of its own, not pyplot's: no backend is switched, so a notebook's own plots still show.
    from matplotlib.figure import Figure

    x, y = make_moons()
    fig = Figure(figsize=(7, 5))
    ax = fig.subplots()
    plot_regions(ax, model)
    plot_points(ax, x, y)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_title("Two moons: the regions of MLP(2, [16, 16, 1]) after training\n(shade: the side the network "
                 "puts each class on)", fontsize=10)
    path = out_dir() / "two_moons_boundary.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return str(path)


def main(argv: list[str] | None = None) -> None:
    parser = demo_arguments("two_moons", __doc__)
    parser.add_argument("--steps", type=whole_number(1), default=100, help="training steps (100 in micrograd's demo)")
    args = parser.parse_args(argv)
    print(__doc__)
    start = time.perf_counter()
    model, history = train(args.steps, progress=True)
    seconds = time.perf_counter() - start
    for k in sorted({*range(0, args.steps, 10), args.steps - 1}):
        print(f"  step {k:3d}  loss {history[k][0]:.6f}  accuracy {history[k][1]:.0%}")
    print("\n  micrograd's demo.ipynb prints, for the same data and initial weights:")
    for k, (loss, accuracy) in MICROGRAD_PUBLISHED.items():
        if k < args.steps:
            here = f"here {history[k][0]!r}, {history[k][1]:.0%}"
            print(f"  step {k:3d}  loss {loss!r}  accuracy {accuracy:.0%}   ({here})")
    print(f"\n  eager: {seconds / args.steps * 1000:.1f} ms per training step (the graph built anew each step)")
    show_compiled(args.steps, [loss for loss, _ in history], seconds)
    print(f"  decision boundary saved to {plot(model)}")


def show_compiled(steps: int, eager_losses: list[float], eager_seconds: float) -> None:
    """Run the compiled loop and print its speed beside the eager one's, and how far their losses differ."""
    try:
        train_compiled(1)  # compiles the loops, or loads them from the disk cache: not a training step
    except ImportError as missing:
        print(f"  compiled: skipped. {missing}")
        return
    start = time.perf_counter()
    _, losses, record_seconds = train_compiled(steps)
    seconds = time.perf_counter() - start - record_seconds
    gap = max(abs(a - b) for a, b in zip(losses, eager_losses))
    print(f"  compiled: {seconds / steps * 1000:.2f} ms per training step after {record_seconds:.2f} s to build"
          f" and record one step's graph ({eager_seconds / seconds:.0f}x faster); largest difference between"
          f" the two runs' losses: {gap:.1e}")


if __name__ == "__main__":
    main()
