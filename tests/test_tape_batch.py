"""The batch replay: one sample's graph run over the rows of a batch, against eager graphs and single runs."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tape, Value, sum_values
from autograd.functions import dot
from autograd.tape.lanes import LANES
from nn import MLP, cross_entropy
from tests.test_tape import EXPONENTS, GRID, MANY_INPUTS, ONE_INPUT, TWO_INPUTS, same

# The mean of a batch's gradients against an eager graph of the averaged losses: the same numbers
# added in another order (the eager pass adds sample after sample into each leaf, the batch adds
# LANES lanes, then the lanes), so they agree to rounding, about 1e-16 per addition of 32 samples.
RTOL_BATCH = 1e-12


def sample_loss():
    """One sample's loss: a small tanh MLP's cross-entropy, its 4 features and class as input leaves."""
    model = MLP(4, [5, 3], activation="tanh", seed=3)
    features, label = [Value(0.0, label=f"x{i}") for i in range(4)], Value(0.0, label="class")
    return model, features, label, cross_entropy(model(features), label)


def random_rows(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.hstack([rng.normal(size=(n, 4)), rng.integers(0, 3, size=(n, 1)).astype(float)])


def eager_mean_loss(model, rows):
    losses = [cross_entropy(model(row[:4].tolist()), int(row[4])) for row in rows]
    return sum_values(losses) / len(rows), losses


@pytest.mark.parametrize("n", [1, LANES - 1, LANES, LANES + 1, 2 * LANES, 2 * LANES + 1])  # around a group of lanes
def test_batch_gradient_matches_an_eager_graph_of_the_averaged_losses(n):
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    rows = random_rows(n, seed=n)
    outputs = tape.run_batch(rows)
    batch_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    mean, losses = eager_mean_loss(model, rows)
    mean.backward()
    expected = np.array([p.grad for p in model.parameters()])
    scale = np.abs(expected).max()
    assert np.abs(np.array(batch_grads) - expected).max() <= RTOL_BATCH * scale
    assert np.array_equal(outputs, [v.data for v in losses])  # each row's loss: the same ops, the same bits
    assert np.array_equal(tape.grad, batch_grads)


def test_a_fit_near_its_data_keeps_the_batch_gradient_within_the_promise():
    # loss = (tanh(w x + b) - y)**2 where the fit is within 1e-6 of every y: each residual is a
    # difference of two numbers equal to about 6 digits, so one unit in the last place of a tanh
    # moves it by about 1e-10 of itself. The batch keeps 1e-12 only because each lane's tanh is the
    # eager engine's, to the bit (a tanh a few ulp away, as a vectorized one would be, gave 2e-11 and 6e-11).
    def loss_of(params, x, y):
        residual = (params[0] * x + params[1]).tanh() - y
        return residual * residual

    rng = np.random.default_rng(0)
    for n in (LANES, 100):
        xs = rng.uniform(-1, 1, n)
        rows = np.stack([xs, np.tanh(0.8 * xs + 0.1) + rng.normal(size=n) * 1e-6], axis=1)
        params, x, y = [Value(0.8), Value(0.1)], Value(0.0), Value(0.0)
        tape = Tape(loss_of(params, x, y), wrt=params, inputs=[x, y])
        outputs = tape.run_batch(rows)
        batch_grad = np.array([p.grad for p in params])
        for p in params:
            p.grad = 0.0
        losses = [loss_of(params, Value(float(a)), Value(float(b))) for a, b in rows]
        (sum_values(losses) / n).backward()
        expected = np.array([p.grad for p in params])
        assert np.array_equal(outputs, [v.data for v in losses])  # each row's loss: the eager bits
        assert np.abs(batch_grad - expected).max() <= RTOL_BATCH * np.abs(expected).max()


def test_sum_reduction_is_the_mean_times_the_batch_size_and_grads_accumulate():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    rows = random_rows(16)
    tape.run_batch(rows, reduction="sum")
    summed = tape.grad
    tape.run_batch(rows)  # mean, added onto the sum already in .grad
    assert np.allclose(summed, 16 * tape.grad, rtol=RTOL_BATCH, atol=0)
    assert np.allclose([p.grad for p in model.parameters()], summed + tape.grad, rtol=RTOL_BATCH, atol=0)


def test_the_same_batch_twice_gives_the_same_bits_and_forward_batch_the_same_outputs():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    rows = random_rows(29)
    first = tape.run_batch(rows), tape.grad
    again = tape.run_batch(rows), tape.grad
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert np.array_equal(tape.forward_batch(rows), first[0])


def test_forward_batch_changes_no_gradient_and_no_value_of_the_graph():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    before = loss.data
    tape.forward_batch(random_rows(5))
    assert all(p.grad == 0.0 for p in model.parameters()) and loss.data == before
    assert [v.data for v in features] == [0.0] * 4


# -- the lanes against the one-sample passes, op by op -------------------------------------------------


def single_outcomes(build, arity, cases):
    """Per case: the tape's single run (output, gradient) or the error, at numbers fed as inputs."""
    leaves = [Value(0.5) for _ in range(arity)]
    tape = Tape(build(*leaves), wrt=leaves, inputs=leaves)
    results = []
    for numbers in cases:
        try:
            results.append((tape.run(inputs=numbers), tape.grad))
        except (ArithmeticError, ValueError) as error:
            results.append(type(error))
    return tape, results


