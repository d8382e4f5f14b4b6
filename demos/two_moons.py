"""micrograd's showcase: an MLP(2, [16, 16, 1]) learns to separate two interleaved half-moons.

100 points, ReLU hidden layers and a linear output, trained on the hinge (max-margin) loss plus
1e-4 times the sum of squared parameters, by SGD whose learning rate falls from 1.0 to 0.109
over 100 steps. It reaches 100% training accuracy; the decision boundary is saved to out/.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from demos.common import Progress, out_dir
from nn import MLP, SGD, hinge, l2

ALPHA = 1e-4  # L2 weight


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two half-circles, one inside the other's hollow, with Gaussian noise; labels -1 and +1."""
    rng = np.random.RandomState(seed)
    n_outer = n // 2
    t_outer, t_inner = np.linspace(0, np.pi, n_outer), np.linspace(0, np.pi, n - n_outer)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1 - np.cos(t_inner), 1 - np.sin(t_inner) - 0.5], axis=1)
    x = np.vstack([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    y = np.hstack([-np.ones(n_outer), np.ones(n - n_outer)])
    order = rng.permutation(n)
    return x[order], y[order]


def loss_and_accuracy(model: MLP, x: np.ndarray, y: np.ndarray):
    scores = [model(list(row)) for row in x]
    loss = hinge(scores, list(y)) + ALPHA * l2(model.parameters())
    accuracy = float(np.mean([(s.data > 0) == (label > 0) for s, label in zip(scores, y)]))
    return loss, accuracy


def train(steps: int = 100, seed: int = 1337, progress: bool = False):
    """Returns the model, and the loss and accuracy at every step."""
    x, y = make_moons()
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=seed)
    opt = SGD(model.parameters(), lr=1.0)
    history = []
    show = Progress(steps) if progress else None
    for k in range(steps):
        loss, accuracy = loss_and_accuracy(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * k / 100  # the schedule: change lr between steps
        opt.step()
        history.append((loss.data, accuracy))
        if show:
            show(k + 1)
    return model, history


def plot(model: MLP) -> str:
    """Save the decision boundary over the data as a PNG and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograd import no_grad

    x, y = make_moons()
    xs, ys = np.meshgrid(np.arange(-2, 2.5, 0.05), np.arange(-1.5, 2, 0.05))
    with no_grad():  # evaluation only: no graph needed
        scores = np.array([model([a, b]).data for a, b in zip(xs.ravel(), ys.ravel())]).reshape(xs.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(xs, ys, scores > 0, cmap=plt.cm.Spectral, alpha=0.8)
    ax.scatter(x[:, 0], x[:, 1], c=y, s=30, cmap=plt.cm.Spectral, edgecolors="k")
    ax.set(title="Two moons: decision boundary of MLP(2, [16, 16, 1])", xlim=(-2, 2.45), ylim=(-1.5, 1.95))
    path = out_dir() / "two_moons_boundary.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args(argv)
    print(__doc__)
    start = time.perf_counter()
    model, history = train(args.steps, progress=True)
    seconds = time.perf_counter() - start
    for k in [*list(range(0, args.steps, 10)), args.steps - 1]:
        print(f"  step {k:3d}  loss {history[k][0]:.6f}  accuracy {history[k][1]:.0%}")
    print(f"\n  {seconds / args.steps * 1000:.1f} ms per training step")
    print(f"  decision boundary saved to {plot(model)}")


if __name__ == "__main__":
    main()
