"""A drop-in for micrograd: its initialisation, and the checks on sizes and seeds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from nn import MLP, Layer, Neuron


@pytest.fixture
def restore_global_generators():
    """micrograd's demo seeds Python's and NumPy's global generators: put them back afterwards."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)


def weights_of(model) -> list[float]:
    return [p.data for p in model.parameters()]


def test_without_seed_mlp_draws_micrograds_weights_from_the_global_random(restore_global_generators):
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    expected = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    assert weights_of(model) == [float(p.data) for p in expected.parameters()]


def test_without_seed_weights_are_the_global_randoms_draws_neuron_after_neuron(restore_global_generators):
    random.seed(3)
    model = MLP(2, [3, 1])
    after = random.random()  # the global stream moved on by exactly the weights drawn
    draws = random.Random(3)
    expected = []
    for nin, nout in [(2, 3), (3, 1)]:
        for _ in range(nout):
            expected += [draws.uniform(-1, 1) for _ in range(nin)] + [0.0]  # nin weights, then the bias, 0
    assert weights_of(model) == expected
    assert after == draws.random()


def test_seed_and_rng_give_the_draws_of_a_generator_seeded_alike():
    for make in (lambda **kw: Neuron(3, **kw), lambda **kw: Layer(3, 2, **kw), lambda **kw: MLP(3, [2, 1], **kw)):
        by_seed = weights_of(make(seed=5))
        assert weights_of(make(rng=random.Random(5))) == by_seed
        assert weights_of(make(seed=random.Random(5))) == by_seed
        assert weights_of(make(seed=np.int64(5))) == by_seed


def test_seed_leaves_the_global_random_untouched(restore_global_generators):
    random.seed(11)
    MLP(2, [4, 1], seed=0)
    Layer(2, 3, rng=random.Random(1))
    MLP.from_arrays([np.zeros((2, 1))])  # overwrites every weight: must not consume global draws either
    assert random.random() == random.Random(11).random()


def test_numpy_integer_sizes_are_accepted_and_stored_as_int():
    model = MLP(np.int64(2), [np.int32(3), np.uint8(1)], seed=0)
    assert model.nin == 2 and model.nouts == [3, 1] and type(model.nin) is int
    assert repr(model).startswith("MLP(2, [3, 1],")
    assert len(Neuron(np.int16(4), seed=0).w) == 4
    assert len(Layer(np.int64(2), np.int64(5), seed=0).neurons) == 5


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Neuron(2.0), "Neuron needs nin to be a whole number >= 1, got float 2.0"),
        (lambda: Neuron(True), "Neuron needs nin to be a whole number >= 1, got bool True"),
        (lambda: Neuron(0), "Neuron needs nin to be a whole number >= 1, got int 0"),
        (lambda: Layer(2, -3), "Layer needs nout to be a whole number >= 1, got int -3"),
        (lambda: Layer(np.float64(2.0), 3), r"Layer needs nin to be a whole number >= 1, got float64 np\.float64\(2"),
        (lambda: MLP("2", [1]), "MLP needs nin to be a whole number >= 1, got str '2'"),
        (lambda: MLP(2, [16, 0, 1]), r"MLP needs nouts\[1\] to be a whole number >= 1, got int 0"),
        (lambda: MLP(2, [16, 1.5]), r"MLP needs nouts\[1\] to be a whole number >= 1, got float 1.5"),
        (lambda: MLP(2, [False]), r"MLP needs nouts\[0\] to be a whole number >= 1, got bool False"),
        (lambda: MLP(2, []), r"MLP needs at least one layer size in nouts, got \[\]"),
        (lambda: MLP(2, [1], seed=1, rng=random.Random(1)), "MLP: give seed or rng, not both"),
    ],
)
def test_bad_size_or_both_seed_and_rng_raise_value_error_showing_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(2, [1], seed=1.5), "MLP: seed must be an int, None or a random.Random, got float 1.5"),
        (lambda: Layer(2, 1, seed="1337"), "Layer: seed must be an int, None or a random.Random, got str '1337'"),
        (lambda: Neuron(2, seed=True), "Neuron: seed must be an int, None or a random.Random, got bool True"),
        (lambda: MLP(2, [1], seed=np.random.RandomState(0)), "MLP: seed must be an int, None or a random.Random"),
        (lambda: MLP(2, [1], rng=7), "MLP: rng must be a random.Random, got int 7"),
        (lambda: Neuron(2, rng=np.random.default_rng(0)), "Neuron: rng must be a random.Random, got Generator"),
        (lambda: MLP(2, 16), "MLP needs nouts as a list of layer sizes such as \\[16, 16, 1\\], got 16"),
    ],
)
def test_seed_rng_or_nouts_of_the_wrong_type_raises_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()