def equal_floats(a, b):
    return a == b or (a != a and b != b)  # +0.0 and -0.0 equal: a batch adds the spare lanes' 0.0 too


def assert_batch_agrees_with_single_runs(build, arity, cases):
    tape, singles = single_outcomes(build, arity, cases)
    for numbers, single in zip(cases, singles):  # each row alone: the gradient of that row exactly
        if isinstance(single, type):
            with pytest.raises(single, match=r"row 0: "):
                tape.run_batch([numbers])
            continue
        outputs = tape.run_batch([numbers])
        assert same(outputs[0], single[0]), numbers
        assert all(map(equal_floats, tape.grad, single[1])), (numbers, tape.grad, single[1])
    good = [c for c, s in zip(cases, singles) if not isinstance(s, type)]
    if good:  # all of them at once: LANES at a time, each output the single run's
        outputs = tape.forward_batch(good)
        assert all(same(o, s[0]) for o, s in zip(outputs, [s for s in singles if not isinstance(s, type)]))
    bad = [i for i, s in enumerate(singles) if isinstance(s, type)]
    if bad:  # the first row the engine refuses is the one named
        with pytest.raises(singles[bad[0]], match=rf"row {bad[0]}: "):
            tape.run_batch(cases)


@pytest.mark.parametrize("name", ONE_INPUT)
def test_every_one_input_op_in_a_batch_matches_its_single_run(name):
    assert_batch_agrees_with_single_runs(ONE_INPUT[name], 1, [[x] for x in GRID])


@pytest.mark.parametrize("name", TWO_INPUTS)
def test_every_two_input_op_in_a_batch_matches_its_single_run(name):
    rng = random.Random(name)
    cases = [[rng.choice(GRID), rng.choice(GRID)] for _ in range(40)] + [[0.3, 0.7], [0.5, 0.25]]
    assert_batch_agrees_with_single_runs(TWO_INPUTS[name], 2, cases)


@pytest.mark.parametrize("name", MANY_INPUTS)
def test_every_many_input_op_in_a_batch_matches_its_single_run(name):
    arity, build = MANY_INPUTS[name]
    rng = random.Random(name)
    cases = [[rng.uniform(-3, 3) for _ in range(arity)] for _ in range(20)]
    cases += [[rng.choice(GRID) for _ in range(arity)] for _ in range(20)]
    assert_batch_agrees_with_single_runs(build, arity, cases)


@pytest.mark.parametrize("k", EXPONENTS)
def test_x_to_a_number_in_a_batch_matches_its_single_run(k):
    assert_batch_agrees_with_single_runs(lambda x: x**k, 1, [[x] for x in GRID])


def test_the_batch_tests_meet_every_op_code_of_the_compiled_loops():
    # The lanes repeat the one-sample loops op by op: each code must be among the ops compared above.
    from autograd.tape import kernels as k
    from autograd.tape.record import CODES

    builds = [(f, 1) for f in ONE_INPUT.values()] + [(f, 2) for f in TWO_INPUTS.values()]
    builds += [(f, n) for n, f in MANY_INPUTS.values()] + [(lambda x: x**2, 1)]
    met = set()
    for build, arity in builds:
        leaves = [Value(0.5) for _ in range(arity)]
        rec = Tape(build(*leaves), wrt=leaves, inputs=leaves).recording
        met |= set(rec.codes[rec.start :].tolist())
    assert met == {*CODES.values(), k.FUSED_DOT}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(-4, 4), min_size=4, max_size=4), min_size=1, max_size=20))
def test_a_batch_of_any_size_gives_each_rows_single_run_output(rows):
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    table = [[*row, float(i % 3)] for i, row in enumerate(rows)]
    outputs = tape.run_batch(table)
    assert [tape.forward(row) for row in table] == outputs.tolist()


