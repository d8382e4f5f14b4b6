"""Multi-class: the xent op, softmax, cross_entropy, AdamW and the NumPy reference, without PyTorch.

The PyTorch oracle for the same functions is tests/test_multiclass_torch.py (skipped without torch).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, gradcheck_second_order, numerical_grad
from autograd.nodes import apply
from autograd.ops import softmax as softmax_op
from autograd.ops import xent
from nn import MLP, AdamW, cross_entropy, get_loss, softmax
from nn.reference import ReferenceAdamW, ReferenceMLP, loss_and_grad, softmax_cross_entropy
from tests.reference_grads import RTOL_GRAD, assert_grads_match

# Engine and reference compute the same float64 formulas, summed in other orders: a few ulps apart.
RTOL_EXACT = 1e-12  # engine against a closed form in float64: rounding only

logits_strategy = st.lists(st.floats(-6, 6), min_size=2, max_size=5)


def closed_form_loss(zs: list[float], c: int) -> float:
    """ln sum e**z - z_c by math.fsum over the shifted exps (a different summation from the engine's)."""
    top = max(zs)
    return math.log(math.fsum(math.exp(z - top) for z in zs)) + top - zs[c]


# -- the op ---------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(zs=logits_strategy, data=st.data())
def test_xent_matches_closed_form_and_its_slopes_are_softmax_minus_one_hot(zs, data):
    c = data.draw(st.integers(0, len(zs) - 1))
    leaves = [Value(z) for z in zs]
    loss = apply(xent(c), *leaves)
    loss.backward()
    assert loss.data == pytest.approx(closed_form_loss(zs, c), rel=RTOL_EXACT, abs=1e-15)
    top = max(zs)
    total = math.fsum(math.exp(z - top) for z in zs)
    expected = [math.exp(z - top) / total - (i == c) for i, z in enumerate(zs)]
    assert [v.grad for v in leaves] == pytest.approx(expected, rel=1e-9, abs=1e-15)


@settings(max_examples=50, deadline=None)
@given(zs=logits_strategy, data=st.data())
def test_xent_grad_matches_central_difference(zs, data):
    c = data.draw(st.integers(0, len(zs) - 1))
    assert gradcheck(lambda *vs: apply(xent(c), *vs), zs)


@settings(max_examples=25, deadline=None)
@given(zs=st.lists(st.floats(-3, 3), min_size=2, max_size=4), data=st.data())
def test_xent_second_derivatives_match_differences_of_the_gradient(zs, data):
    # The rule is written with exp() and the node's own output, so grad(create_graph=True) goes through it.
    c = data.draw(st.integers(0, len(zs) - 1))
    assert gradcheck_second_order(lambda *vs: apply(xent(c), *vs), zs)


def test_xent_hessian_is_diag_p_minus_p_p_transposed():
    zs, c = [0.3, -1.2, 2.5], 1
    leaves = [Value(z) for z in zs]
    first = grad(apply(xent(c), *leaves), leaves, create_graph=True)
    p = np.exp(np.array(zs) - max(zs))
    p /= p.sum()
    expected = np.diag(p) - np.outer(p, p)  # the Hessian of log-sum-exp, whatever the class
    hessian = np.array([grad(g, leaves) for g in first])
    np.testing.assert_allclose(hessian, expected, rtol=RTOL_EXACT, atol=1e-16)


@pytest.mark.parametrize(
    ("zs", "c", "loss", "slopes"),
    [
        ([1000.0, -1000.0], 0, 0.0, [0.0, 0.0]),
        ([1000.0, -1000.0], 1, 2000.0, [1.0, -1.0]),
        ([-1000.0, -1000.0, -1000.0], 2, math.log(3.0), [1 / 3, 1 / 3, 1 / 3 - 1]),
        ([1000.0, 1000.0], 0, math.log(2.0), [-0.5, 0.5]),
        ([710.0, 0.0], 1, 710.0, [1.0, -1.0]),  # e**710 alone overflows float64
    ],
)
def test_xent_is_finite_and_exact_for_huge_logits(zs, c, loss, slopes):
    leaves = [Value(z) for z in zs]
    y = apply(xent(c), *leaves)
    y.backward()
    assert y.data == pytest.approx(loss, rel=RTOL_EXACT)
    assert [v.grad for v in leaves] == pytest.approx(slopes, rel=RTOL_EXACT, abs=1e-300)


def test_xent_of_finite_logits_whose_loss_overflows_raises_naming_the_op():
    # The loss really is 3.4e308: past float range, so the non-finite policy of ops.py refuses it.
    with pytest.raises(OverflowError, match=r"xent\[1\]: the result overflows float64"):
        apply(xent(1), 1.7e308, -1.7e308)


def test_xent_with_a_nan_logit_gives_nan_as_pytorch_does():
    y = apply(xent(0), Value(math.nan), Value(1.0))
    y.backward()
    assert math.isnan(y.data) and math.isnan(y.parents[0].grad)


def test_the_class_is_part_of_the_op_not_a_parent():
    a, b = Value(1.0), Value(2.0)
    y = apply(xent(1), a, b)
    assert y.op == "xent[1]" and y.parents == (a, b)
    assert xent(1) is xent(1)  # one op object per class, shared by every node of that class


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: xent(True), TypeError, "xent: the class must be an int index, got bool True"),
        (lambda: xent(1.0), TypeError, "xent: the class must be an int index, got float 1.0"),
        (lambda: xent(-1), ValueError, "xent: the class must be >= 0, got -1"),
        (lambda: apply(xent(2), 1.0, 2.0), ValueError, r"xent: the class must be in \[0, 2\) for 2 logits, got 2"),
    ],
)
def test_a_bad_class_for_the_op_is_refused(make, error, message):
    xent(1)  # cached first: True must not find it (True == 1)
    with pytest.raises(error, match=message):
        make()


