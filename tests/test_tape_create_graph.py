"""A tape over a create_graph=True gradient, replayed at other numbers, against eager built there.

Piecewise slopes (relu's, abs's, bce's floors, x ** y's slope in y at a base of 0) are nodes
of the op table's step, sign, max, log_floor and log0 rows, so the replay takes each branch
again at the new numbers instead of repeating the one taken when the graph was recorded.
"""

from __future__ import annotations

import math

import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tape, Value, grad
from autograd.nodes import apply
from autograd.ops import BCE, MAX

REFUSED = (ArithmeticError, ValueError)  # what the engine raises for numbers outside an op's domain


def same(a: float, b: float) -> bool:
    """Equal to the last bit (nan equals nan): the replay runs the ops eager builds, in the same order."""
    return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)


def slope_tape(build, recorded_at):
    """The tape of d build / d x (create_graph=True), recorded at `recorded_at`, x fed on each run."""
    xs = [Value(v) for v in recorded_at]
    slopes = grad(build(*xs), xs, create_graph=True)
    return [Tape(g, wrt=xs, inputs=xs) for g in slopes]


def eager_slopes(build, at):
    """d build / d x_i at `at`, and d/dx of each of those (the second derivatives, by backward()), built there."""
    xs = [Value(v) for v in at]
    slopes = grad(build(*xs), xs, create_graph=True)
    results = []
    for g in slopes:
        for x in xs:
            x.grad = 0.0
        try:
            g.backward()  # what a run adds into .grad: backward()'s sums, which start from .grad (0.0 + -0.0 is 0.0)
        except REFUSED as error:
            results.append(type(error))  # this slope's own backward pass is refused there
            continue
        results.append((g.data, [x.grad for x in xs]))
    return results


def test_relu_slope_recorded_at_a_negative_x_replays_at_a_positive_one():
    # The example: d/dx (relu(x) x) = 2x for x > 0. Recorded at -1.3 the slope was frozen at 0.
    (tape,) = slope_tape(lambda x: x.relu() * x, [-1.3])
    assert tape.run(inputs=[1.34]) == 2.68 == eager_slopes(lambda x: x.relu() * x, [1.34])[0][0]
    assert tape.grad[0] == 2.0  # the second derivative there


def test_abs_slope_recorded_at_minus_two_replays_at_three():
    (tape,) = slope_tape(lambda x: abs(x) * x, [-2.0])  # d/dx |x| x = 2|x|
    assert tape.run(inputs=[3.0]) == 6.0


@pytest.mark.parametrize("p", [0.0, 1e-50, 1e-13, 0.2, 1 - 1e-13, 1.0])
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_bce_slopes_recorded_at_one_half_replay_with_the_floors_where_eager_takes_them(p, t):
    build = lambda p, t: apply(BCE, p, t)  # noqa: E731
    tapes = slope_tape(build, [0.5, 0.5])
    expected = eager_slopes(build, [p, t])
    for tape, (slope, second) in zip(tapes, expected):
        assert same(tape.run(inputs=[p, t]), slope)
        assert all(map(same, tape.grad, second))


def test_x_to_the_y_slope_in_y_recorded_at_base_two_replays_at_base_zero_and_refuses_a_negative_base():
    build = lambda x, y: x**y  # noqa: E731
    _, dy = slope_tape(build, [2.0, 3.0])
    assert same(dy.run(inputs=[0.0, 3.0]), eager_slopes(build, [0.0, 3.0])[1][0])  # 0 by convention
    with pytest.raises(ValueError, match="undefined for x < 0"):
        eager_slopes(build, [-2.0, 3.0])
    with pytest.raises(ValueError, match="undefined for x < 0"):
        dy.run(inputs=[-2.0, 3.0])


# -- the property: record a create_graph gradient at one point, replay at others -------------------

# Ops whose slope chooses a branch by number (each kink reachable from the points drawn below), and
# smooth ones to mix them with.
UNARY = [Value.relu, abs, Value.tanh, lambda x: x * x, lambda x: apply(MAX, x, Value(0.25)), Value.sigmoid]
BINARY = [lambda a, b: a * b, lambda a, b: a + b, lambda a, b: a - b,
          lambda a, b: apply(BCE, a.sigmoid(), b.sigmoid()), lambda a, b: apply(MAX, a, b),
          lambda a, b: (a * a) ** b.sigmoid()]
POINTS = st.sampled_from([-2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 40.0, -40.0]) | st.floats(-3, 3)


@st.composite
def recipes(draw):
    """Ops on earlier nodes (so nodes are shared) over two leaves; a recording point and three replay points."""
    steps = [(draw(st.booleans()), draw(st.integers(0, 5)), draw(st.integers(0, 9)), draw(st.integers(0, 9)))
             for _ in range(draw(st.integers(1, 8)))]
    points = draw(st.lists(st.tuples(POINTS, POINTS), min_size=4, max_size=4))
    return steps, points


def build_from(steps):
    def build(a, b):
        nodes = [a, b]
        for binary, f, i, j in steps:
            x, y = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(BINARY[f](x, y) if binary else UNARY[f](x))
        return nodes[-1] + nodes[-2] if len(nodes) > 3 else nodes[-1]

    return build


def eager_or_refusal(build, at):
    """Each slope's (value, second derivatives) or its backward's error; None if eager cannot build the slopes."""
    try:
        return eager_slopes(build, list(at))
    except REFUSED:
        return None


def raises(tape, at) -> bool:
    try:
        tape.run(inputs=list(at))
    except REFUSED:
        return True
    return False


@settings(max_examples=250, deadline=None)
@given(recipes())
def test_a_create_graph_gradient_replayed_at_other_points_gives_eager_there(recipe):
    steps, points = recipe
    build = build_from(steps)
    recorded_at, *elsewhere = points
    try:
        tapes = slope_tape(build, list(recorded_at))
    except REFUSED:
        return  # the engine refuses the graph at the recording point: nothing to record
    for at in elsewhere:
        expected = eager_or_refusal(build, at)
        if expected is None:
            # grad() refuses a node of the slopes' graph there. Each tape holds only the nodes its own
            # slope needs (a slope that is a constant 0 needs none), but together they hold them all.
            assert any([raises(tape, at) for tape in tapes]), at
            continue
        for m, tape in enumerate(tapes):
            if isinstance(expected[m], type):  # this slope's own backward pass is refused there
                assert raises(tape, at), (at, m)
                continue
            slope, second = expected[m]
            assert same(tape.run(inputs=list(at)), slope), (at, m)
            assert all(map(same, tape.grad, second)), (at, m, list(tape.grad), second)