# -- bad rows and failing rows ---------------------------------------------------------------------------


def trained_tape():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    for p in model.parameters():
        p.grad = 0.25  # something a failed batch must not change
    return model, tape


@pytest.mark.parametrize(
    ("rows", "error", "message"),
    [
        (np.zeros((3, 4)), ValueError, r"rows must have shape \(samples, 5\).*got an array of shape \(3, 4\)"),
        (np.zeros((0, 5)), ValueError, "the batch is empty"),
        ([[0.0] * 5, [0.0] * 4], ValueError, "row 1 has 4 numbers, but the tape has 5 input leaves"),
        ([[0.0] * 5, [0.0, "a", 0.0, 0.0, 0.0]], TypeError, r"row 1, column 1 \(for inputs\[1\] 'x1'\) is str 'a'"),
        ([[0.0] * 5, [0.0, 0.0, None, 0.0, 0.0]], TypeError, r"row 1, column 2 \(for inputs\[2\] 'x2'\)"),
        (np.array([[1j] * 5]), TypeError, "row 0, column 0"),
        ("rows", TypeError, "rows must be a 2-D array or a list of rows"),
        ([[0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0, 3.0]], ValueError,
         r"row 1: xent: the class must be a whole number in \[0, 3\).*got 3.0; the op reads column 4"),
        ([[0.0, 0.0, 0.0, 0.0, 1.5]], ValueError,
         r"row 0: xent: .* got 1.5; the op reads column 4 \(inputs\[4\] 'class'\)"),
        ([[0.0, 0.0, 0.0, 0.0, math.nan]], ValueError, r"row 0: xent: .* got nan"),
    ],
)
def test_a_bad_batch_raises_naming_the_row_and_changes_nothing(rows, error, message):
    model, tape = trained_tape()
    before = [(p.data, p.grad) for p in model.parameters()]
    grad_before = tape.grad
    with pytest.raises(error, match=message):
        tape.run_batch(rows)
    assert [(p.data, p.grad) for p in model.parameters()] == before
    assert np.array_equal(tape.grad, grad_before)


def test_a_row_whose_replay_fails_is_named_with_the_op_and_nothing_changes():
    w, x = Value(1.0, label="w"), Value(1.0, label="x")
    tape = Tape((w * x).exp(), wrt=[w], inputs=[x])
    w.grad = 0.5
    with pytest.raises(OverflowError, match=r"Tape.run_batch: row 2: exp: result overflows float64 for input 800.0"):
        tape.run_batch([[1.0], [2.0], [800.0], [-1e9]])
    assert w.grad == 0.5 and w.data == 1.0


def test_a_nan_already_in_a_row_flows_on_as_in_eager():
    w, x = Value(2.0), Value(0.0)
    tape = Tape(w * x, wrt=[w], inputs=[x])
    outputs = tape.run_batch([[1.0], [math.nan]])
    assert outputs[0] == 2.0 and math.isnan(outputs[1]) and math.isnan(w.grad)


def test_a_sum_of_finite_gradients_that_overflows_is_refused():
    w, x = Value(1.0, label="w"), Value(0.0)
    tape = Tape(w * x, wrt=[w], inputs=[x])
    message = r"adding up the samples' gradients of wrt\[0\] 'w' overflows float64 \(0\.0 \+ inf\)"
    with pytest.raises(OverflowError, match=message):
        tape.run_batch([[1.7e308], [1.7e308]], reduction="sum")
    assert w.grad == 0.0


def test_reduction_must_be_mean_or_sum():
    w, x = Value(1.0), Value(0.0)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'max'"):
        Tape(w * x, wrt=[w], inputs=[x]).run_batch([[1.0]], reduction="max")


def test_the_disk_cache_of_the_compiled_loops_is_dropped_when_any_of_their_sources_changes(tmp_path, monkeypatch):
    # Numba keys a cached function by its own file only; the batch loop has kernels.py's code built in.
    from autograd.tape import batch, compiled_cache, kernel_checks, kernels, lanes

    modules = [kernel_checks, kernels, lanes, batch]
    stamp = tmp_path / compiled_cache.STAMP
    flushed = []
    monkeypatch.setattr(type(kernels.forward._cache), "cache_path", property(lambda self: str(tmp_path)))
    monkeypatch.setattr(type(kernels.forward._cache), "flush", lambda self: flushed.append(self._name))
    stamp.write_text("the fingerprint of older sources")
    compiled_cache.drop_if_stale(modules)
    assert "forward" in " ".join(flushed) and "replay_lanes" in " ".join(flushed)
    assert stamp.read_text() == compiled_cache.fingerprint(modules)
    flushed.clear()
    compiled_cache.drop_if_stale(modules)  # sources unchanged: the cache stays
    assert flushed == []


