"""nn: the engine's MLP against the NumPy reference, losses, optimizers, bad input, save/load."""

from __future__ import annotations

import itertools
import json
import os
import zlib

import numpy as np
import pytest

from autograd import Value
from nn import MLP, SGD, Adam, Layer, Neuron, binary_cross_entropy, get_loss, hinge, l2, load, mse, save
from nn.reference import ReferenceMLP
from tests.reference_grads import RTOL_GRAD, assert_grads_match

ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
LOSSES = ["mse", "mse_sum", "binary_cross_entropy", "hinge"]


def random_problem(rng, loss, n=6, nin=3, nout=2):
    x = rng.uniform(-1.5, 1.5, (n, nin))
    if loss == "hinge":
        y = rng.choice([-1.0, 1.0], (n, nout))
    elif loss == "binary_cross_entropy":
        y = rng.uniform(0, 1, (n, nout))
    else:
        y = rng.normal(size=(n, nout))
    return x, y


def engine_loss(model, x, y, loss, l2_weight=0.0):
    preds = []
    for row in x:
        out = model(list(row))
        preds.extend([out] if isinstance(out, Value) else out)
    targets = list(y.ravel())
    value = {
        "mse": lambda: mse(preds, targets),
        "mse_sum": lambda: mse(preds, targets, reduction="sum"),
        "binary_cross_entropy": lambda: binary_cross_entropy(preds, targets),
        "hinge": lambda: hinge(preds, targets),
    }[loss]()
    return value + l2_weight * l2(model.parameters()) if l2_weight else value


def reference_loss(net, x, y, loss, l2_weight=0.0):
    name, reduction = ("mse", "sum") if loss == "mse_sum" else (loss, "mean")
    return net.loss_and_grads(x, y, name, reduction, l2=l2_weight)


@pytest.mark.parametrize(("activation", "loss", "bias"), list(itertools.product(ACTIVATIONS, LOSSES, [True, False])))
def test_mlp_grads_match_numpy_reference(activation, loss, bias):
    rng = np.random.RandomState(zlib.crc32(f"{activation}-{loss}-{bias}".encode()))  # stable across runs
    out_act = "sigmoid" if loss == "binary_cross_entropy" else activation
    weights = [rng.normal(size=s) for s in [(3, 4), (4, 3), (3, 2)]]
    biases = [rng.normal(size=s[1]) for s in [(3, 4), (4, 3), (3, 2)]] if bias else None
    x, y = random_problem(rng, loss)
    model = MLP.from_arrays(weights, biases, activation=activation, output_activation=out_act)
    value = engine_loss(model, x, y, loss, l2_weight=1e-3)
    value.backward()
    ref_value, d_weights, d_biases = reference_loss(
        ReferenceMLP(weights, biases, activation, out_act), x, y, loss, l2_weight=1e-3
    )
    assert value.data == pytest.approx(ref_value, rel=RTOL_GRAD)
    assert_grads_match(model, d_weights, d_biases if bias else None)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_weights_still_match_reference_after_200_training_steps(activation):
    rng = np.random.RandomState(7)
    weights = [rng.normal(scale=0.5, size=s) for s in [(2, 5), (5, 1)]]
    biases = [np.zeros(5), np.zeros(1)]
    x, y = rng.uniform(-1, 1, (8, 2)), rng.normal(size=(8, 1))
    model = MLP.from_arrays(weights, biases, activation=activation)
    net = ReferenceMLP(weights, biases, activation, "linear")
    opt = SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        loss = engine_loss(model, x, y, "mse")
        opt.zero_grad()
        loss.backward()
        opt.step()
        _, dw, db = net.loss_and_grads(x, y, "mse")
        net.sgd_step(dw, db, 0.1)
    mine_w, mine_b = model.to_arrays()
    for a, b in zip(mine_w + mine_b, net.weights + net.biases):
        np.testing.assert_allclose(a, b, rtol=1e-9)  # 200 steps of few-ulp differences, contracting


def test_binary_cross_entropy_stays_finite_at_exactly_zero_and_one():
    p = Value(40.0).sigmoid()  # rounds to exactly 1.0 in float64
    assert p.data == 1.0
    loss = binary_cross_entropy([p], [0])
    loss.backward()
    assert loss.data == 100.0  # -log(0) floored at 100, as in PyTorch: exact
    assert np.isfinite(p.grad)


