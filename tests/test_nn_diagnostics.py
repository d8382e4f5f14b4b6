"""dead_neurons: ReLU neurons that output 0 on every input, found by evaluating the network."""

from __future__ import annotations

import pytest

from nn import MLP, dead_neurons
from tests.test_lecture import XS, train_like_the_lecture


def test_a_neuron_below_zero_on_every_input_is_dead_and_gets_no_gradient():
    model = MLP(2, [3, 1], seed=0)
    neuron = model.layers[0].neurons[1]
    neuron.w[0].data, neuron.w[1].data = -1.0, -1.0  # w . x + b < 0 for the positive inputs below
    inputs = [[1.0, 2.0], [0.5, 0.1]]
    assert (0, 1) in dead_neurons(model, inputs)
    loss = sum(model(x) for x in inputs)
    loss.backward()
    assert [w.grad for w in neuron.w] == [0.0, 0.0]  # what "dead" means: nothing flows back


def test_the_lecture_task_with_the_default_relu_mlp_ends_with_a_dead_hidden_layer():
    # The lecture's loop on nn.MLP's default (ReLU hidden, linear out), seed 0: the loss sticks at 4.0
    # (every prediction the output bias, which settles at the targets' mean, 0); every neuron of the second
    # hidden layer outputs 0 on all four examples.
    model = MLP(3, [4, 4, 1], seed=0)
    losses = train_like_the_lecture(model, steps=20, lr=0.1)
    assert losses[-1] == pytest.approx(4.0, abs=1e-6)  # 4 examples, targets +-1, predictions ~0
    assert {(1, k) for k in range(4)} <= set(dead_neurons(model, XS))


def test_tanh_and_linear_neurons_are_never_reported():
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=0)
    assert dead_neurons(model, XS) == []


def test_dead_neurons_refuses_what_it_cannot_check():
    with pytest.raises(TypeError, match=r"nn\.MLP"):
        dead_neurons([1, 2], XS)
    with pytest.raises(ValueError, match="at least one input"):
        dead_neurons(MLP(3, [2, 1], seed=0), [])
    with pytest.raises(ValueError, match="3"):
        dead_neurons(MLP(3, [2, 1], seed=0), [[1.0, 2.0]])  # two numbers for three inputs
