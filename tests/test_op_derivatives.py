"""Every built-in op: first and second derivatives against central differences and closed forms."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, dot, grad, gradcheck, gradcheck_second_order, ops, sum_values
from autograd.nodes import apply

EPS = 1e-6  # central-difference step: truncation ~ eps**2 * f''' / 6, rounding ~ 1e-16 * |f| / eps
# So a central difference is good to about 1e-8 relative for these smooth, bounded inputs;
# 1e-6 leaves a margin for the steeper corners (log near 0.05, exp near 5).
RTOL_FD = 1e-6
# Engine derivative vs a closed form evaluated in float64: only rounding separates them.
RTOL_EXACT = 1e-12


def close(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * (1.0 + abs(b))


def central_difference(f, x: float) -> float:
    return (f(x + EPS) - f(x - EPS)) / (2 * EPS)


def away_from_zero(lo: float, hi: float):
    """Reals in [lo, hi] with |x| > 1e-3: kinks (relu, abs at 0) stay out of the difference stencil."""
    return st.floats(lo, hi).filter(lambda x: abs(x) > 1e-3)


# name: (function on a Value, inputs that respect its domain, f', f'') with f' and f'' closed forms
UNARY = {
    "neg": (lambda x: -x, st.floats(-10, 10), lambda x: -1.0, lambda x: 0.0),
    "exp": (Value.exp, st.floats(-5, 5), math.exp, math.exp),
    "log": (Value.log, st.floats(0.05, 50), lambda x: 1 / x, lambda x: -1 / x**2),
    "tanh": (
        Value.tanh,
        st.floats(-4, 4),
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
    ),
    "sigmoid": (
        Value.sigmoid,
        st.floats(-8, 8),
        lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s),
        lambda x: (s := 1 / (1 + math.exp(-x))) * (1 - s) * (1 - 2 * s),
    ),
    "relu": (Value.relu, away_from_zero(-5, 5), lambda x: float(x > 0), lambda x: 0.0),
    "sqrt": (Value.sqrt, st.floats(0.05, 50), lambda x: 0.5 / math.sqrt(x), lambda x: -0.25 * x**-1.5),
    "sin": (Value.sin, st.floats(-6, 6), math.cos, lambda x: -math.sin(x)),
    "cos": (Value.cos, st.floats(-6, 6), lambda x: -math.sin(x), lambda x: -math.cos(x)),
    "abs": (abs, away_from_zero(-5, 5), lambda x: math.copysign(1.0, x), lambda x: 0.0),
    "square": (lambda x: x**2, st.floats(-10, 10), lambda x: 2 * x, lambda x: 2.0),
    "cube": (lambda x: x**3, st.floats(-4, 4), lambda x: 3 * x**2, lambda x: 6 * x),
    "pow -1.5": (lambda x: x**-1.5, st.floats(0.2, 10), lambda x: -1.5 * x**-2.5, lambda x: 3.75 * x**-3.5),
    "2 ** x": (
        lambda x: 2**x,
        st.floats(-5, 5),
        lambda x: 2**x * math.log(2),
        lambda x: 2**x * math.log(2) ** 2,
    ),
    "1 / x": (lambda x: 1 / x, st.floats(0.2, 10), lambda x: -1 / x**2, lambda x: 2 / x**3),
}


def first(f, x: float) -> float:
    v = Value(x)
    f(v).backward()
    return v.grad


def second(f, x: float) -> float:
    v = Value(x)
    (d,) = grad(f(v), [v], create_graph=True)
    (d2,) = grad(d, [v])
    return d2


@pytest.mark.parametrize("name", list(UNARY))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_unary_grad_matches_central_difference_and_closed_form(name, data):
    f, inputs, df, _ = UNARY[name]
    x = data.draw(inputs)
    engine = first(f, x)
    assert close(engine, central_difference(lambda t: f(Value(t)).data, x), RTOL_FD)
    assert close(engine, df(x), RTOL_EXACT)


@pytest.mark.parametrize("name", list(UNARY))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_unary_second_derivative_matches_central_difference_and_closed_form(name, data):
    f, inputs, _, d2f = UNARY[name]
    x = data.draw(inputs)
    engine = second(f, x)
    assert close(engine, central_difference(lambda t: first(f, t), x), RTOL_FD)
    # The closed forms are evaluated in another order than the engine's rules: allow a few ulps more.
    assert close(engine, d2f(x), 1e-10)


# Binary ops: (function, first-operand strategy, second-operand strategy)
BINARY = {
    "+": (lambda a, b: a + b, st.floats(-10, 10), st.floats(-10, 10)),
    "-": (lambda a, b: a - b, st.floats(-10, 10), st.floats(-10, 10)),
    "*": (lambda a, b: a * b, st.floats(-10, 10), st.floats(-10, 10)),
    "/": (lambda a, b: a / b, st.floats(-10, 10), st.floats(0.3, 10)),
    "**": (lambda a, b: a**b, st.floats(0.2, 5), st.floats(-2, 2)),
}


@pytest.mark.parametrize("name", list(BINARY))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_binary_grads_and_hessian_match_central_difference(name, data):
    f, sa, sb = BINARY[name]
    x = [data.draw(sa), data.draw(sb)]
    a, b = Value(x[0]), Value(x[1])
    da, db = grad(f(a, b), [a, b], create_graph=True)
    for i in range(2):

        def partial(t, i=i):
            args = list(x)
            args[i] = t
            return f(Value(args[0]), Value(args[1])).data

        assert close([da, db][i].data, central_difference(partial, x[i]), RTOL_FD)
        # Row i of the Hessian: d(d f / d x_i) / d x_j, against differences of the engine's gradient.
        for j in range(2):
            second_engine = grad([da, db][i], [a, b])[j]

            def gradient_i(t, i=i, j=j):
                args = list(x)
                args[j] = t
                va, vb = Value(args[0]), Value(args[1])
                return grad(f(va, vb), [va, vb])[i]

            assert close(second_engine, central_difference(gradient_i, x[j]), RTOL_FD)


def test_relu_slope_at_zero_is_zero_by_convention():
    assert first(Value.relu, 0.0) == 0.0
    assert first(abs, 0.0) == 0.0


FUSED = {
    # name: (function of Values, a point inside the domain)
    "sse": (lambda p1, p2, t1, t2: apply(ops.SSE, p1, p2, t1, t2), [0.3, -1.2, 0.5, 0.25]),
    "bce": (lambda p, t: apply(ops.BCE, p, t), [0.3, 0.8]),
    "dot": (lambda a, b, c, d: dot([a, b], [c, d]), [0.3, -1.2, 0.5, 2.0]),
    "sum": (lambda a, b, c: sum_values([a, b * b, c]), [0.3, -1.2, 0.5]),
}


@pytest.mark.parametrize("name", list(FUSED))
def test_fused_op_first_and_second_derivatives_match_central_differences(name):
    f, point = FUSED[name]
    report = gradcheck(f, point, atol=1e-8, rtol=1e-6)  # tighter than the defaults: smooth, O(1) inputs
    assert report, str(report)
    second = gradcheck_second_order(f, point, atol=1e-7, rtol=1e-5)  # differences of gradients: 10x looser
    assert second, str(second)


def test_fused_sum_and_dot_grads_match_closed_form_exactly():
    w = [Value(1.5), Value(-2.0), Value(0.25)]
    x = [Value(3.0), Value(4.0), Value(-8.0)]
    dot(w, x).backward()
    assert [v.grad for v in w] == [3.0, 4.0, -8.0]
    assert [v.grad for v in x] == [1.5, -2.0, 0.25]
    assert grad(sum_values([w[0], w[0], x[1]]), [w[0], x[1]]) == [2.0, 1.0]


# Closed-form Hessians [[d2/da2, d2/dadb], [d2/dbda, d2/db2]] of the two-input ops.
BINARY_HESSIANS = {
    "+": lambda a, b: [[0.0, 0.0], [0.0, 0.0]],
    "-": lambda a, b: [[0.0, 0.0], [0.0, 0.0]],
    "*": lambda a, b: [[0.0, 1.0], [1.0, 0.0]],
    "/": lambda a, b: [[0.0, -1 / b**2], [-1 / b**2, 2 * a / b**3]],
    "**": lambda a, b: [
        [b * (b - 1) * a ** (b - 2), a ** (b - 1) * (1 + b * math.log(a))],
        [a ** (b - 1) * (1 + b * math.log(a)), a**b * math.log(a) ** 2],
    ],
}


@pytest.mark.parametrize("name", list(BINARY_HESSIANS))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_binary_second_derivatives_match_closed_form(name, data):
    f, sa, sb = BINARY[name]
    x = [data.draw(sa), data.draw(sb)]
    a, b = Value(x[0]), Value(x[1])
    first = grad(f(a, b), [a, b], create_graph=True)
    hessian = [grad(d, [a, b]) for d in first]
    expected = BINARY_HESSIANS[name](*x)
    for i in range(2):
        for j in range(2):
            assert close(hessian[i][j], expected[i][j], 1e-10)  # a few roundings apart, as above
