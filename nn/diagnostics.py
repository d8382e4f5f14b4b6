"""Why a network does not learn: ReLU neurons that never fire, so no gradient reaches them."""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd import no_grad
from autograd.arguments import sequence
from nn.layers import MLP, inputs_as_values


def dead_neurons(model: MLP, inputs: Sequence[Sequence[float]]) -> list[tuple[int, int]]:
    """(layer, neuron) of every ReLU neuron of `model` whose output is 0 for every one of `inputs`.

    relu'(z) = 0 wherever z <= 0, so a neuron that is below 0 on every example passes back no
    gradient: its weights never change again, and it stays "dead". When a whole hidden layer is
    dead, the network's output no longer depends on its input, and the loss stops moving.

    >>> model = MLP(1, [2, 1], seed=0)
    >>> model.layers[0].neurons[0].w[0].data = -1.0    # below 0 for every positive input
    >>> model.layers[0].neurons[1].w[0].data = 1.0
    >>> dead_neurons(model, [[1.0], [2.0]])
    [(0, 0)]
    """
    if not isinstance(model, MLP):
        raise TypeError(f"dead_neurons needs an nn.MLP, got {type(model).__name__}")
    inputs = sequence("dead_neurons", "inputs", inputs)
    if not inputs:
        raise ValueError("dead_neurons needs at least one input, got none")
    fired = [[False] * len(layer.neurons) for layer in model.layers]
    with no_grad():  # only the numbers are needed: no graph
        for i, x in enumerate(inputs):
            out = inputs_as_values("dead_neurons", model.nin, x)
            if not all(math.isfinite(v.data) for v in out):  # nan > 0 is False: it would pass for "dead"
                numbers = [v.data for v in out]
                raise ValueError(f"dead_neurons: inputs[{i}] holds a number that is not finite: {numbers}")
            for layer, seen in zip(model.layers, fired):
                out = layer.forward(out)
                for k, value in enumerate(out):
                    seen[k] = seen[k] or value.data > 0.0
    return [
        (i, k)
        for i, (layer, seen) in enumerate(zip(model.layers, fired))
        for k, (neuron, alive) in enumerate(zip(layer.neurons, seen))
        if neuron.activation == "relu" and not alive
    ]
