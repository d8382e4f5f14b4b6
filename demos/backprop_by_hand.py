"""Backpropagation worked by hand (a 2-2-1 sigmoid net), checked number by number by the engine.

Inputs 0.35 and 0.9, target 0.5, learning rate 1, sigmoid everywhere, no bias. The document
rounds as it goes (0.68, 0.6637, -0.0406), so its printed weights match the exact ones only to
about 1e-4. For the hidden layer it also back-propagates through the output weights it has
*already updated*; the true gradient uses the old ones. Both effects are shown below.
"""

from __future__ import annotations

import numpy as np

from demos.common import demo_arguments, show_rows
from nn import MLP, SGD, mse

INPUTS, TARGET = [0.35, 0.9], 0.5
# (n_in, n_out): row = input (0.35, 0.9), column = hidden neuron (top, bottom)
W_HIDDEN = [[0.1, 0.4], [0.8, 0.6]]
W_OUTPUT = [[0.3], [0.9]]
DOC_OUTPUT_WEIGHTS = [0.272392, 0.87305]
DOC_HIDDEN_WEIGHTS = [0.09916, 0.7978, 0.3972, 0.5928]  # w3 (0.35->top), w4 (0.9->top), w5, w6
HIDDEN_NAMES = ["w3 (0.35 -> top)", "w4 (0.9 -> top)", "w5 (0.35 -> bottom)", "w6 (0.9 -> bottom)"]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def engine_step() -> dict:
    """One true gradient-descent step with the engine: forward numbers and the new weights."""
    model = MLP.from_arrays([W_HIDDEN, W_OUTPUT], None, activation="sigmoid", output_activation="sigmoid")
    hidden = model.layers[0](INPUTS)
    out = model.layers[1](hidden)
    loss = 0.5 * mse([out], [TARGET], reduction="sum")
    model.zero_grad()
    loss.backward()
    delta = -out.grad * out.data * (1 - out.data)  # the document's delta: -(dloss/dz) at the output
    SGD(model.parameters(), lr=1.0).step()
    w_hidden, w_output = model.to_arrays()[0]
    return {
        "hidden": [h.data for h in hidden],
        "output": out.data,
        "delta": delta,
        "output_weights": list(w_output[:, 0]),
        "hidden_weights": [w_hidden[0, 0], w_hidden[1, 0], w_hidden[0, 1], w_hidden[1, 1]],
    }


def hand_gradients(w_hidden, w_output, stale: bool) -> dict[str, float]:
    """The document's backprop by hand, as the gradient of 0.5 * (target - out)**2 per parameter name.

    With stale=True the hidden deltas go through the output weights already updated (the
    document's slip); with stale=False through the old ones (the true gradient).
    """
    h = [_sigmoid(INPUTS[0] * w_hidden[0][j] + INPUTS[1] * w_hidden[1][j]) for j in range(2)]
    out = _sigmoid(h[0] * w_output[0][0] + h[1] * w_output[1][0])
    delta = (TARGET - out) * (1 - out) * out
    through = [w_output[j][0] + delta * h[j] if stale else w_output[j][0] for j in range(2)]
    deltas = [delta * through[j] * h[j] * (1 - h[j]) for j in range(2)]
    # The document adds delta * input to each weight (learning rate 1): the gradient is minus that.
    grads = {f"layers.1.neurons.0.w.{j}": -delta * h[j] for j in range(2)}
    for j in range(2):
        for i in range(2):
            grads[f"layers.0.neurons.{j}.w.{i}"] = -deltas[j] * INPUTS[i]
    return grads


def document_procedure() -> list[float]:
    """The document's hidden-layer update done in float64: deltas through the *updated* output weights."""
    grads = hand_gradients(W_HIDDEN, W_OUTPUT, stale=True)
    return [W_HIDDEN[i][j] - grads[f"layers.0.neurons.{j}.w.{i}"] for j in range(2) for i in range(2)]


def general_formulas_2_3_2(w_in: np.ndarray, w_out: np.ndarray, x: list[float], target: list[float], eta: float):
    """The document's general 2-3-2 rules, written out as it states them (old weights for hidden deltas)."""
    out_h = [_sigmoid(sum(x[i] * w_in[i, j] for i in range(2))) for j in range(3)]
    out_o = [_sigmoid(sum(out_h[j] * w_out[j, k] for j in range(3))) for k in range(2)]
    delta_o = [out_o[k] * (1 - out_o[k]) * (target[k] - out_o[k]) for k in range(2)]
    new_out = np.array([[w_out[j, k] + eta * delta_o[k] * out_h[j] for k in range(2)] for j in range(3)])
    delta_h = [out_h[j] * (1 - out_h[j]) * sum(delta_o[k] * w_out[j, k] for k in range(2)) for j in range(3)]
    new_in = np.array([[w_in[i, j] + eta * delta_h[j] * x[i] for j in range(3)] for i in range(2)])
    return new_in, new_out


def main(argv: list[str] | None = None) -> None:
    demo_arguments("backprop_by_hand", __doc__).parse_args(argv)  # no options: --help, and anything else is refused
    print(__doc__)
    e = engine_step()
    show_rows(
        [
            ("top hidden output", 0.68, e["hidden"][0]),
            ("bottom hidden output", 0.6637, e["hidden"][1]),
            ("final output", 0.69, e["output"]),
            ("output delta", -0.0406, e["delta"]),
            ("w1 new (top -> out)", DOC_OUTPUT_WEIGHTS[0], e["output_weights"][0]),
            ("w2 new (bottom -> out)", DOC_OUTPUT_WEIGHTS[1], e["output_weights"][1]),
        ],
        ("quantity", "document (rounded)", "engine (exact float64)"),
    )
    print("\nHidden layer, three ways:")
    rows = zip(HIDDEN_NAMES, DOC_HIDDEN_WEIGHTS, document_procedure(), e["hidden_weights"])
    show_rows(list(rows), ("weight", "document printed", "document's procedure", "true gradient (engine)"))
    print(
        "\n  The first two columns differ by the document's rounding. The last differs from both because"
        "\n  the document multiplies the hidden deltas by the output weights it has just updated"
        "\n  (0.272392, 0.87305) instead of the old ones (0.3, 0.9); the gradient of this step's loss uses"
        "\n  the old ones. The document's own general 2-3-2 formulas do use the old weights, and they match"
        "\n  the engine exactly (see tests/test_tutorials.py)."
    )


if __name__ == "__main__":
    main()
