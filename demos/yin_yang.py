"""EurekaLabs micrograd's run, reproduced: an MLP(2, [8, 3]) learns the three classes of the yin-yang.

Everything random comes from one xorshift* generator seeded with 42, as in their micrograd.py:
first 100 points of the yin-yang data set (Kriener et al.; point i of class i mod 3; 80 train,
10 validation, 10 test), then the weights, neuron after neuron. tanh hidden layer, three linear
outputs (the logits), mean cross-entropy over the training split, AdamW (lr 0.1, betas 0.9 and
0.95, weight decay 1e-4), 100 full-batch steps, the validation loss every 10 steps. Then the
test split's accuracy, and the three decision regions saved to out/yin_yang_regions.png.

The training runs twice, with backward() and on a Tape (the graph recorded once, replayed by
compiled loops; needs Numba), and both are timed. `--points 1000 --hidden 16 --steps 150`
trains a bigger net on more data, a little longer (docs/tutorials.md gives its accuracy).
"""

from __future__ import annotations

import math
import time
from itertools import pairwise

import numpy as np

from autograd import Value, no_grad
from demos.common import demo_arguments, out_dir, whole_number
from nn import MLP, AdamW, cross_entropy

MASK64 = (1 << 64) - 1
# One colour per class, the same in every picture of this data set (the PNG and the explorer page): as in their page.
COLOURS = ("#d62728", "#2ca02c", "#1f77b4")  # yin red, yang green, dots blue
CLASS_NAMES = ("yin", "yang", "dots")
MARKERS = {"train": "o", "val": "s", "test": "^"}


class XorShiftStar:
    """The generator of EurekaLabs micrograd: xorshift* on 64 bits, 32-bit outputs, 24-bit floats."""

    def __init__(self, seed: int) -> None:
        self.state = seed

    def next_u32(self) -> int:
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & MASK64  # Python ints never overflow: keep 64 bits, as C's uint64_t does
        x ^= x >> 27
        self.state = x
        return ((x * 0x2545F4914F6CDD1D) & MASK64) >> 32

    def random(self) -> float:
        """A float in [0, 1): the top 24 bits of an output over 2**24 (a float32's worth of bits)."""
        return (self.next_u32() >> 8) / 16777216.0

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()


def yin_yang_class(x: float, y: float, big: float = 0.5, small: float = 0.1) -> int:
    """0 (yin), 1 (yang) or 2 (the two dots) for a point of the disc of radius `big` about (big, big)."""
    to_right = math.sqrt((x - 1.5 * big) ** 2 + (y - big) ** 2)
    to_left = math.sqrt((x - 0.5 * big) ** 2 + (y - big) ** 2)
    if to_right < small or to_left < small:
        return 2
    yin = to_right <= small or small < to_left <= 0.5 * big or (y > big and to_right > 0.5 * big)
    return 0 if yin else 1


def yin_yang_data(rng: XorShiftStar, n: int = 100) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """n points, point i of class i mod 3, drawn by rejection; {"train", "val", "test"}: (xs (m, 2), classes (m,))."""
    points, classes = [], []
    for i in range(n):
        while True:  # draw x, then y, until the point is in the disc and of the class wanted
            x, y = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)
            if math.sqrt((x - 0.5) ** 2 + (y - 0.5) ** 2) <= 0.5 and yin_yang_class(x, y) == i % 3:
                break
        points.append([(2 * x - 1) * 2, (2 * y - 1) * 2])  # from the unit square to [-2, 2]
        classes.append(i % 3)
    xs, ys = np.array(points), np.array(classes)
    cut1, cut2 = int(0.8 * n), int(0.9 * n)
    return {"train": (xs[:cut1], ys[:cut1]), "val": (xs[cut1:cut2], ys[cut1:cut2]), "test": (xs[cut2:], ys[cut2:])}


