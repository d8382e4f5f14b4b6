"""MLP.to_torch / MLP.from_torch against PyTorch itself (float64): same outputs, same gradients, exact round trips.

The tests that need PyTorch take the `torch` fixture (tests/optional.py: skipped with the install hint
without it, failed where REQUIRE_TORCH is set); the ImportError path runs everywhere, with torch hidden.
"""

from __future__ import annotations

import itertools
import math
import random
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, op
from demos.two_moons import ALPHA, loss_and_accuracy, make_moons
from nn import MLP, SGD
from nn.pytorch import INSTALL_HINT
from tests.optional import import_torch

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
# Both sides compute the same float64 formulas, in another order: PyTorch's Linear sums its products
# in BLAS (with fused multiply-adds), and its tanh and sigmoid are other implementations (measured on
# 400,000 inputs: 18% and 23% differ, by at most 2 and 3 ulps). A float64 sum in another order moves
# by up to ~n * 1.1e-16 times the sum of the sizes of its terms, not of its result: where terms
# cancel, neither side has more digits than that. So each entry is compared relative to the size of
# its terms (term_sizes, below). Measured over 1,678 random models (up to 3 layers of 5, 4 rows):
# outputs within 8.2e-16, gradients within 6.2e-15 of that size. 1e-12 is the bar, ~160x above.
RTOL = 1e-12
# Where a tanh or sigmoid saturates, its slope 1 - y**2 or y * (1 - y) is computed from an output y
# within a hair of 1: an ulp of y, or of y*y, is a relative error of ~1e-16 / slope in the slope
# (test_a_saturated_tanh_slope_keeps_fewer_digits_than_min_slope_allows). At slopes >= 1e-2 that is
# <= ~1e-14, inside the 6.2e-15 measured above; at a slope of 4e-7 gradients measured 1.3e-10 apart.
MIN_SLOPE = 1e-2

SLOPE_FROM_OUTPUT = {
    "relu": lambda z, y: (z > 0).astype(float),
    "tanh": lambda z, y: 1 - y * y,
    "sigmoid": lambda z, y: y * (1 - y),
    "linear": lambda z, y: np.ones_like(z),
}
FORWARD = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
           "linear": lambda z: z}


@pytest.fixture(scope="module")
def torch():
    return import_torch()


def forward_with_slopes(model: MLP, x: np.ndarray) -> list[tuple]:
    """Per layer, in NumPy from the model's weights: (inputs h, sums z, their sizes sum |w h| + |b|, outputs)."""
    weights, biases = model.to_arrays()
    layers, h = [], x
    for i, w in enumerate(weights):
        bias = biases[i] if biases is not None else 0.0
        z = h @ w + bias
        y = FORWARD[model.layers[i].neurons[0].activation](z)
        layers.append((h, z, np.abs(h) @ np.abs(w) + np.abs(bias), y))
        h = y
    return layers


def slopes(model: MLP, layers: list[tuple]) -> list[np.ndarray]:
    return [SLOPE_FROM_OUTPUT[layer.neurons[0].activation](z, y) for layer, (_, z, _, y) in zip(model.layers, layers)]