# -- softmax and cross_entropy ----------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(zs=logits_strategy)
def test_softmax_sums_to_one_and_its_jacobian_matches_central_differences(zs):
    probs = softmax([Value(z) for z in zs])
    assert math.fsum(p.data for p in probs) == pytest.approx(1.0, rel=1e-15 * len(zs))
    for i in range(len(zs)):
        assert gradcheck(lambda *vs, i=i: softmax(list(vs))[i], zs)


def test_softmax_of_huge_logits_neither_overflows_nor_gives_nan():
    leaves = [Value(1000.0), Value(-1000.0), Value(1000.0)]
    probs = softmax(leaves)
    assert [p.data for p in probs] == [0.5, 0.0, 0.5]
    probs[0].backward()
    assert [v.grad for v in leaves] == [0.25, 0.0, -0.25]  # p_0 (1 - p_0), -p_0 p_1, -p_0 p_2: exact


def test_softmax_of_logits_whose_difference_overflows_is_exactly_one_and_zero():
    # softmax([1e308, -1e308]) = [1, e**-2e308 / 1] = [1, 0]: representable, although 1e308 - -1e308 is not.
    # Its Jacobian p_i ([i = j] - p_j) is 1 (1 - 1), 1 (0 - 0), 0 (0 - 1) and 0 (1 - 0): every entry 0.
    leaves = [Value(1e308), Value(-1e308)]
    probs = softmax(leaves)
    assert [p.data for p in probs] == [1.0, 0.0]
    for p in probs:
        p.backward()
    assert [v.grad for v in leaves] == [0.0, 0.0]