def test_an_input_gradient_that_overflows_is_refused_though_run_batch_hands_back_only_wrt():
    # The lanes may leave out a dot's gradients of its fed inputs, where no one reads them, only
    # when they could not overflow: here they would (1e200 * 1e200), and the engine refuses that.
    w, x = [Value(1e200), Value(2.0)], [Value(1e-250), Value(1e-250)]
    with pytest.raises(OverflowError):
        (dot(w, x) * 1e200).backward()
    tape = Tape(dot(w, x) * 1e200, wrt=w, inputs=x)
    with pytest.raises(OverflowError, match=r"Tape.run_batch: row 0: backward through 'dot': the gradient overflows"):
        tape.run_batch([[1e-250, 1e-250], [0.0, 0.0]])
    assert [p.grad for p in w] == [0.0, 0.0]


def test_a_weight_also_read_outside_a_dot_is_current_in_every_lane_batch_after_batch():
    # The lanes fill a wrt leaf that is only ever a dot's weight in lane 0 alone (the dot reads it
    # there); w[0] (also in a product) and w[1] (a dot's second operand, read lane by lane) must be
    # current in every lane. The numbers change between batches, so a stale lane would show.
    # The forward pass takes four such weights' products at a time: five weights (four, then one),
    # and an input among the weights (one at a time), each lane still the eager engine's operations.

    def loss_of(w, x):
        five = dot([w[0], w[2], w[1], w[2], w[0]], [x[0], x[1], x[1], x[0], x[1]])
        mixed = dot([w[2], w[0], x[0], w[2], w[0]], [x[0], x[1], w[1], x[0], x[1]])
        return (0.1 * (dot([w[0], w[2]], x) + w[0] * x[0] + dot(x, [w[1], w[1]]) + five * mixed)).tanh()

    w, x = [Value(0.5), Value(-1.5), Value(2.0)], [Value(0.0), Value(0.0)]
    tape = Tape(loss_of(w, x), wrt=w, inputs=x)
    rows = [[r / 7 - 1, (r % 5) / 3] for r in range(LANES + 4)]  # two groups of lanes
    for step in range(3):
        for p in w:
            p.data += 0.25 * (step + 1)
            p.grad = 0.0
        outputs = tape.run_batch(rows)
        batch_grad = [p.grad for p in w]
        for p in w:
            p.grad = 0.0
        losses = [loss_of(w, row) for row in rows]
        (sum_values(losses) / len(rows)).backward()
        assert all(same(o, loss.data) for o, loss in zip(outputs, losses))  # each lane's forward: the eager bits
        scale = max(abs(p.grad) for p in w)
        assert all(math.isclose(b, p.grad, rel_tol=0.0, abs_tol=RTOL_BATCH * scale) for b, p in zip(batch_grad, w))


@pytest.mark.parametrize("build, refused_x", [
    (lambda w, x: (w * x).exp(), 1600.0),  # row LANES + 1's forward pass overflows, in the second group
    (lambda w, x: (w * x).sqrt(), 0.0),  # row LANES + 1's backward pass: the slope of sqrt at 0 is infinite
    # w only a dot's weight: its gradient is summed over the lanes into its sum as each group goes
    (lambda w, x: dot([w], [x]).exp(), 1600.0),
    (lambda w, x: dot([w], [x]).sqrt(), 0.0),
])
def test_a_batch_refused_in_its_second_group_leaves_no_gradient_behind_for_the_next(build, refused_x):
    # The lanes add the wrt leaves' gradients up in their slots across groups of LANES rows and clear
    # them as they sum them; a batch refused after its first group must clear them too, or the next
    # batch would start from its partial sums.
    w, x = Value(0.5, label="w"), Value(0.0, label="x")
    tape = Tape(build(w, x), wrt=[w], inputs=[x])
    bad = [[1.0 + r / 10] for r in range(LANES + 1)] + [[refused_x]]
    with pytest.raises(OverflowError, match=rf"row {LANES + 1}: "):
        tape.run_batch(bad)
    good = [[1.0 + r / 10] for r in range(2 * LANES + 8)]
    outputs = tape.run_batch(good)
    fresh_w, fresh_x = Value(0.5), Value(0.0)
    fresh = Tape(build(fresh_w, fresh_x), wrt=[fresh_w], inputs=[fresh_x])
    assert outputs.tolist() == fresh.run_batch(good).tolist() and w.grad == fresh_w.grad  # the same bits