def test_sgd_momentum_matches_pytorch_formula():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    expected, v = 1.0, 0.0
    for g in [0.5, -0.2, 0.3]:
        p.grad = g
        opt.step()
        v = 0.9 * v + g
        expected -= 0.1 * v
    assert p.data == pytest.approx(expected, rel=1e-15)  # the same float operations in the same order


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_weight_decay_is_the_gradient_of_an_l2_penalty_left_out_of_the_graph(momentum):
    """SGD(weight_decay=c) on the loss takes the steps plain SGD takes on loss + (c / 2) * l2(params)."""
    decayed, penalised, plain = MLP(2, [3, 1], seed=4), MLP(2, [3, 1], seed=4), MLP(2, [3, 1], seed=4)
    c, rows, targets = 0.02, [[0.5, -1.0], [2.0, 0.25]], [1.0, -0.5]
    optimizers = [SGD(decayed.parameters(), lr=0.1, momentum=momentum, weight_decay=c),
                  SGD(penalised.parameters(), lr=0.1, momentum=momentum),
                  SGD(plain.parameters(), lr=0.1, momentum=momentum)]
    for _ in range(5):
        mse([decayed(r) for r in rows], targets).backward()
        (mse([penalised(r) for r in rows], targets) + (c / 2) * l2(penalised.parameters())).backward()
        mse([plain(r) for r in rows], targets).backward()
        for opt in optimizers:
            opt.step()
            opt.zero_grad()
    # The penalty's gradient reaches each p as (c / 2) * (p + p) through the graph, where the optimizer
    # adds c * p: the same number up to the rounding of the sums it joins, an ulp or two per step.
    assert [p.data for p in decayed.parameters()] == pytest.approx([p.data for p in penalised.parameters()], rel=1e-13)
    assert [p.data for p in decayed.parameters()] != pytest.approx([p.data for p in plain.parameters()], rel=1e-4)


def test_adam_minimises_a_quadratic_and_lr_can_be_scheduled():
    x = Value(5.0)
    opt = Adam([x], lr=0.5)
    for step in range(300):
        opt.zero_grad()
        ((x - 2.0) ** 2).backward()
        opt.lr = 0.5 if step < 150 else 0.05
        opt.step()
    assert x.data == pytest.approx(2.0, abs=1e-2)  # Adam hovers within ~lr of the minimum


def test_state_lives_in_the_optimizer_not_on_parameters():
    p = Value(1.0)
    opt = Adam([p])
    p.grad = 1.0
    opt.step()
    assert opt.m[0] != 0.0 and not hasattr(p, "__dict__")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: MLP(3, [2, 1])([1.0, 2.0]), "MLP expects 3 inputs, got 2"),
        (lambda: Neuron(2)([1.0]), "Neuron expects 2 inputs, got 1"),
        (lambda: Layer(2, 3)(5.0), "Layer expects a list of 2 inputs, got float"),
        (lambda: MLP(2, [3], activation="softmax"), "unknown activation 'softmax'; choose one of 'sigmoid'"),
        (lambda: MLP.from_arrays([np.zeros((2, 3)), np.zeros((4, 1))]), r"weights\[1\] has shape \(4, 1\)"),
        (lambda: MLP.from_arrays([np.zeros(3)]), r"weights\[0\] must be 2-D"),
        (lambda: MLP.from_arrays([np.zeros((2, 3))], [np.zeros(2)]), r"biases\[0\] must have shape \(3,\)"),
        (lambda: mse([Value(1.0)], [1, 2]), "mse: got 1 predictions but 2 targets"),
        (lambda: get_loss("focal"), "unknown loss 'focal'; choose one of 'mse'"),
        (lambda: mse([Value(1.0)], [1], reduction="max"), "reduction must be 'mean' or 'sum', got 'max'"),
        (lambda: hinge([Value(1.0)], [0]), "hinge: labels must be \\+1 or -1, got 0"),
        (lambda: binary_cross_entropy([Value(1.5)], [1]), r"bce: the prediction must be a probability"),
        (lambda: SGD([], lr=0.1), "SGD got no parameters"),
        (lambda: SGD([Value(1.0)], lr=-1), "lr must be >= 0, got -1"),
    ],
)
def test_bad_input_raises_value_error_saying_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("model", [MLP(2, [1], seed=0), Layer(2, 2, seed=0), Neuron(2, seed=0)], ids=repr)
@pytest.mark.parametrize("xs", [{0: 1.0, 1: 2.0}, {1.0, 2.0}], ids=["dict", "set"])
def test_a_model_given_a_dict_or_set_of_inputs_refuses_it_instead_of_reading_keys_or_a_random_order(model, xs):
    with pytest.raises(TypeError, match=f"expects a list or tuple of 2 inputs, in order; got a {type(xs).__name__}"):
        model(xs)