def term_sizes(model: MLP, x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The size of what is summed into each output and each gradient of sum(c * model(x)), in PyTorch's layout.

    Backpropagation with every weight, input and coefficient taken by its absolute value (the
    slopes are >= 0 already): the same sums with nothing left to cancel.
    """
    layers = forward_with_slopes(model, x)
    slope = slopes(model, layers)
    _, _, z_size, y = layers[-1]
    outputs = np.abs(y) + slope[-1] * z_size
    weights, _ = model.to_arrays()
    delta, grads = np.abs(c) * slope[-1], []
    for i in reversed(range(len(weights))):
        grads = [(np.abs(layers[i][0]).T @ delta).T, *([delta.sum(axis=0)] if model.bias else []), *grads]
        if i:
            delta = (delta @ np.abs(weights[i]).T) * slope[i - 1]
    return outputs, grads


def assert_within_term_sizes(mine, theirs, sizes, what: str) -> None:
    """|mine - theirs| <= RTOL * the size of the terms summed into each entry."""
    mine, theirs = np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float)
    assert mine.shape == theirs.shape == sizes.shape, f"{what}: shapes {mine.shape}, {theirs.shape}, {sizes.shape}"
    apart = np.abs(mine - theirs)
    assert np.all(apart <= RTOL * sizes), f"{what}: {apart.max():.2e} apart, allowed {RTOL} x\n{sizes}"


def assert_close(mine, theirs, what: str) -> None:
    """Entry by entry within RTOL of the array's scale (its largest entry), for weights of similar sizes."""
    mine, theirs = np.asarray(mine, dtype=float), np.asarray(theirs, dtype=float)
    scale = float(np.max(np.abs(theirs), initial=0.0))
    np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def engine_grads(model: MLP) -> list[np.ndarray]:
    """Each layer's weight gradient in PyTorch's layout (n_out, n_in), then its bias gradient."""
    grads = []
    for layer in model.layers:
        grads.append(np.array([[w.grad for w in n.w] for n in layer.neurons]))
        if model.bias:
            grads.append(np.array([n.b.grad for n in layer.neurons]))
    return grads


def layout(model: MLP) -> tuple:
    """Sizes, each layer's activation and bias: what computes (a one-layer MLP's hidden activation is unused)."""
    return model.nin, model.nouts, [layer.neurons[0].activation for layer in model.layers], model.bias


# Inputs and output coefficients: 0, or sizes far from float64's subnormal range (below 2.2e-308),
# where a product loses its relative precision on both sides.
numbers = st.one_of(st.just(0.0), st.floats(-3, 3).filter(lambda v: abs(v) > 1e-100))
architectures = st.tuples(st.integers(1, 4), st.lists(st.integers(1, 5), min_size=1, max_size=3))


@pytest.mark.parametrize(("activation", "output_activation", "bias"),
                         list(itertools.product(ACTIVATIONS, ACTIVATIONS, [True, False])))
@settings(max_examples=8, deadline=None)
@given(shape=architectures, seed=st.integers(0, 2**32 - 1), data=st.data())
def test_outputs_and_every_gradient_match_torch(torch, activation, output_activation, bias, shape, seed, data):
    nin, nouts = shape
    rows = data.draw(st.integers(1, 4))
    x = np.array(data.draw(st.lists(st.lists(numbers, min_size=nin, max_size=nin),
                                    min_size=rows, max_size=rows)))
    coefficients = np.array(data.draw(st.lists(numbers, min_size=rows * nouts[-1],
                                                     max_size=rows * nouts[-1]))).reshape(rows, nouts[-1])
    model = MLP(nin, nouts, activation=activation, output_activation=output_activation, bias=bias, seed=seed)
    layers = forward_with_slopes(model, x)
    # A weighted sum that lands within rounding of relu's kink (0) may fall on either side of it in
    # another summation order, and take slope 1 on one side and 0 on the other: not a disagreement.
    assume(all(np.all(np.abs(z) > 1e-9) for layer, (_, z, _, _) in zip(model.layers, layers)
               if layer.neurons[0].activation == "relu"))
    assume(all(np.all(s >= MIN_SLOPE) for layer, s in zip(model.layers, slopes(model, layers))
               if layer.neurons[0].activation in ("tanh", "sigmoid")))
    net = model.to_torch()

    outputs = []
    for row in x:
        out = model(list(row))
        outputs.append([out] if isinstance(out, Value) else out)
    sum(c * o for c, o in zip(coefficients.ravel(), itertools.chain(*outputs))).backward()
    theirs = net(torch.tensor(x))
    (torch.tensor(coefficients) * theirs).sum().backward()

    output_sizes, grad_sizes = term_sizes(model, x, coefficients)
    assert_within_term_sizes([[o.data for o in row] for row in outputs], theirs.detach().numpy(), output_sizes,
                             "outputs")
    params = list(net.parameters())
    assert len(params) == len(engine_grads(model)) == len(grad_sizes)
    for k, (mine, p, sizes) in enumerate(zip(engine_grads(model), params, grad_sizes)):
        assert_within_term_sizes(mine, p.grad.numpy(), sizes, f"gradient of parameter {k} ({tuple(p.shape)})")


def test_a_saturated_tanh_slope_keeps_fewer_digits_than_min_slope_allows(torch):
    """Why MIN_SLOPE: near y = +-1 each side's slope is exact for its own formula and y, and no closer than that.

    The engine's rule is 1 - out**2 (autograd/ops.py), whose out*out rounds by up to 1.1e-16: a
    relative error of 1.1e-16 / slope. PyTorch computes (1 - y) * (1 + y), good to an ulp.
    """
    zs = np.linspace(8.0, 9.0, 101)  # tanh(z) within 2.3e-7 of 1: slopes between 6e-8 and 4.5e-7
    model = MLP.from_arrays([[[1.0]]], activation="linear", output_activation="tanh")
    y_here, slope_here = [], []
    for z in zs:
        x = Value(z)
        out = model([x])
        out.backward()
        y_here.append(out.data)
        slope_here.append(x.grad)
    y_here, slope_here = np.array(y_here), np.array(slope_here)
    x = torch.tensor(zs[:, None], requires_grad=True)
    out = model.to_torch()(x)
    out.sum().backward()
    y_torch, slope_torch = out.detach().numpy()[:, 0], x.grad.numpy()[:, 0]

    eps = np.finfo(float).eps
    assert np.all(slope_here == 1 - y_here * y_here)  # the engine's rule on its own y, bit for bit
    np.testing.assert_allclose(slope_torch, (1 - y_torch) * (1 + y_torch), rtol=eps)  # PyTorch's, to an ulp
    gap = np.abs(slope_here / slope_torch - 1)
    # What the two formulas allow: y**2 moves by 2 |y_here - y_torch|, y*y rounds by eps / 2, PyTorch by an ulp.
    assert np.all(gap <= (2 * np.abs(y_here - y_torch) + eps / 2) / slope_torch + eps)
    assert gap.max() > 1e3 * RTOL  # here the 1e-12 cannot hold: the other tests keep to slopes >= MIN_SLOPE


def torch_sequential(torch, nin, nouts, activation, output_activation, bias, seed):
    """A Sequential as a PyTorch user writes it, with PyTorch's own initialisation."""
    torch.manual_seed(seed)
    sizes = [nin, *nouts]
    modules = []
    for i in range(len(nouts)):
        modules.append(torch.nn.Linear(sizes[i], sizes[i + 1], bias=bias, dtype=torch.float64))
        act = activation if i < len(nouts) - 1 else output_activation
        if act != "linear" or i < len(nouts) - 1:
            modules.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
                            "linear": torch.nn.Identity}[act]())
    return torch.nn.Sequential(*modules)