def initial_arrays(rng: XorShiftStar, sizes: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Their initialisation: neuron after neuron, nin weights each uniform(-1, 1) / sqrt(nin); biases 0.

    As (weights (n_in, n_out), biases (n_out,)) per layer, for MLP.from_arrays and the NumPy reference.
    """
    weights = []
    for nin, nout in pairwise(sizes):
        rows = [[rng.uniform(-1.0, 1.0) * nin**-0.5 for _ in range(nin)] for _ in range(nout)]
        weights.append(np.array(rows).T)  # one row per neuron, drawn in order; stored (n_in, n_out)
    return weights, [np.zeros(nout) for nout in sizes[1:]]


def setup(hidden: int = 8, points: int = 100):
    """The data, then the initial arrays, drawn from one generator in that order."""
    rng = XorShiftStar(42)
    data = yin_yang_data(rng, points)
    return data, initial_arrays(rng, [2, hidden, 3])


def mean_loss(model: MLP, xs: np.ndarray, ys: np.ndarray) -> Value:
    return cross_entropy([model(list(x)) for x in xs], ys.tolist())


def accuracy(model: MLP, xs: np.ndarray, ys: np.ndarray) -> float:
    """The fraction of points whose largest logit is their class."""
    with no_grad():
        guesses = [int(np.argmax([z.data for z in model(list(x))])) for x in xs]
    return float(np.mean(np.array(guesses) == ys))


def train(steps: int = 100, hidden: int = 8, points: int = 100, compiled: bool = False, verbose: bool = False):
    """Train as their script does; returns (model, history).

    history[k]: "train_loss", the loss of step k before its update; "val_loss" (every 10th k), the
    validation loss before step k; "seconds", the time step k took (forward, backward and update).
    compiled=True replays the loss graphs on Tapes (needs Numba): the same numbers, faster.
    """
    data, (weights, biases) = setup(hidden, points)
    model = MLP.from_arrays(weights, biases, activation="tanh", output_activation="linear")
    params = model.parameters()
    opt = AdamW(params, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    if compiled:
        from autograd import Tape

        # The inputs never change, so each graph is built once; a run reads the parameters' current
        # numbers. run() is forward and backward (gradients added into .grad), forward() forward only.
        train_loss = Tape(mean_loss(model, *data["train"]), wrt=params).run
        val_loss = Tape(mean_loss(model, *data["val"]), wrt=params).forward
    else:
        def train_loss() -> float:
            loss = mean_loss(model, *data["train"])
            loss.backward()
            return loss.data

        def val_loss() -> float:
            with no_grad():  # evaluation only: no graph
                return mean_loss(model, *data["val"]).data

    history = []
    for k in range(steps):
        start = time.perf_counter()
        record = {}
        if k % 10 == 0:
            record["val_loss"] = val_loss()
            if verbose:
                print(f"step {k + 1}/{steps}, val loss {record['val_loss']:.6f}")
        record["train_loss"] = train_loss()
        opt.step()
        opt.zero_grad()
        record["seconds"] = time.perf_counter() - start
        history.append(record)
        if verbose and (k % 10 == 0 or k == steps - 1):  # their script prints every step: ten lines say as much
            print(f"step {k + 1}/{steps}, train loss {record['train_loss']}")
    return model, history


def plot(model: MLP, hidden: int = 8, points: int = 100) -> str:
    """Save the three decision regions with the points as a PNG; return its path."""
    # A Figure of its own, not pyplot's: no backend is switched, so a notebook's own plots still show.
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, Patch

    from nn.reference import ReferenceMLP

    data, _ = setup(hidden, points)
    grid = np.linspace(-2.1, 2.1, 211)
    gx, gy = np.meshgrid(grid, grid)
    # The NumPy reference computes the same network on all 44,521 grid points at once.
    net = ReferenceMLP(*model.to_arrays(), activation="tanh", output_activation="linear")
    regions = np.argmax(net.forward(np.column_stack([gx.ravel(), gy.ravel()])), axis=1).reshape(gx.shape)
    fig = Figure(figsize=(7.5, 6))
    ax = fig.subplots()
    ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=COLOURS, alpha=0.25)
    for split, marker in MARKERS.items():
        xs, ys = data[split]
        ax.scatter(xs[:, 0], xs[:, 1], c=[COLOURS[c] for c in ys], marker=marker, edgecolors="k", s=40)
    ax.add_patch(Circle((0.0, 0.0), 2.0, fill=False, linestyle="--", color="0.4"))  # the yin-yang's disc
    # The legend: the classes by colour (points and shaded regions alike), the splits by marker, the disc.
    handles = [Patch(facecolor=colour, edgecolor="k", label=f"{name}: points, and where the network says {name}")
               for colour, name in zip(COLOURS, CLASS_NAMES)]
    handles += [Line2D([], [], marker=marker, color="white", markeredgecolor="k", markerfacecolor="0.75",
                       linestyle="", label=f"{split} point") for split, marker in MARKERS.items()]
    handles.append(Line2D([], [], color="0.4", linestyle="--", label="the yin-yang's disc: where the data lies"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    ax.set(title=f"Yin-yang: decision regions of MLP(2, [{hidden}, 3])", xlim=(-2.1, 2.1), ylim=(-2.1, 2.1),
           aspect="equal", xlabel="x1", ylabel="x2")
    path = out_dir() / "yin_yang_regions.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return str(path)


def numba_installed() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = demo_arguments("yin_yang", __doc__)
    parser.add_argument("--steps", type=whole_number(1), default=100, help="training steps (100 in their run)")
    parser.add_argument("--hidden", type=whole_number(1), default=8, help="hidden neurons (8 in their run)")
    # 80% train, 10% validation, 10% test: from 10 points on, each split has at least one
    parser.add_argument("--points", type=whole_number(10), default=100,
                        help="points in all three splits, at least 10 (100 in their run)")
    parser.add_argument("--engine", choices=["both", "eager", "compiled"], default="both",
                        help="train with backward(), on a Tape, or both and compare (the default)")
    args = parser.parse_args(argv)
    print(__doc__)
    engines = ["eager", "compiled"] if args.engine == "both" else [args.engine]
    if "compiled" in engines and not numba_installed():
        print("  (Numba is not installed: pip install 'scalar-autograd[fast]' for the compiled loop)\n")
        engines.remove("compiled")
        engines = engines or ["eager"]
    runs = {}
    for engine in engines:
        start = time.perf_counter()
        runs[engine] = train(args.steps, args.hidden, args.points, engine == "compiled", verbose=len(runs) == 0)
        total = time.perf_counter() - start
        stepping = sum(record["seconds"] for record in runs[engine][1])
        print(f"\n  {engine}: {stepping / args.steps * 1000:.2f} ms per step (forward, backward, AdamW);"
              f" {total - stepping:.2f} s to set up" + (" and record the graphs" if engine == "compiled" else ""))
    if len(runs) == 2:
        worst = max(abs(a["train_loss"] - b["train_loss"]) for a, b in zip(runs["eager"][1], runs["compiled"][1]))
        print(f"  largest difference between their train losses: {worst:.1e}")
    model = next(iter(runs.values()))[0]
    data, _ = setup(args.hidden, args.points)
    for split in ("train", "val", "test"):
        print(f"  {split} accuracy: {accuracy(model, *data[split]):.0%} of {len(data[split][1])} points")
    print(f"  decision regions saved to {plot(model, args.hidden, args.points)}")


if __name__ == "__main__":
    main()
