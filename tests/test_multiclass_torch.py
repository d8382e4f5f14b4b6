"""softmax, cross_entropy, AdamW and the reference's cross-entropy against PyTorch (float64), where installed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Value, grad
from nn import AdamW, cross_entropy, softmax
from nn.reference import softmax_cross_entropy
from tests.optional import import_torch

torch = import_torch()
F = torch.nn.functional

# Same float64 formulas on both sides (log-sum-exp with the max taken out; softmax minus one-hot),
# summed in different orders: they agree to a few ulps. 1e-12 relative leaves a margin of ~100x.
RTOL = 1e-12
ATOL = 1e-15  # slopes that are exactly 0 on one side and ~1e-17 on the other

logit = st.floats(-30, 30)
huge = st.sampled_from([1000.0, -1000.0, 500.0, -700.0, 0.0])


@st.composite
def batches(draw, elements=logit):
    classes = draw(st.integers(1, 5))
    size = draw(st.integers(1, 4))
    rows = [draw(st.lists(elements, min_size=classes, max_size=classes)) for _ in range(size)]
    targets = [draw(st.integers(0, classes - 1)) for _ in range(size)]
    return rows, targets


def torch_loss_and_grad(rows, targets, reduction):
    z = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    loss = F.cross_entropy(z, torch.tensor(targets), reduction=reduction)
    loss.backward()
    return loss.item(), z.grad.numpy()


def engine_loss_and_grad(rows, targets, reduction):
    leaves = [[Value(x) for x in row] for row in rows]
    loss = cross_entropy(leaves, targets, reduction=reduction)
    loss.backward()
    return loss.data, np.array([[v.grad for v in row] for row in leaves])


@settings(max_examples=150, deadline=None)
@given(batch=st.one_of(batches(), batches(huge)), reduction=st.sampled_from(["mean", "sum"]))
def test_cross_entropy_values_and_grads_match_torch(batch, reduction):
    rows, targets = batch
    expected_loss, expected_grad = torch_loss_and_grad(rows, targets, reduction)
    loss, grads = engine_loss_and_grad(rows, targets, reduction)
    assert np.isfinite(loss) and np.isfinite(grads).all()
    assert loss == pytest.approx(expected_loss, rel=RTOL, abs=ATOL)
    np.testing.assert_allclose(grads, expected_grad, rtol=RTOL, atol=ATOL)


@settings(max_examples=100, deadline=None)
@given(batch=st.one_of(batches(), batches(huge)), reduction=st.sampled_from(["mean", "sum"]))
def test_reference_cross_entropy_matches_torch(batch, reduction):
    rows, targets = batch
    expected_loss, expected_grad = torch_loss_and_grad(rows, targets, reduction)
    loss, grads = softmax_cross_entropy(np.array(rows), np.array(targets), reduction)
    assert loss == pytest.approx(expected_loss, rel=RTOL, abs=ATOL)
    np.testing.assert_allclose(grads, expected_grad, rtol=RTOL, atol=ATOL)


def test_cross_entropy_of_one_example_matches_torch_on_a_1d_input():
    zs, c = [0.3, -1.2, 2.5, 1000.0], 2
    z = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
    expected = F.cross_entropy(z, torch.tensor(c))  # PyTorch takes an unbatched (C,) input with a 0-d target
    expected.backward()
    leaves = [Value(x) for x in zs]
    loss = cross_entropy(leaves, c)
    loss.backward()
    assert loss.data == pytest.approx(expected.item(), rel=RTOL)
    np.testing.assert_allclose([v.grad for v in leaves], z.grad.numpy(), rtol=RTOL, atol=ATOL)


@settings(max_examples=30, deadline=None)
@given(batch=batches(st.floats(-5, 5)))
def test_cross_entropy_hessian_matches_torch(batch):
    rows, targets = batch
    flat = [x for row in rows for x in row]
    z = torch.tensor(flat, dtype=torch.float64, requires_grad=True)
    classes = len(rows[0])
    expected = torch.autograd.functional.hessian(
        lambda t: F.cross_entropy(t.reshape(-1, classes), torch.tensor(targets)), z).numpy()
    leaves = [Value(x) for x in flat]
    first = grad(cross_entropy([leaves[k:k + classes] for k in range(0, len(flat), classes)], targets), leaves,
                 create_graph=True)
    hessian = np.array([grad(g, leaves) for g in first])
    np.testing.assert_allclose(hessian, expected, rtol=1e-10, atol=1e-15)  # second order: a few more roundings


@settings(max_examples=80, deadline=None)
@given(zs=st.one_of(st.lists(logit, min_size=1, max_size=5), st.lists(huge, min_size=1, max_size=5)),
       data=st.data())
def test_softmax_values_and_jacobian_match_torch(zs, data):
    i = data.draw(st.integers(0, len(zs) - 1))
    z = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
    expected = F.softmax(z, dim=0)
    expected[i].backward()
    leaves = [Value(x) for x in zs]
    probs = softmax(leaves)
    probs[i].backward()
    np.testing.assert_allclose([p.data for p in probs], expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose([v.grad for v in leaves], z.grad.numpy(), rtol=RTOL, atol=ATOL)


INF, NAN = float("inf"), float("nan")
# Logits at the edges of float64: infinities, the largest floats, a logit past exp's range, nan.
EDGE_LOGITS = [
    [-INF, 0.0], [-INF, -INF, 0.0], [1e308, -1e308], [-1e308, 1e308], [1e308, 1e308], [0.0, 0.0, 1e308],
    [1000.0, -1000.0], [710.0, 0.0], [INF, 0.0], [NAN, 0.0], [-INF, -INF], [INF, INF], [-INF, INF],
]


def same_numbers(ours: list[float], theirs: list[float]) -> bool:
    """Equal entry by entry, nan where PyTorch has nan (the edges give exact 0, 1, -1, inf or nan)."""
    return len(ours) == len(theirs) and all(a == b or (a != a and b != b) for a, b in zip(ours, theirs))


@pytest.mark.parametrize("zs", EDGE_LOGITS, ids=str)
def test_softmax_at_the_edges_of_float64_matches_torch(zs):
    z = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
    expected = F.softmax(z, dim=0)
    for i in range(len(zs)):
        (row,) = torch.autograd.grad(expected[i], z, retain_graph=True)
        leaves = [Value(x) for x in zs]
        probs = softmax(leaves)
        probs[i].backward()
        assert same_numbers([p.data for p in probs], expected.tolist())
        assert same_numbers([v.grad for v in leaves], row.tolist()), f"row {i} of the Jacobian"


@pytest.mark.parametrize("zs", EDGE_LOGITS, ids=str)
def test_cross_entropy_at_the_edges_of_float64_matches_torch(zs):
    for c in range(len(zs)):
        z = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
        expected = F.cross_entropy(z, torch.tensor(c))
        expected.backward()
        leaves = [Value(x) for x in zs]
        if all(map(np.isfinite, zs)) and not np.isfinite(expected.item()):
            # The one difference, on purpose: finite logits whose loss is past float range (1e308 - -1e308)
            # raise, as every op of the engine does where finite inputs give inf (autograd/ops.py).
            with pytest.raises(OverflowError, match=r"xent\[\d\]: the result overflows float64"):
                cross_entropy(leaves, c)
            continue
        loss = cross_entropy(leaves, c)
        loss.backward()
        assert same_numbers([loss.data], [expected.item()]), f"class {c}"
        assert same_numbers([v.grad for v in leaves], z.grad.tolist()), f"class {c}"


@pytest.mark.parametrize("zs", EDGE_LOGITS, ids=str)
def test_reference_cross_entropy_at_the_edges_of_float64_matches_torch(zs):
    for c in range(len(zs)):  # NumPy, like PyTorch, gives inf where the engine refuses to overflow
        z = torch.tensor([zs], dtype=torch.float64, requires_grad=True)
        expected = F.cross_entropy(z, torch.tensor([c]))
        expected.backward()
        loss, grads = softmax_cross_entropy(np.array([zs]), np.array([c]))
        assert same_numbers([float(loss)], [expected.item()]), f"class {c}"
        assert same_numbers(grads[0].tolist(), z.grad[0].tolist()), f"class {c}"


@pytest.mark.parametrize(
    "settings_",
    [
        {},  # PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2
        {"lr": 0.1, "betas": (0.9, 0.95), "eps": 1e-8, "weight_decay": 1e-4},  # the yin-yang run's
        {"lr": 0.5, "betas": (0.5, 0.6), "eps": 1e-3, "weight_decay": 0.3},
    ],
)
@pytest.mark.parametrize("which", ["AdamW", "Adam"])
def test_adam_and_adamw_match_torch_step_for_step(settings_, which):
    rng = np.random.RandomState(5)
    start = rng.normal(size=6)
    values = [Value(x) for x in start]
    tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    if which == "Adam":  # Adam has no weight decay
        settings_ = {k: v for k, v in settings_.items() if k != "weight_decay"}
    ours, theirs = getattr(nn, which)(values, **settings_), getattr(torch.optim, which)([tensor], **settings_)
    for step in range(300):
        g = rng.normal(size=6) * (100.0 if step % 17 == 0 else 1.0)  # now and then a large gradient
        g[step % 6] = 0.0  # and a zero one
        for v, gi in zip(values, g):
            v.grad = float(gi)
        tensor.grad = torch.tensor(g, dtype=torch.float64)
        ours.step()
        theirs.step()
        # The same operations in the same order as PyTorch's single-tensor loop, except its lerp for
        # the first moment: at most an ulp or so per step.
        np.testing.assert_allclose([v.data for v in values], tensor.detach().numpy(), rtol=RTOL)


@pytest.mark.parametrize("settings_", [
    {"lr": 0.1}, {"lr": 0.05, "momentum": 0.9}, {"lr": 0.1, "weight_decay": 2e-4},
    {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.3},
])
def test_sgd_matches_torch_step_for_step(settings_):
    rng = np.random.RandomState(6)
    start = rng.normal(size=6)
    values = [Value(x) for x in start]
    tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    ours, theirs = nn.SGD(values, **settings_), torch.optim.SGD([tensor], **settings_)
    steps, largest = 200, float(np.abs(start).max())
    for _ in range(steps):
        g = rng.normal(size=6)
        for v, gi in zip(values, g):
            v.grad = float(gi)
        tensor.grad = torch.tensor(g, dtype=torch.float64)
        ours.step()
        theirs.step()
        largest = max(largest, float(tensor.detach().abs().max()))
    # g + weight_decay * p, then momentum * v + g, then p - lr * v: torch.optim.SGD's formulas in its
    # order, but its kernel may fuse p + (-lr) * v into one rounding where we round twice. So a step may
    # differ by an ulp of the largest |p|, carried on by the velocity (1 / (1 - momentum) of it at most):
    # the bound below. Measured: 1 to 2 ulps. A wrong formula (decay's sign, decay left out) is 1e-5 off.
    bound = steps * np.spacing(largest) / (1.0 - settings_.get("momentum", 0.0))
    np.testing.assert_allclose([v.data for v in values], tensor.detach().numpy(), rtol=0, atol=bound)


def test_adamw_follows_a_learning_rate_schedule_like_torch():
    values = [Value(1.0), Value(-0.5)]
    tensor = torch.tensor([1.0, -0.5], dtype=torch.float64, requires_grad=True)
    ours, theirs = AdamW(values, lr=0.1), torch.optim.AdamW([tensor], lr=0.1)
    for step in range(50):
        lr = 0.1 * (1 - step / 50)
        ours.lr = lr
        for group in theirs.param_groups:
            group["lr"] = lr
        for v, g in zip(values, [np.sin(step), np.cos(step)]):
            v.grad = float(g)
        tensor.grad = torch.tensor([np.sin(step), np.cos(step)], dtype=torch.float64)
        ours.step()
        theirs.step()
    np.testing.assert_allclose([v.data for v in values], tensor.detach().numpy(), rtol=RTOL)