@settings(max_examples=60, deadline=None)
@given(shape=architectures, activation=st.sampled_from(ACTIVATIONS), output_activation=st.sampled_from(ACTIVATIONS),
       bias=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_round_trips_give_back_exactly_the_same_numbers_and_modules(torch, shape, activation, output_activation,
                                                                     bias, seed):
    nin, nouts = shape
    model = MLP(nin, nouts, activation=activation, output_activation=output_activation, bias=bias, seed=seed)
    back = MLP.from_torch(model.to_torch())
    assert layout(back) == layout(model)
    assert back.state_dict() == model.state_dict()  # == on floats: bit for bit

    net = torch_sequential(torch, nin, nouts, activation, output_activation, bias, seed)
    again = MLP.from_torch(net).to_torch()
    assert str(again) == str(net)
    assert net.state_dict().keys() == again.state_dict().keys()
    for name, tensor in net.state_dict().items():
        assert torch.equal(again.state_dict()[name], tensor), name


def test_to_torch_lays_out_weights_as_pytorch_does(torch):
    model = MLP.from_arrays([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0], [8.0], [9.0]]],
                            [[0.1, 0.2, 0.3], [0.4]], activation="tanh")
    net = model.to_torch()
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear"]
    # Row j of Linear.weight is neuron j's weights: the transpose of to_arrays()'s (n_in, n_out).
    assert net[0].weight.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert net[0].bias.tolist() == [0.1, 0.2, 0.3]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in net.parameters())
    linear_hidden = MLP(2, [3, 1], activation="linear", output_activation="sigmoid", bias=False, seed=0).to_torch()
    assert [type(m).__name__ for m in linear_hidden] == ["Linear", "Identity", "Linear", "Sigmoid"]
    assert linear_hidden[0].bias is None


def test_to_torch_leaves_the_model_and_both_random_streams_untouched(torch):
    model = MLP(3, [4, 2], seed=5)
    before = model.state_dict()
    random.seed(7)
    torch.manual_seed(7)
    expected = random.random(), torch.rand(1).item()
    random.seed(7)
    torch.manual_seed(7)
    net = model.to_torch()
    MLP.from_torch(net)
    assert (random.random(), torch.rand(1).item()) == expected
    with torch.no_grad():
        net[0].weight.add_(1.0)  # a copy: training the module does not move the model
    assert model.state_dict() == before


