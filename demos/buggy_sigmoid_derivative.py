"""A single sigmoid neuron, and a derivative bug that still 'works': sigmoid applied twice.

The tutorial fits inputs [0,0], [0,1], [1,1], [1,0] to targets 0, 1, 1, 0 with weights 0.1, 0.2,
bias 0.3, learning rate 0.05 and 10,000 epochs. Its `der(x)` is sigmoid(x) * (1 - sigmoid(x)),
the slope at the weighted sum x; but it is called on the neuron's *output*, so the slope used is
sigmoid'(sigmoid(z)), not sigmoid'(z). Training still converges (the bug only rescales each
step), to different numbers. The engine reproduces the document exactly by defining a custom
op that carries the document's derivative, and finds the true answer with the built-in sigmoid.
"""

from __future__ import annotations

from autograd import Value, op
from autograd.floats import exp
from demos.common import demo_arguments, show_rows
from nn import SGD, Neuron, mse

INPUTS = [[0, 0], [0, 1], [1, 1], [1, 0]]
TARGETS = [0, 1, 1, 0]
DOC_WEIGHTS, DOC_BIAS, DOC_PREDICTION = [-0.41953547, 8.98887811], -4.19706344, 0.99177089


def _sigmoid(x):
    """Sigmoid of a float or a Value (so the rule below also works with create_graph=True)."""
    return 1 / (1 + exp(-x))


# forward: the ordinary sigmoid. derivative: the document's der() evaluated at the output.
sigmoid_as_documented = op(
    "sigmoid_doc",
    lambda z: Value(z).sigmoid().data,
    lambda z, out: _sigmoid(out) * (1 - _sigmoid(out)),
)


def train(activation, epochs: int = 10_000) -> tuple[list[float], float, float]:
    """Weights, bias and the prediction for [0, 1] after summed-gradient descent on 0.5 * SSE."""
    neuron = Neuron(2, activation=activation, bias=True)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.1, 0.2, 0.3
    opt = SGD(neuron.parameters(), lr=0.05)
    for _ in range(epochs):
        # The tutorial's `derivative` is (out - target) * slope: the gradient of 0.5 * sum of squares.
        loss = 0.5 * mse([neuron(x) for x in INPUTS], TARGETS, reduction="sum")
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [w.data for w in neuron.w], neuron.b.data, neuron([0, 1]).data


def main(argv: list[str] | None = None) -> None:
    demo_arguments("buggy_sigmoid_derivative", __doc__).parse_args(argv)  # no options: --help; anything else refused
    print(__doc__)
    doc_w, doc_b, doc_p = train(sigmoid_as_documented)
    true_w, true_b, true_p = train("sigmoid")
    show_rows(
        [
            ("weight 1", DOC_WEIGHTS[0], doc_w[0], true_w[0]),
            ("weight 2", DOC_WEIGHTS[1], doc_w[1], true_w[1]),
            ("bias", DOC_BIAS, doc_b, true_b),
            ("prediction for [0, 1]", DOC_PREDICTION, doc_p, true_p),
        ],
        ("", "document", "engine, document's derivative", "engine, true gradient"),
    )
    z = Value(0.3)
    sigmoid_as_documented(z).backward()
    print(
        f"\n  slope at z = 0.3: document's rule {z.grad:.7f}, true sigmoid'(0.3) "
        f"{Value(0.3).sigmoid().data * (1 - Value(0.3).sigmoid().data):.7f}"
    )
    print("  `python -m demos gradient_checking` shows gradcheck catching this rule.")


if __name__ == "__main__":
    main()