def test_from_arrays_and_to_arrays_round_trip_in_tutorial_convention():
    rng = np.random.RandomState(1)
    syn0 = 2 * rng.random_sample((3, 4)) - 1
    syn1 = 2 * rng.random_sample((4, 1)) - 1
    model = MLP.from_arrays([syn0, syn1], activation="sigmoid", output_activation="sigmoid")
    weights, biases = model.to_arrays()
    assert biases is None and weights[0].shape == (3, 4)
    np.testing.assert_array_equal(weights[0], syn0)
    np.testing.assert_array_equal(weights[1], syn1)
    x = [1.0, 0.0, 1.0]
    expected = ReferenceMLP([syn0, syn1], None, "sigmoid", "sigmoid").forward(np.array([x]))[0, 0]
    assert model(x).data == pytest.approx(expected, rel=1e-15)  # 3-term sums, another order: an ulp


def test_seed_makes_initialisation_reproducible():
    a, b, c = MLP(2, [4, 1], seed=3), MLP(2, [4, 1], seed=3), MLP(2, [4, 1], seed=4)
    assert a.state_dict() == b.state_dict() != c.state_dict()


# -- save and load --------------------------------------------------------------------------


def trained_model():
    return MLP(2, [3, 1], activation="tanh", seed=0)


def test_save_then_load_restores_every_parameter(tmp_path):
    path = tmp_path / "model.json"
    source = trained_model()
    save(source, path)
    target = MLP(2, [3, 1], activation="tanh", seed=99)
    load(target, path)
    assert target.state_dict() == source.state_dict()
    assert not [p for p in os.listdir(tmp_path) if p != "model.json"]  # no temp file left behind


@pytest.mark.parametrize(
    ("corrupt", "error", "message"),
    [
        (lambda p: p.unlink(), FileNotFoundError, "no model file at"),
        (
            lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]),
            ValueError,
            "truncated or corrupted",
        ),
        (lambda p: p.write_bytes(b"\x00\xff garbage"), ValueError, "truncated or corrupted"),
        (lambda p: p.write_text(json.dumps({"hello": 1})), ValueError, "not a model file written by nn.save"),
        (
            lambda p: p.write_text(p.read_text().replace('"version": 1', '"version": 7')),
            ValueError,
            "version 7",
        ),
    ],
)
def test_load_of_a_damaged_file_names_the_problem_and_leaves_the_model_unchanged(tmp_path, corrupt, error, message):
    path = tmp_path / "model.json"
    save(trained_model(), path)
    corrupt(path)
    model = MLP(2, [3, 1], activation="tanh", seed=5)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        load(model, path)
    assert model.state_dict() == before


def test_load_into_a_different_architecture_names_both_and_changes_nothing(tmp_path):
    path = tmp_path / "model.json"
    save(trained_model(), path)
    other = MLP(2, [4, 1], seed=1)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"holds MLP\(2, \[3, 1\].*cannot be loaded into MLP\(2, \[4, 1\].*missing"):
        load(other, path)
    assert other.state_dict() == before


def test_load_with_one_bad_number_changes_nothing(tmp_path):
    path = tmp_path / "model.json"
    save(trained_model(), path)
    document = json.loads(path.read_text())
    last = list(document["parameters"])[-1]
    document["parameters"][last] = "oops"
    path.write_text(json.dumps(document))
    model = MLP(2, [3, 1], activation="tanh", seed=5)
    before = model.state_dict()
    with pytest.raises(ValueError, match=f"state\\[{last!r}\\] needs a real number, got str 'oops'"):
        load(model, path)
    assert model.state_dict() == before


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    save(trained_model(), path)
    old = path.read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        save(MLP(2, [3, 1], seed=8), path)
    assert path.read_text() == old
    assert os.listdir(tmp_path) == ["model.json"]


def test_parameters_are_in_named_parameters_order():
    model = MLP(3, [4, 2], seed=0)
    assert model.parameters() == [p for _, p in model.named_parameters()]
    layer = Layer(2, 3, seed=0)
    assert layer.parameters() == [p for _, p in layer.named_parameters()]


def test_get_loss_returns_the_named_loss():
    assert get_loss("hinge") is hinge
