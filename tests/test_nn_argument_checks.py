"""nn's argument checks around the model: losses, activation and loss lookup, check_model_gradients, ReferenceMLP."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Neuron, check_model_gradients, get_activation, get_loss, hinge, l2, mse
from nn.reference import ReferenceMLP, loss_and_grad

NAN = float("nan")

# -- losses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse([Value(1.0)], ["a"]), TypeError, "mse: targets\\[0\\] needs a real number, got str 'a'"),
        (lambda: mse([Value(1.0), None], [1, 2]), TypeError, "mse: predictions\\[1\\] needs a real number"),
        (lambda: mse(None, [1.0]), TypeError, "mse: predictions must be a list of numbers or Values, got NoneType"),
        (lambda: mse([Value(1.0)], "1"), TypeError, "mse: targets must be a list of numbers or Values, got str"),
        (lambda: mse([Value(1.0)], [10**400]), OverflowError, "mse: targets\\[0\\]: an int of 401 digits"),
        (lambda: hinge(["a"], [1]), TypeError, "hinge: scores\\[0\\] needs a real number, got str"),
        (lambda: hinge([Value(1.0)], [object()]), TypeError, "hinge: labels\\[0\\] needs a real number"),
        (lambda: hinge([Value(1.0)], [1, -1]), ValueError, "hinge: got 1 scores but 2 labels"),
        (lambda: l2(None), TypeError, "l2: params must be a list of numbers or Values, got NoneType"),
        (lambda: l2([Value(1.0), "w"]), TypeError, "l2: params\\[1\\] needs a real number, got str"),
        (lambda: l2([10**400]), OverflowError, "l2: params\\[0\\]: an int of 401 digits is too large for a float"),
        # A dict would give its keys, a set an order of its own: neither is a list in order.
        (lambda: mse({Value(1.0): 1.0}, [1.0]), TypeError, "mse: predictions must be a list or tuple .* got a dict"),
        (lambda: hinge([Value(1.0)], {1}), TypeError, "hinge: labels must be a list or tuple .* got a set"),
        (lambda: l2(frozenset([Value(1.0)])), TypeError, "l2: params must be a list or tuple .* got a frozenset"),
    ],
)
def test_a_loss_given_something_other_than_numbers_names_the_loss_and_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_hinge_takes_plain_numbers_as_scores():
    # Scores given as numbers used to reach `(1 - y * s).relu()` as floats: AttributeError.
    assert hinge([2.0, 0.5], [1, 1]).data == 0.25  # mean(relu(1 - 2), relu(1 - 0.5)), exact


def test_a_loss_takes_one_numpy_number_as_a_single_target():
    # np.int64 is not a Python int: it used to go to list() and fail with "not iterable".
    assert mse(Value(3.0), np.int64(1)).data == 4.0  # (3 - 1)**2, exact


@pytest.mark.parametrize(
    "make", [lambda: mse([Value(NAN)], [1.0]), lambda: mse([Value(1.0)], [NAN]), lambda: l2([NAN])]
)
def test_a_nan_in_a_loss_still_propagates(make):
    assert math.isnan(make().data)


@pytest.mark.parametrize(("lookup", "name"), [(get_activation, "activation"), (get_loss, "the loss must be named")])
@pytest.mark.parametrize("bad", [3, None, ["relu"]])
def test_looking_up_by_something_other_than_a_name_is_a_type_error(lookup, name, bad):
    with pytest.raises(TypeError, match=name):
        lookup(bad)


# -- check_model_gradients ---------------------------------------------------------------------------


def linear_neuron():
    return Neuron(1, activation="linear", bias=False, seed=0)


def squared_error(model):
    return mse([model([2.0])], [1.0], reduction="sum")


def true_gradient(model):
    return [2 * (2 * model.w[0].data - 1.0) * 2]  # d/dw (2w - 1)**2 = 2 (2w - 1) * 2


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"eps": 0.0}, ValueError, r"check_model_gradients: eps must be a finite number > 0 \(the finite-difference"),
        ({"eps": -1e-6}, ValueError, "check_model_gradients: eps must be a finite number > 0"),
        ({"eps": NAN}, ValueError, "check_model_gradients: eps must be a finite number > 0 .*, got nan"),
        ({"eps": "1e-6"}, TypeError, r"check_model_gradients\(eps=...\) needs a real number"),
        ({"atol": -1.0}, ValueError, "check_model_gradients: atol must be a finite number >= 0"),
        ({"rtol": float("inf")}, ValueError, "check_model_gradients: rtol must be a finite number >= 0"),
    ],
)
def test_check_model_gradients_refuses_a_bad_eps_or_tolerance(kwargs, error, message):
    # eps=0 used to end in a bare ZeroDivisionError
    model = linear_neuron()
    before = model.state_dict()
    with pytest.raises(error, match=message):
        check_model_gradients(model, squared_error, true_gradient, **kwargs)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("model", squared_error, true_gradient), TypeError, "model must be an nn Module"),
        (("MODEL", 3, true_gradient), TypeError, "loss_fn must be a function of the model, got int"),
        (("MODEL", squared_error, None), TypeError, "user_grads must be a function of the model, got NoneType"),
        (("MODEL", lambda m: 1.5, true_gradient), TypeError, "loss_fn must return a Value, got float"),
        (("MODEL", squared_error, lambda m: None), TypeError, "user_grads must return a list of gradients"),
        (("MODEL", squared_error, lambda m: ["x"]), TypeError, "the gradient user_grads gave for w.0 needs a real"),
        (
            ("MODEL", squared_error, lambda m: {"w.0": 1.0, "w.9": 0.0}),
            ValueError,
            r"user_grads must name every parameter and nothing else; missing \[\], unexpected \['w.9'\]",
        ),
        (("MODEL", squared_error, lambda m: [1.0, 2.0]), ValueError, "user_grads returned 2 gradients for 1"),
    ],
)
def test_check_model_gradients_names_a_bad_argument(args, error, message):
    model = linear_neuron()
    args = tuple(model if a == "MODEL" else a for a in args)
    with pytest.raises(error, match=f"check_model_gradients: {message}"):
        check_model_gradients(*args)


def test_check_model_gradients_shows_a_nan_gradient_as_a_failing_row_and_takes_values():
    model = linear_neuron()
    assert not check_model_gradients(model, squared_error, lambda m: [NAN])
    assert check_model_gradients(model, squared_error, lambda m: [Value(true_gradient(m)[0])])


# -- ReferenceMLP ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: ReferenceMLP([]), ValueError, "needs at least one weight array"),
        (lambda: ReferenceMLP([[[None]]]), TypeError, r"weights\[0\]\[0, 0\] needs a real number, got NoneType"),
        (lambda: ReferenceMLP([[["a"]]]), TypeError, r"weights\[0\]\[0, 0\] needs a real number, got str 'a'"),
        (lambda: ReferenceMLP([np.zeros(3)]), ValueError, r"weights\[0\] must be 2-D, got shape \(3,\)"),
        (lambda: ReferenceMLP([[[1.0], [2.0, 3.0]]]), ValueError, r"weights\[0\] is not a regular array"),
        (lambda: ReferenceMLP(np.zeros((1, 2, 2))), TypeError, "weights must be a list of arrays, one per layer"),
        (lambda: ReferenceMLP([np.zeros((2, 3)), np.zeros((4, 1))]), ValueError, r"weights\[1\] has shape \(4, 1\)"),
        (lambda: ReferenceMLP([np.zeros((2, 3))], [np.zeros(2)]), ValueError, r"biases have shapes \[\(2,\)\]"),
        (lambda: ReferenceMLP([np.zeros((2, 3))], [np.zeros(3)] * 2), ValueError, "biases have shapes"),
        (lambda: ReferenceMLP([np.zeros((2, 1))], activation=["relu"]), ValueError, r"unknown activation \['relu'\]"),
    ],
)
def test_reference_mlp_constructor_names_a_bad_argument(make, error, message):
    with pytest.raises(error, match=f"ReferenceMLP: {message}|ReferenceMLP {message}"):
        make()


def test_reference_mlp_forward_needs_inputs_of_the_first_layers_width():
    net = ReferenceMLP([np.ones((2, 1))])
    with pytest.raises(ValueError, match=r"ReferenceMLP: x must have shape \(batch, 2\), got \(1, 3\)"):
        net.forward(np.ones((1, 3)))


def test_reference_mlp_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match=r"ReferenceMLP\.backward needs a forward pass first"):
        ReferenceMLP([np.ones((2, 1))]).backward(np.ones((1, 1)))


@pytest.mark.parametrize(("name", "reduction"), [("mse", "max"), ("binary_cross_entropy", "sum"), ("hinge", "sum")])
def test_reference_loss_refuses_a_reduction_it_would_silently_ignore(name, reduction):
    # mse treated anything but "mean" as "sum"; bce and hinge ignored the argument.
    with pytest.raises(ValueError, match=f"{name}: reduction must be"):
        loss_and_grad(name, np.array([0.5]), np.array([1.0]), reduction)


def test_reference_and_engine_agree_after_the_new_checks():
    # The checks must not change a single number: the engine on the same arrays is the oracle.
    weights, biases = [np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.5], [-0.5]])], [np.zeros(2), np.ones(1)]
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    expected = [MLP.from_arrays(weights, biases, activation="tanh")(list(row)).data for row in x]
    got = ReferenceMLP(weights, biases, "tanh", "linear").forward(x).ravel().tolist()
    assert got == pytest.approx(expected, rel=1e-15)  # two-term sums: at most an ulp apart


def test_reference_relu_and_bce_keep_a_nan_as_nan():
    # relu and the floored log used to turn nan into 0 and -100: the oracle must not hide a nan either.
    net = ReferenceMLP([np.array([[1.0]])], activation="relu", output_activation="relu")
    assert np.isnan(net.forward(np.array([[NAN]]))).all()
    value, grad = loss_and_grad("binary_cross_entropy", np.array([NAN]), np.array([1.0]))
    assert np.isnan(value) and np.isnan(grad).all()


@pytest.mark.parametrize(
    "make", [lambda: Neuron(2, bias="no"), lambda: Layer(2, 2, bias=0), lambda: MLP(2, [1], bias=None)]
)
def test_bias_must_be_true_or_false(make):
    with pytest.raises(TypeError, match="bias must be True or False"):
        make()  # "no" is a true string: it used to give a bias