def test_softmax_of_a_minus_infinite_logit_gives_it_probability_zero():
    leaves = [Value(-math.inf), Value(0.0)]
    probs = softmax(leaves)
    probs[1].backward()  # p_1 (1 - p_1) = 1 (1 - 1) and -p_1 p_0 = -(1 * 0): both 0
    assert [p.data for p in probs] == [0.0, 1.0] and [v.grad for v in leaves] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("c", "loss", "slopes"),
    [  # softmax([-inf, 0]) = [e**-inf, e**0] / (0 + 1) = [0, 1]; the slopes are that minus the one-hot of c
        (0, math.inf, [-1.0, 1.0]),  # -ln 0: the loss is inf, its slopes plain numbers (not inf - inf = nan)
        (1, 0.0, [0.0, 0.0]),
    ],
)
def test_cross_entropy_at_a_minus_infinite_logit_has_softmax_minus_one_hot_slopes(c, loss, slopes):
    leaves = [Value(-math.inf), Value(0.0)]
    y = cross_entropy(leaves, c)
    y.backward()
    assert y.data == loss and [v.grad for v in leaves] == slopes


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: softmax_op(True), TypeError, "softmax: the output must be an int index, got bool True"),
        (lambda: softmax_op(1.0), TypeError, "softmax: the output must be an int index, got float 1.0"),
        (lambda: softmax_op(-1), ValueError, "softmax: the output must be >= 0, got -1"),
        (lambda: apply(softmax_op(2), 1.0, 2.0), ValueError, r"softmax: the output must be in \[0, 2\) for 2 logits"),
    ],
)
def test_a_bad_output_index_for_the_softmax_op_is_refused(make, error, message):
    softmax_op(1)  # cached first: True must not find it (True == 1)
    with pytest.raises(error, match=message):
        make()


def test_softmax_second_derivatives_match_differences_of_the_gradient():
    assert gradcheck_second_order(lambda a, b, c: softmax([a, b, c])[1], [0.4, -0.7, 1.1])


def test_cross_entropy_of_one_example_is_the_xent_node_for_either_reduction():
    zs = [Value(2.0), Value(0.0), Value(-1.0)]
    for reduction in ("mean", "sum"):
        loss = cross_entropy(zs, 0, reduction=reduction)
        assert loss.op == "xent[0]" and loss.data == pytest.approx(closed_form_loss([2.0, 0.0, -1.0], 0), rel=1e-15)


def test_cross_entropy_of_a_batch_is_the_mean_or_sum_of_the_examples_losses():
    rows, targets = [[0.5, -1.0, 2.0], [3.0, 0.1, -0.2], [0.0, 0.0, 0.0]], [2, 0, 1]
    each = [closed_form_loss(r, c) for r, c in zip(rows, targets)]
    assert cross_entropy(rows, targets, reduction="sum").data == pytest.approx(sum(each), rel=RTOL_EXACT)
    assert cross_entropy(rows, targets).data == pytest.approx(sum(each) / 3, rel=RTOL_EXACT)
    assert cross_entropy(np.array(rows), np.array(targets)).data == pytest.approx(sum(each) / 3, rel=RTOL_EXACT)
    assert get_loss("cross_entropy") is cross_entropy


def test_cross_entropy_accepts_numpy_integer_targets():
    assert cross_entropy([Value(1.0), Value(2.0)], np.int64(1)).op == "xent[1]"


