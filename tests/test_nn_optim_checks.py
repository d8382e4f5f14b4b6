"""Optimizers: every hyperparameter checked when set (also later, by a schedule); repeated parameters refused."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from autograd import Value
from nn import MLP, SGD, Adam, AdamW

NAN, INF = float("nan"), float("inf")


def one_parameter(grad=0.5):
    p = Value(1.0)
    p.grad = grad
    return p


# -- repeated parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_a_repeated_parameter_is_refused_naming_both_positions(optimizer):
    q, r = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=rf"{optimizer.__name__}: the same Value appears more than once"
                       r" \(parameter 2 is parameter 0\).*list\(dict.fromkeys\(params\)\)"):
        optimizer([q, r, q], lr=0.1)


def test_a_model_whose_layers_share_a_weight_is_refused_until_the_repeat_is_removed():
    model = MLP(2, [2, 1], seed=0)
    model.layers[1].neurons[0].w[1] = model.layers[1].neurons[0].w[0]  # tie two weights by hand
    with pytest.raises(ValueError, match="parameter 7 is parameter 6"):
        SGD(model.parameters(), lr=0.1)
    unique = list(dict.fromkeys(model.parameters()))  # the fix the message suggests
    shared = model.layers[1].neurons[0].w[0]
    before = shared.data
    shared.grad = 0.5
    SGD(unique, lr=0.1).step()
    assert len(unique) == 8 and shared.data == before - 0.1 * 0.5  # moved once, not twice


# -- hyperparameters: type, finiteness, range ----------------------------------------------------------

BAD_LR = [
    (NAN, ValueError, "lr must be a finite number, got nan"),
    (INF, ValueError, "lr must be a finite number, got inf"),
    (-INF, ValueError, "lr must be a finite number, got -inf"),
    (10**400, ValueError, "lr must be a finite number, got an int of 401 digits"),
    (-0.1, ValueError, "lr must be >= 0, got -0.1"),
    (True, TypeError, "lr must be a number, not a bool"),
    (np.bool_(True), TypeError, "lr must be a number, not a bool"),
    ("0.1", TypeError, "lr needs a real number, got str '0.1'"),
    (None, TypeError, "lr needs a real number, got NoneType"),
    (0.1 + 0j, TypeError, "lr needs a real number, got complex"),
]


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize(("lr", "error", "message"), BAD_LR)
def test_a_bad_lr_is_refused_at_construction_naming_optimizer_and_value(optimizer, lr, error, message):
    with pytest.raises(error, match=f"{optimizer.__name__}: {message}"):
        optimizer([one_parameter()], lr=lr)


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize(("lr", "error", "message"), BAD_LR)
def test_a_bad_lr_set_by_a_schedule_fails_on_that_line_and_keeps_the_old_lr(optimizer, lr, error, message):
    p = one_parameter()
    opt = optimizer([p], lr=0.1)
    with pytest.raises(error, match=f"{optimizer.__name__}: {message}"):
        opt.lr = lr
    assert opt.lr == 0.1
    opt.step()
    assert math.isfinite(p.data) and p.data < 1.0  # still steps with the old rate


@pytest.mark.parametrize(
    ("momentum", "error", "message"),
    [
        (NAN, ValueError, "momentum must be a finite number, got nan"),
        (INF, ValueError, "momentum must be a finite number, got inf"),
        (1.0, ValueError, r"momentum must be in \[0, 1\), got 1.0"),
        (-0.1, ValueError, r"momentum must be in \[0, 1\), got -0.1"),
        (False, TypeError, "momentum must be a number, not a bool"),
        ("0.9", TypeError, "momentum needs a real number, got str"),
    ],
)
def test_a_bad_sgd_momentum_is_refused_at_construction_and_when_set_later(momentum, error, message):
    with pytest.raises(error, match=f"SGD: {message}"):
        SGD([one_parameter()], lr=0.1, momentum=momentum)
    opt = SGD([one_parameter()], lr=0.1, momentum=0.9)
    with pytest.raises(error, match=f"SGD: {message}"):
        opt.momentum = momentum
    assert opt.momentum == 0.9


@pytest.mark.parametrize(
    ("weight_decay", "error", "message"),
    [
        (-0.1, ValueError, "weight_decay must be >= 0, got -0.1"),
        (NAN, ValueError, "weight_decay must be a finite number, got nan"),
        (INF, ValueError, "weight_decay must be a finite number, got inf"),
        (True, TypeError, "weight_decay must be a number, not a bool"),
        ("0.01", TypeError, "weight_decay needs a real number, got str"),
    ],
)
def test_a_bad_sgd_weight_decay_is_refused_at_construction_and_when_set_later(weight_decay, error, message):
    with pytest.raises(error, match=f"SGD: {message}"):
        SGD([one_parameter()], lr=0.1, weight_decay=weight_decay)
    opt = SGD([one_parameter()], lr=0.1, weight_decay=1e-4)
    with pytest.raises(error, match=f"SGD: {message}"):
        opt.weight_decay = weight_decay
    assert opt.weight_decay == 1e-4


@pytest.mark.parametrize(
    ("eps", "error", "message"),
    [
        (NAN, ValueError, "eps must be a finite number, got nan"),  # used to turn every parameter into nan
        (0.0, ValueError, r"eps must be > 0 \(it keeps the update's denominator away from 0\), got 0.0"),
        (-1e-8, ValueError, "eps must be > 0.*got -1e-08"),
        (INF, ValueError, "eps must be a finite number, got inf"),
        (True, TypeError, "eps must be a number, not a bool"),
        ("1e-8", TypeError, "eps needs a real number, got str"),
    ],
)
def test_a_bad_adam_eps_is_refused_at_construction_and_when_set_later(eps, error, message):
    with pytest.raises(error, match=f"Adam: {message}"):
        Adam([one_parameter()], eps=eps)
    opt = Adam([one_parameter()])
    with pytest.raises(error, match=f"Adam: {message}"):
        opt.eps = eps
    assert opt.eps == 1e-8


def test_adam_eps_zero_is_refused_up_front_instead_of_a_bare_zero_division_at_a_zero_gradient():
    with pytest.raises(ValueError, match="Adam: eps must be > 0"):
        Adam([one_parameter(grad=0.0)], eps=0.0)  # the step would compute 0 / (sqrt(0) + 0)


@pytest.mark.parametrize(
    ("betas", "error", "message"),
    [
        ((NAN, 0.999), ValueError, r"betas\[0\] must be a finite number, got nan"),
        ((0.9, 1.0), ValueError, r"betas\[1\] must be in \[0, 1\), got 1.0"),
        ((-0.1, 0.999), ValueError, r"betas\[0\] must be in \[0, 1\), got -0.1"),
        ((0.9, INF), ValueError, r"betas\[1\] must be a finite number, got inf"),
        ((True, 0.999), TypeError, r"betas\[0\] must be a number, not a bool"),
        ((0.9, "0.999"), TypeError, r"betas\[1\] needs a real number, got str"),
        ((0.9,), ValueError, r"betas must be a pair of numbers in \[0, 1\), got 1 numbers"),
        ((0.9, 0.99, 0.9), ValueError, "betas must be a pair.*got 3 numbers"),
        ((), ValueError, "betas must be a pair.*got 0 numbers"),
        (0.9, TypeError, r"betas must be a pair of numbers in \[0, 1\) such as \(0.9, 0.999\), got float"),
        ("ab", TypeError, "betas must be a pair.*got str"),
        ({0.9, 0.999}, TypeError, "betas must be a pair.*got set"),  # a set has no first and second
        (None, TypeError, "betas must be a pair.*got NoneType"),
    ],
)
def test_bad_adam_betas_are_refused_at_construction_and_when_set_later(betas, error, message):
    with pytest.raises(error, match=f"Adam: {message}"):
        Adam([one_parameter()], betas=betas)
    opt = Adam([one_parameter()])
    with pytest.raises(error, match=f"Adam: {message}"):
        opt.betas = betas
    assert opt.betas == (0.9, 0.999)


def test_lr_zero_is_allowed_as_in_pytorch_so_a_warm_up_can_start_there():
    p = one_parameter()
    opt = SGD([p], lr=0.0)
    opt.step()
    assert p.data == 1.0
    opt.lr = 0.5  # the warm-up's next value
    opt.step()
    assert p.data == 0.75  # 1 - 0.5 * 0.5, exact in binary


def test_numpy_hyperparameters_are_stored_as_python_floats_so_parameters_stay_floats():
    p = one_parameter()
    opt = Adam([p], lr=np.float32(0.5), betas=np.array([0.5, 0.75]), eps=np.float64(1e-8))
    opt.step()
    assert type(opt.lr) is float and type(opt.eps) is float and all(type(b) is float for b in opt.betas)
    assert type(p.data) is float  # np.float32 arithmetic would have made it a float32


@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD([p], lr=0.1),
        lambda p: SGD([p], lr=0.1, momentum=0.9),
        lambda p: Adam([p], lr=0.1),
    ],
    ids=["sgd", "sgd_momentum", "adam"],
)
def test_a_nan_gradient_still_propagates_into_the_parameter(make):
    # The checks are on settings only: a nan gradient is a symptom the learner must see, not hide.
    p = one_parameter(grad=NAN)
    make(p).step()
    assert math.isnan(p.data)


# -- the parameter list itself -------------------------------------------------------------------------


def test_a_model_instead_of_its_parameters_is_refused_with_the_fix():
    model = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match=r"SGD needs a list of Values such as model.parameters\(\), got MLP"):
        SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"got method; call it: model.parameters\(\)"):
        SGD(model.parameters, lr=0.1)


@pytest.mark.parametrize(("params", "got"), [(Value(1.0), "Value"), ("ab", "str"), (None, "NoneType"), (3.0, "float")])
def test_something_other_than_a_list_of_values_is_refused_naming_its_type(params, got):
    with pytest.raises(TypeError, match=f"Adam needs a list of Values such as model.parameters\\(\\), got {got}"):
        Adam(params)


def test_adamw_without_weight_decay_is_adam_to_the_bit():
    # One update serves both: once two formulas, apart in the last bits in 14 of 200 runs.
    rng = random.Random(3)
    start = [rng.uniform(-2, 2) for _ in range(5)]
    a, b = [Value(x) for x in start], [Value(x) for x in start]
    adam, adamw = Adam(a, lr=0.05), AdamW(b, lr=0.05, weight_decay=0.0)
    for _ in range(200):
        for p, q in zip(a, b):
            p.grad = q.grad = rng.gauss(0.0, 1.0)
        adam.step()
        adamw.step()
    assert [p.data for p in a] == [q.data for q in b]