def test_a_sequential_without_activation_between_linears_is_a_linear_hidden_layer(torch):
    net = torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.float64), torch.nn.Linear(3, 1, dtype=torch.float64),
                              torch.nn.Identity())
    model = MLP.from_torch(net)
    assert (model.activation, model.output_activation) == ("linear", "linear")
    x = [0.3, -1.2]
    assert model(x).data == pytest.approx(net(torch.tensor([x], dtype=torch.float64)).item(), rel=RTOL)


def fresh_sequential(torch, *middle):
    return torch.nn.Sequential(torch.nn.Linear(2, 4, dtype=torch.float64), *middle,
                               torch.nn.Linear(4, 1, dtype=torch.float64))


@pytest.mark.parametrize("make", [
    lambda t: t.nn.Dropout(0.5),
    lambda t: t.nn.BatchNorm1d(4, dtype=t.float64),
    lambda t: t.nn.Conv1d(4, 4, 1, dtype=t.float64),
    lambda t: t.nn.LeakyReLU(),
    lambda t: t.nn.Sequential(t.nn.ReLU()),
], ids=["Dropout", "BatchNorm1d", "Conv1d", "LeakyReLU", "nested Sequential"])
def test_from_torch_refuses_a_module_it_cannot_carry_naming_it_and_what_it_carries(torch, make):
    module = make(torch)
    with pytest.raises(TypeError, match=r"cannot carry module '1'") as refused:
        MLP.from_torch(fresh_sequential(torch, module))
    assert type(module).__name__ in str(refused.value)
    assert "Linear layers with ReLU, Tanh, Sigmoid or Identity between them" in str(refused.value)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_from_torch_refuses_weights_it_would_not_compute_alike(torch, dtype):
    net = fresh_sequential(torch, torch.nn.ReLU()).to(getattr(torch, dtype))
    with pytest.raises(TypeError, match=rf"module '0' .* has a torch.{dtype} weight; .*\.double\(\)"):
        MLP.from_torch(net)


def test_from_torch_refuses_what_is_not_a_plain_sequential(torch):
    class Doubled(torch.nn.Sequential):
        def forward(self, x):
            return 2 * super().forward(x)

    with pytest.raises(TypeError, match="got Linear"):
        MLP.from_torch(torch.nn.Linear(2, 1, dtype=torch.float64))
    with pytest.raises(TypeError, match="subclass of Sequential"):
        MLP.from_torch(Doubled(torch.nn.Linear(2, 1, dtype=torch.float64)))
    with pytest.raises(TypeError, match="got list"):
        MLP.from_torch([torch.nn.Linear(2, 1, dtype=torch.float64)])


@pytest.mark.parametrize(("build", "message"), [
    (lambda t, L: t.nn.Sequential(), "holds no Linear layer"),
    (lambda t, L: t.nn.Sequential(t.nn.Tanh(), L(2, 1)), r"module '0' Tanh\(\) comes first"),
    (lambda t, L: t.nn.Sequential(L(2, 3), t.nn.Tanh(), t.nn.Tanh(), L(3, 1)), "comes right after another activation"),
    (lambda t, L: t.nn.Sequential(L(2, 3), L(4, 1)), "module '1' .* reads 4 inputs but module '0' gives 3"),
    (lambda t, L: t.nn.Sequential(L(2, 3), t.nn.ReLU(), L(3, 3), t.nn.Tanh(), L(3, 1)),
     "one activation for all hidden layers, got relu after module '0', tanh after module '2'"),
    (lambda t, L: t.nn.Sequential(L(2, 3), t.nn.ReLU(), L(3, 1, bias=False)), "some Linear layers have a bias"),
])
def test_from_torch_says_why_a_sequential_is_not_one_mlp(torch, build, message):
    def linear(*args, **kwargs):
        return torch.nn.Linear(*args, **kwargs, dtype=torch.float64)

    with pytest.raises(ValueError, match=message):
        MLP.from_torch(build(torch, linear))


def test_from_torch_refuses_nan_and_inf_weights_by_position(torch):
    net = fresh_sequential(torch, torch.nn.ReLU())
    with torch.no_grad():
        net[2].bias[0] = float("inf")
    with pytest.raises(ValueError, match=r"module '2' .*: bias\[0\] is inf; weights must be finite"):
        MLP.from_torch(net)