LOGITS = [Value(0.5), Value(-1.0), Value(2.0)]
BATCH = [[Value(0.5), Value(-1.0)], [Value(2.0), Value(0.0)]]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: cross_entropy(LOGITS, 3), ValueError, r"a target must be a class index in \[0, 3\) .* got 3"),
        (lambda: cross_entropy(LOGITS, -1), ValueError, r"in \[0, 3\) for 3 logits, got -1"),
        (lambda: cross_entropy(LOGITS, 1.0), TypeError, r"must be an int class index, got float 1.0 \(use int\(1.0\)"),
        (lambda: cross_entropy(LOGITS, True), TypeError, "True is a bool, not a class index"),
        (lambda: cross_entropy(LOGITS, "1"), TypeError, "must be an int class index, got str '1'"),
        (lambda: cross_entropy(LOGITS, None), TypeError, "must be an int class index, got NoneType"),
        (lambda: cross_entropy([], 0), ValueError, "logits is empty"),
        (lambda: cross_entropy(LOGITS, 0, reduction="none"), ValueError, "reduction must be 'mean' or 'sum', got"),
        (lambda: cross_entropy(Value(1.0), 0), TypeError, "logits must be a list of numbers or Values"),
        (lambda: cross_entropy([Value(1.0), "a"], 0), TypeError, r"logits\[1\] needs a real number"),
        (lambda: cross_entropy(BATCH, 0), TypeError, r"logits\[0\] is a list, not a number: for a batch .* targets"),
        (lambda: cross_entropy([], []), ValueError, "the batch is empty"),
        (lambda: cross_entropy(BATCH, [0]), ValueError, "got 2 examples of logits but 1 targets"),
        (lambda: cross_entropy(BATCH, [0, 1, 1]), ValueError, "got 2 examples of logits but 3 targets"),
        (lambda: cross_entropy([BATCH[0], [Value(1.0)]], [0, 0]), ValueError,
         r"every example needs the same number of logits .* logits\[0\] has 2 and logits\[1\] has 1"),
        (lambda: cross_entropy([BATCH[0], []], [0, 0]), ValueError, r"logits\[1\] is empty"),
        (lambda: cross_entropy(BATCH, [0, 2]), ValueError, r"targets\[1\]: a target must be a class index in \[0, 2\)"),
        (lambda: cross_entropy(BATCH, [0, 1.0]), TypeError, r"targets\[1\]: a target must be an int class index"),
        (lambda: cross_entropy(LOGITS, [1]), TypeError, r"one list of logits per example, but logits\[0\] is a Value"),
    ],
)
def test_bad_input_to_cross_entropy_says_what_is_wrong(make, error, message):
    with pytest.raises(error, match=message) as raised:
        make()
    assert str(raised.value).startswith("cross_entropy: ")


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: softmax([]), ValueError, "softmax: logits is empty"),
        (lambda: softmax(3.0), TypeError, "softmax: logits must be a list of numbers or Values"),
        (lambda: softmax([1.0, None]), TypeError, r"softmax: logits\[1\] needs a real number, got NoneType"),
        # softmax of a dict used to read its keys (here the classes' names, 0 and 1, as logits)
        (lambda: softmax({0: 2.0, 1: 1.0}), TypeError, "logits must be a list or tuple, in class order, got a dict"),
        (lambda: softmax({Value(1.0), Value(2.0)}), TypeError, "softmax: logits must be a list or tuple, .* got a set"),
    ],
)
def test_bad_input_to_softmax_says_what_is_wrong(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- AdamW -------------------------------------------------------------------------------------------------


def test_adamw_decays_weights_even_where_the_gradient_is_zero():
    p = Value(2.0)
    opt = AdamW([p], lr=0.1, weight_decay=0.5)
    opt.step()  # gradient 0: Adam's step is 0 / (0 + eps) = 0, only the decay acts
    assert p.data == 2.0 * (1 - 0.1 * 0.5)


def test_adamw_with_zero_weight_decay_is_adam():
    from nn import Adam

    ps, qs = [Value(1.0), Value(-2.0)], [Value(1.0), Value(-2.0)]
    adam, adamw = Adam(ps, lr=0.05), AdamW(qs, lr=0.05, weight_decay=0.0)
    for step in range(20):
        for p, q, g in zip(ps, qs, [math.sin(step), math.cos(step)]):
            p.grad = q.grad = g
        adam.step()
        adamw.step()
    # Adam divides by sqrt(v / c2), AdamW by sqrt(v) / sqrt(c2) as PyTorch does: a few ulps apart.
    assert [q.data for q in qs] == pytest.approx([p.data for p in ps], rel=1e-14)


@pytest.mark.parametrize(
    ("weight_decay", "error", "message"),
    [
        (-0.1, ValueError, "AdamW: weight_decay must be >= 0, got -0.1"),
        (math.nan, ValueError, "AdamW: weight_decay must be a finite number, got nan"),
        (True, TypeError, "AdamW: weight_decay must be a number, not a bool"),
        ("0.01", TypeError, "AdamW: weight_decay needs a real number, got str"),
    ],
)
def test_a_bad_weight_decay_is_refused_at_construction_and_when_set_later(weight_decay, error, message):
    with pytest.raises(error, match=message):
        AdamW([Value(1.0)], weight_decay=weight_decay)
    opt = AdamW([Value(1.0)])
    with pytest.raises(error, match=message):
        opt.weight_decay = weight_decay
    assert opt.weight_decay == 1e-2  # PyTorch's default, kept


# -- the NumPy reference -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("activation", "reduction", "bias"), [
    ("tanh", "mean", True), ("relu", "sum", True), ("sigmoid", "mean", False), ("linear", "sum", False)])
