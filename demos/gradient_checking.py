"""Gradient checking: catch a wrong derivative before it quietly trains the wrong model.

gradcheck compares a gradient (the engine's, or one you wrote by hand) with central differences
(f(x + eps) - f(x - eps)) / 2 eps. Below it catches the two slips of the source tutorials: the
sigmoid derivative applied to the output (the single-neuron tutorial) and hidden-layer deltas
computed through already-updated weights (the hand-worked 2-2-1 example); their fixes pass.
"""

from __future__ import annotations

import math

from autograd import Value, gradcheck
from demos import backprop_by_hand as hand
from demos import buggy_sigmoid_derivative as buggy
from demos.common import demo_arguments
from nn import MLP, check_model_gradients, mse


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def buggy_rule(z: float) -> list[float]:
    """The tutorial's der() called on the output: sigmoid'(sigmoid(z))."""
    out = sigmoid(z)
    return [sigmoid(out) * (1 - sigmoid(out))]


def fixed_rule(z: float) -> list[float]:
    out = sigmoid(z)
    return [out * (1 - out)]


def neuron_checks():
    """The buggy and fixed derivative at z = 0.3, and the document's rule inside the engine."""
    f = Value.sigmoid
    return (
        gradcheck(f, [0.3], grad_fn=buggy_rule),
        gradcheck(f, [0.3], grad_fn=fixed_rule),
        gradcheck(buggy.sigmoid_as_documented, [0.3]),  # the custom op carrying the bug
    )


def hand_backprop(model: MLP, stale: bool) -> dict[str, float]:
    """The 2-2-1 tutorial's gradients by hand at the model's weights (stale=True: its slip)."""
    return hand.hand_gradients(*model.to_arrays()[0], stale=stale)


def network_checks():
    model = MLP.from_arrays([hand.W_HIDDEN, hand.W_OUTPUT], None, "sigmoid", "sigmoid")

    def loss(m):
        return 0.5 * mse([m(hand.INPUTS)], [hand.TARGET], reduction="sum")

    return (
        check_model_gradients(model, loss, lambda m: hand_backprop(m, stale=True)),
        check_model_gradients(model, loss, lambda m: hand_backprop(m, stale=False)),
    )


def main(argv: list[str] | None = None) -> None:
    demo_arguments("gradient_checking", __doc__).parse_args(argv)  # no options: --help, and anything else is refused
    print(__doc__)
    buggy_report, fixed_report, custom_op_report = neuron_checks()
    print("1. The single-neuron tutorial's sigmoid derivative, written by hand:\n")
    print(buggy_report, "\n")
    print("   Fixed (out * (1 - out) with out = sigmoid(z)):\n")
    print(fixed_report, "\n")
    print("   The same bug carried by a custom op is caught the same way:\n")
    print(custom_op_report, "\n")
    stale, fixed = network_checks()
    print("2. The 2-2-1 tutorial's hand-written backprop, hidden deltas through the updated weights:\n")
    print(stale, "\n")
    print("   Through the old weights (the true gradient):\n")
    print(fixed)


if __name__ == "__main__":
    main()