def test_to_torch_refuses_a_custom_activation_it_has_no_module_for():
    softplus = op("softplus", lambda x: math.log1p(math.exp(x)), lambda x, out: 1 / (1 + math.exp(-x)))
    model = MLP(2, [3, 1], activation=softplus, seed=0)
    with pytest.raises(TypeError, match=r"hidden activation .* has no PyTorch module"):
        model.to_torch()


def test_without_pytorch_to_torch_and_from_torch_raise_import_error_naming_the_extra(monkeypatch):
    # None in sys.modules makes `import torch` raise ImportError, as on a machine without PyTorch.
    monkeypatch.setitem(sys.modules, "torch", None)
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ImportError, match=r"MLP.to_torch needs PyTorch, which is not installed: pip install "
                                          r"'scalar-autograd\[torch\]'"):
        model.to_torch()
    with pytest.raises(ImportError, match=r"MLP.from_torch needs PyTorch.*scalar-autograd\[torch\]"):
        MLP.from_torch(object())


def test_install_hint_names_the_version_the_extra_pins():
    tomllib = pytest.importorskip("tomllib", reason="tomllib comes with Python 3.11")
    from tests.notebook_outputs import ROOT

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["torch"] == ["torch==2.13.0"]
    assert "PyTorch 2.13.0" in INSTALL_HINT


# Each handover itself is exact (the round trips above). After it the two sides compute the same
# formulas in another order, so a step's loss differs in its last bits, and the next updates carry
# that on (lr up to 1.0). Measured, per step against the run that never switched: 0 to 4.1e-16
# relative over these 8 steps, the weights after them within 2.5e-16; over 100 steps in PyTorch
# alone the gap stays below 6.3e-15. 1e-12 leaves ~1000x for other BLAS builds, and is far below
# what a faulty handover gives (a transposed weight, a lost bias or a skipped step moves the loss
# by more than 1e-3).
HANDOVER_RTOL = 1e-12
STEPS = 8


def torch_hinge_loss(torch, net, x, y):
    """The two-moons loss of demos.two_moons, written in PyTorch: mean hinge plus ALPHA times the squares."""
    scores = net(x).squeeze(1)
    return torch.relu(1 - y * scores).mean() + ALPHA * sum((p * p).sum() for p in net.parameters())


def train_switching(torch, sides: list[str]) -> tuple[list[float], dict[str, float]]:
    """micrograd's two-moons run, step k taken "here" or in "torch" as sides[k] says: each step's loss, final weights.

    The model is handed over (to_torch, from_torch) where the side changes; each side trains with
    its own SGD at the demo's learning rate, 1.0 - 0.9 * k / 100.
    """
    x, y = make_moons()
    xt, yt = torch.tensor(x), torch.tensor(y)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=1337)
    net, opt, losses = None, None, []
    for k, side in enumerate(sides):
        if k == 0 or side != sides[k - 1]:  # hand the model over, to a new optimizer on that side
            if side == "torch":
                net = model.to_torch()
                opt = torch.optim.SGD(net.parameters(), lr=1.0)
            else:
                model, net = (model if net is None else MLP.from_torch(net)), None
                opt = SGD(model.parameters(), lr=1.0)
        lr = 1.0 - 0.9 * k / 100
        if side == "here":
            loss, _ = loss_and_accuracy(model, x, y)
            opt.zero_grad()
            loss.backward()
            opt.lr = lr
            opt.step()
            losses.append(loss.data)
        else:
            loss = torch_hinge_loss(torch, net, xt, yt)
            opt.zero_grad()
            loss.backward()
            opt.param_groups[0]["lr"] = lr
            opt.step()
            losses.append(loss.item())
    return losses, (model if net is None else MLP.from_torch(net)).state_dict()


@pytest.mark.parametrize("sides", [
    ["here"] * (STEPS // 2) + ["torch"] * (STEPS // 2),
    ["torch"] * (STEPS // 2) + ["here"] * (STEPS // 2),
    ["here", "torch"] * (STEPS // 2),
    ["torch"] * STEPS,
], ids=["here then torch", "torch then here", "alternating", "torch only"])
def test_training_continues_on_the_other_side_with_the_same_numbers_as_a_run_that_never_switched(torch, sides):
    never_switched, weights = train_switching(torch, ["here"] * STEPS)
    losses, final = train_switching(torch, sides)
    np.testing.assert_allclose(losses, never_switched, rtol=HANDOVER_RTOL, atol=0)
    assert_close(list(final.values()), list(weights.values()), "weights after the last step")