def test_multiclass_mlp_grads_match_numpy_reference(activation, reduction, bias):
    rng = np.random.RandomState(zlib.crc32(f"{activation}-{reduction}-{bias}".encode()))  # stable across runs
    shapes = [(2, 5), (5, 4)]
    weights = [rng.normal(size=s) for s in shapes]
    biases = [rng.normal(size=s[1]) for s in shapes] if bias else None
    x, y = rng.uniform(-2, 2, (7, 2)), rng.randint(0, 4, 7)
    model = MLP.from_arrays(weights, biases, activation=activation, output_activation="linear")
    loss = cross_entropy([model(list(row)) for row in x], y.tolist(), reduction=reduction)
    loss.backward()
    value, d_weights, d_biases = ReferenceMLP(weights, biases, activation, "linear").loss_and_grads(
        x, y, "cross_entropy", reduction)
    assert loss.data == pytest.approx(value, rel=RTOL_GRAD)
    assert_grads_match(model, d_weights, d_biases if bias else None)


def test_reference_cross_entropy_grad_matches_central_difference():
    rng = np.random.RandomState(3)
    z, c = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    _, analytic = softmax_cross_entropy(z, c)

    def loss(*vs: Value) -> Value:
        return Value(softmax_cross_entropy(np.array([v.data for v in vs]).reshape(4, 3), c)[0])

    numeric = numerical_grad(loss, list(z.ravel()))
    np.testing.assert_allclose(analytic.ravel(), numeric, rtol=1e-6, atol=1e-9)  # central difference, eps=1e-6


def test_reference_cross_entropy_is_stable_for_huge_logits_and_named_by_loss_and_grad():
    loss, d = loss_and_grad("cross_entropy", np.array([[1000.0, -1000.0], [-1000.0, -1000.0]]), np.array([1, 0]))
    assert loss == pytest.approx((2000.0 + math.log(2.0)) / 2, rel=RTOL_EXACT)
    np.testing.assert_allclose(d, [[0.5, -0.5], [-0.25, 0.25]], rtol=RTOL_EXACT)


@pytest.mark.parametrize(
    ("logits", "target", "error", "message"),
    [
        ([[0.5, 1.0]], [2], ValueError, r"targets must be class indices in \[0, 2\), got \[2\]"),
        ([[0.5, 1.0]], [-1], ValueError, r"in \[0, 2\), got \[-1\]"),
        ([[0.5, 1.0]], [1.0], TypeError, "targets must be int class indices, got dtype float64"),
        ([[0.5, 1.0]], [0, 1], ValueError, r"need targets shaped \(1,\), got \(2,\)"),
        (np.zeros((0, 2)), np.zeros(0, int), ValueError, "needs at least one example and one class"),
        ([0.5, 1.0], [1], ValueError, "must be 2-D"),
    ],
)
def test_reference_cross_entropy_refuses_bad_input(logits, target, error, message):
    with pytest.raises(error, match=f"cross_entropy: .*{message}"):
        softmax_cross_entropy(logits, target)


def test_reference_adamw_matches_nn_adamw_step_for_step():
    rng = np.random.RandomState(11)
    start = rng.normal(size=5)
    array, values = start.copy(), [Value(x) for x in start]
    ref = ReferenceAdamW([array], lr=0.1, betas=(0.9, 0.95), weight_decay=1e-2)
    opt = AdamW(values, lr=0.1, betas=(0.9, 0.95), weight_decay=1e-2)
    for _ in range(50):
        g = rng.normal(size=5)
        for v, gi in zip(values, g):
            v.grad = float(gi)
        opt.step()
        ref.step([g])
        # The same formula in another order of operations (NumPy's and PyTorch's): a few ulps per step.
        np.testing.assert_allclose([v.data for v in values], array, rtol=1e-12)
