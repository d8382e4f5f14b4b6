"""Watching a network learn: the binary cross-entropy of the one-layer iamtrask net, step by step.

The tutorial trains the same 3-1 sigmoid net as the delta-rule tutorial (same seed; its
`.clip(0, 1)` changes nothing, the random numbers are already in [0, 1)) for 200 steps, with
the same squared-error update, and records the binary cross-entropy of each step's output
to plot the loss curve. The engine does the same and saves the curve to out/.
"""

from __future__ import annotations

from demos.common import TRASK_X, TRASK_Y, demo_arguments, out_dir, show_rows
from demos.delta_rule_networks import initial_weights, sigmoid_net
from nn import SGD, binary_cross_entropy, mse

DOC_BEFORE = [0.2689863986549585, 0.3637505753263374, 0.23762817371784412, 0.3262756985110817]
DOC_AFTER = [0.07553274290592425, 0.06168482574730442, 0.9500807908794366, 0.9387016400630532]
DOC_FIRST_LOSS, DOC_LAST_LOSS = 0.8306371261530696, 0.06416821821477073


def run(steps: int = 200) -> tuple[list[float], list[float], list[float]]:
    """(outputs at the first step, outputs at the last step, cross-entropy at every step)."""
    model = sigmoid_net(initial_weights((3, 1)))
    opt = SGD(model.parameters(), lr=1.0)
    losses, first = [], None
    for _ in range(steps):
        outs = [model(x) for x in TRASK_X]
        first = first or [o.data for o in outs]
        losses.append(binary_cross_entropy(outs, TRASK_Y).data)  # recorded, not trained on
        loss = 0.5 * mse(outs, TRASK_Y, reduction="sum")  # the tutorial's update
        opt.zero_grad()
        loss.backward()
        opt.step()
    return first, [o.data for o in outs], losses


def plot(losses: list[float]) -> str:
    """Save the loss curve as a PNG and return its path."""
    # A Figure of its own, not pyplot's: no screen needed, and no backend is switched for anyone else.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(losses, color="#1f5fbf", label="binary cross-entropy, mean over the 4 examples")
    ax.set(title="Cross entropy (binary) loss", xlabel="epoch (one full-batch step)", ylabel="loss")
    ax.legend()
    path = out_dir() / "cross_entropy_loss.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return str(path)


def main(argv: list[str] | None = None) -> None:
    demo_arguments("cross_entropy_curve", __doc__).parse_args(argv)  # no options: --help, and anything else is refused
    print(__doc__)
    before, after, losses = run()
    show_rows(
        list(zip(TRASK_X, DOC_BEFORE, before, DOC_AFTER, after)),
        ("input", "document before", "engine before", "document after", "engine after"),
    )
    print(f"\n  cross-entropy, first step: document {DOC_FIRST_LOSS!r}, engine {losses[0]!r}")
    print(f"  cross-entropy, last step:  document {DOC_LAST_LOSS!r}, engine {losses[-1]!r}")
    print("\n  'After' is the output of the 200th forward pass, before its update, as the tutorial prints it.")
    print(f"  loss curve saved to {plot(losses)}")


if __name__ == "__main__":
    main()
