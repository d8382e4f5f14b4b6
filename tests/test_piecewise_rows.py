"""The op table's piecewise rows (step, sign, max, log0, log_floor) and the rules that use them.

relu's, abs's, bce's and x ** y's slopes choose a branch by their input's number. On floats
(plain backward) they keep the branches they always had; on Values (create_graph=True) they
are nodes of these rows, so a differentiable backward graph takes the branch again wherever it
is computed (tests/test_tape_create_graph.py replays such graphs at other numbers).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, ops
from autograd.floats import BCE_EPS, BCE_FLOOR_AT, BCE_LOG_FLOOR, log0, log_floor, maximum, sign, step
from autograd.nodes import apply

EPS = 1e-6  # central-difference step: for these smooth pieces, about 1e-8 relative error
RTOL_FD = 1e-6  # central difference against the engine, away from the kinks (as in test_op_derivatives)
NAN = math.nan


def central_difference(f, x: float) -> float:
    return (f(x + EPS) - f(x - EPS)) / (2 * EPS)


def same(a: float, b: float) -> bool:
    """Equal to the last bit, nan equal to nan."""
    return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)


@pytest.mark.parametrize(
    ("helper", "cases"),
    [
        (step, [(2.0, 1.0), (0.0, 0.0), (-0.0, 0.0), (-1.0, 0.0), (5e-324, 1.0), (math.inf, 1.0), (NAN, NAN)]),
        (sign, [(2.0, 1.0), (0.0, 0.0), (-0.0, 0.0), (-1.0, -1.0), (-math.inf, -1.0), (NAN, NAN)]),
        (log0, [(1.0, 0.0), (math.e, 1.0), (0.0, 0.0), (NAN, NAN)]),
        (log_floor, [(1.0, 0.0), (BCE_FLOOR_AT, BCE_LOG_FLOOR), (0.0, BCE_LOG_FLOOR), (-1.0, BCE_LOG_FLOOR),
                     (NAN, NAN)]),
    ],
)
def test_piecewise_helpers_on_floats_and_their_rows_on_values_give_the_stated_numbers(helper, cases):
    # The stated numbers are the docstrings' conventions: step(0) = 0, sign(0) = 0, log0(0) = 0, the floor at -100.
    for x, expected in cases:
        assert same(helper(x), expected), (helper.__name__, x)
        node = helper(Value(x))
        assert node.op == helper.__name__ and same(node.data, expected)


def test_max_takes_the_larger_b_at_a_tie_and_nan_from_either_side():
    assert maximum(1.0, 2.0) == 2.0 and maximum(3.0, 2.0) == 3.0
    assert same(maximum(-0.0, 0.0), 0.0)  # a tie: b
    assert math.isnan(maximum(NAN, 1.0)) and math.isnan(maximum(1.0, NAN))
    a, b = Value(3.0), Value(2.0)
    m = maximum(a, b)
    m.backward()
    assert (m.op, m.data, a.grad, b.grad) == ("max", 3.0, 1.0, 0.0)


def test_log0_refuses_a_negative_number_as_x_to_the_y_refuses_its_slope_there():
    with pytest.raises(ValueError, match=r"log0: d/dy of x \*\* y, out \* log0\(x\), is undefined for x < 0"):
        log0(-1.0)
    x, y = Value(-2.0), Value(2.0)
    with pytest.raises(ValueError, match=r"d/dy of x \*\* y is undefined for x < 0"):
        grad(x**y, [y], create_graph=True)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 20))
def test_log0_and_log_floor_slopes_match_central_differences_above_their_kinks(x):
    for row in (ops.LOG0, ops.LOG_FLOOR):
        v = Value(x)
        apply(row, v).backward()
        numeric = central_difference(lambda t, row=row: row.forward(t), x)
        assert abs(v.grad - numeric) <= RTOL_FD * (1 + abs(numeric)), row.name


@pytest.mark.parametrize("x", [0.0, 1e-50, BCE_FLOOR_AT, -1.0])
def test_log_floor_slope_is_zero_at_and_below_the_floor(x):
    v = Value(x)
    apply(ops.LOG_FLOOR, v).backward()
    assert v.grad == 0.0


def test_step_and_sign_have_slope_zero_and_their_second_derivatives_are_zero():
    for row in (ops.STEP, ops.SIGN):
        x = Value(0.7)
        (g,) = grad(apply(row, x), [x], create_graph=True)
        assert g.data == 0.0


@pytest.mark.parametrize(
    ("build", "at"),
    [
        (lambda x: x.relu() * x, [-1.3, 0.0, 1.34, NAN]),
        (lambda x: abs(x) * x, [-2.0, -0.0, 3.0]),
        (lambda x: apply(ops.BCE, x, Value(0.3)), [0.0, 1e-50, 1e-13, 0.5, 1 - 1e-13, 1.0]),
        (lambda x: apply(ops.BCE, Value(0.5), x), [0.0, 0.5, 1.0]),
        (lambda y: Value(0.0) ** y + Value(2.0) ** y, [1.5, 2.0, 3.5]),  # d/dy at a base of 0 and of 2
        (lambda x: x ** Value(3.0), [0.0, 2.0]),
        (lambda x: apply(ops.MAX, x * x, Value(0.25)), [0.1, 0.5, -0.5]),
    ],
)
def test_create_graph_gradient_holds_the_float_gradient_to_the_bit(build, at):
    # One rule serves both passes: the Values a create_graph gradient holds are the floats plain backward gives.
    for number in at:
        x = Value(number)
        y = build(x)
        (g,) = grad(y, [x], create_graph=True)
        assert same(g.data, grad(y, [x])[0]), number


def test_bce_slopes_on_values_use_the_floors_as_nodes():
    p, t = Value(0.5), Value(0.0)
    loss = apply(ops.BCE, p, t)
    slopes = grad(loss, [p, t], create_graph=True)
    ops_inside = set()
    todo = list(slopes)
    while todo:
        v = todo.pop()
        ops_inside.add(v.op)
        todo.extend(v.parents)
    assert {"max", "log_floor"} <= ops_inside
    assert BCE_EPS == 1e-12 and BCE_LOG_FLOOR == -100.0  # PyTorch's floors
