"""The backward pass and grad(): graph shapes, accumulation, depth, no_grad, custom ops."""

from __future__ import annotations

import math
import sys
import threading

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, dot, grad, no_grad, op, sum_values, topological_order
from autograd import ops as op_table
from autograd.graph import newest_first

EPS = 1e-6  # central difference step
# Composite graphs of up to 10 ops on inputs in [-2, 2], values kept below 1e3: a central
# difference is good to ~1e-8 relative there, so 1e-6 is a safe bound that still catches any
# wrong rule (a wrong derivative is off by O(1)).
RTOL_FD = 1e-6

# Building blocks that stay inside every op's domain whatever their inputs.
STEPS = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (1 + b * b)),
    ("tanh", lambda a, b: a.tanh()),
    ("sigmoid", lambda a, b: (a * b).sigmoid()),
    ("exp", lambda a, b: (-(a * a)).exp()),
    ("log", lambda a, b: (1 + a * a).log()),
    ("sqrt", lambda a, b: (1 + b**2).sqrt()),
    ("sin", lambda a, b: a.sin() * b.cos()),
    ("pow", lambda a, b: (1 + a * a) ** b.tanh()),
    ("relu", lambda a, b: (a + 0.5).relu()),
    ("const", lambda a, b: 3 - 2 / (1 + a * a)),
]

programs = st.lists(
    st.tuples(st.integers(0, len(STEPS) - 1), st.integers(0, 100), st.integers(0, 100)),
    min_size=1,
    max_size=10,
)
inputs3 = st.lists(st.floats(-2, 2), min_size=3, max_size=3)


def run_program(program, xs):
    """Apply the steps; operands are picked among all earlier nodes, so nodes get reused."""
    nodes = list(xs)
    for step, i, j in program:
        nodes.append(STEPS[step][1](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return sum(nodes[3:], nodes[-1])  # every intermediate feeds the output: lots of fan-out


def central_differences(program, xs):
    out = []
    for k in range(len(xs)):
        hi, lo = list(xs), list(xs)
        hi[k] += EPS
        lo[k] -= EPS
        f_hi = run_program(program, [Value(v) for v in hi]).data
        f_lo = run_program(program, [Value(v) for v in lo]).data
        out.append((f_hi - f_lo) / (2 * EPS))
    return out


def no_kinks_near(program, xs):
    """relu's kink must stay outside the difference stencil."""
    nodes = [Value(v) for v in xs]
    y = run_program(program, nodes)
    return all(abs(n.parents[0].data) > 1e-4 for n in topological_order(y) if n.op == "relu")


@settings(max_examples=150, deadline=None)
@given(program=programs, xs=inputs3)
def test_random_graph_grads_match_central_difference(program, xs):
    leaves = [Value(v) for v in xs]
    y = run_program(program, leaves)
    assume(all(abs(n.data) < 1e3 for n in topological_order(y)))
    assume(no_kinks_near(program, xs))
    y.backward()
    for engine, numeric in zip([v.grad for v in leaves], central_differences(program, xs)):
        assert abs(engine - numeric) <= RTOL_FD * max(1.0, abs(numeric))


@settings(max_examples=150, deadline=None)
@given(program=programs, xs=inputs3, inner=st.integers(0, 100))
def test_backward_agrees_with_grad_on_every_node_even_after_an_earlier_pass(program, xs, inner):
    # backward() walks, orders and passes gradients on in one loop; grad() collects the graph,
    # sorts it and then passes gradients on. Both add each node's contributions newest
    # consumer first, so they must agree to the last bit, on leaves and interior nodes alike.
    leaves = [Value(v) for v in xs]
    y = run_program(program, leaves)
    interior = topological_order(y, leaves=False)
    interior[inner % len(interior)].backward()  # leaves stale gradients on part of the graph
    for leaf in leaves:
        leaf.grad = 0.0
    y.backward()
    expected = grad(y, leaves + interior)
    assert [v.grad for v in leaves + interior] == expected


@settings(max_examples=60, deadline=None)
@given(program=programs, xs=inputs3)
def test_random_graph_second_derivatives_match_central_difference_of_grad(program, xs):
    leaves = [Value(v) for v in xs]
    y = run_program(program, leaves)
    assume(all(abs(n.data) < 1e2 for n in topological_order(y)))
    assume(no_kinks_near(program, xs))
    first = grad(y, leaves, create_graph=True)
    for k in range(3):
        row = grad(first[k], leaves)  # d2y / dx_k dx_j for every j
        for j in range(3):
            hi, lo = list(xs), list(xs)
            hi[j] += EPS
            lo[j] -= EPS
            vh, vl = [Value(v) for v in hi], [Value(v) for v in lo]
            numeric = (grad(run_program(program, vh), vh)[k] - grad(run_program(program, vl), vl)[k]) / (2 * EPS)
            assert abs(row[j] - numeric) <= 1e-5 * max(1.0, abs(numeric))  # differences of a difference: 10x


def test_fan_out_sums_every_path():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)
    d = a * b + a.tanh() * b  # a feeds several ops: d = 2a**2 + 2a tanh(a)
    (g,) = grad(d, [a])
    t, th = a.data, math.tanh(a.data)
    assert g == pytest.approx(4 * t + 2 * th + 2 * t * (1 - th**2), rel=1e-14)  # a few roundings apart


def test_backward_twice_doubles_leaves_and_keeps_interior_right():
    x, w = Value(2.0), Value(-3.0)
    h = x * w
    y = h.tanh()
    y.backward()
    once = (x.grad, w.grad, h.grad)
    y.backward()
    assert (x.grad, w.grad) == (2 * once[0], 2 * once[1])
    assert h.grad == once[2]  # interior: recomputed, not accumulated
    x.grad = w.grad = 0.0
    y.backward()
    assert (x.grad, w.grad, h.grad) == once


def test_backward_with_a_seed_gradient_scales_everything():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0


def test_chain_of_a_million_nodes_backpropagates_under_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x0 = Value(1.0)
    x = x0
    for _ in range(500_000):  # two op nodes per step: 1,000,000 op nodes
        x = x * 1.0000001 + 0.0000001
    x.backward()
    expected = 1.0000001**500_000  # d x_n / d x_0 for this affine chain
    assert x0.grad == pytest.approx(expected, rel=1e-9)  # 1e6 roundings of ~1e-16 each


def test_grad_leaves_every_grad_untouched():
    a, b = Value(1.5), Value(-0.5)
    y = (a * b).exp() + a
    da, db = grad(y, [a, b])
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)
    y.backward()
    assert (a.grad, b.grad) == (da, db)


def test_grad_of_an_unreachable_input_is_zero_and_of_the_output_itself_one():
    a, b = Value(1.0), Value(2.0)
    y = a * 3
    assert grad(y, [b, y]) == [0.0, 1.0]
    db, dy = grad(y, [b, y], create_graph=True)
    assert isinstance(db, Value) and (db.data, dy.data) == (0.0, 1.0)


def test_third_derivative_of_sin_through_three_grad_calls():
    x = Value(0.7)
    (d1,) = grad(x.sin(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert d3 == pytest.approx(-Value(0.7).cos().data, rel=1e-15)  # the same cos, one sign flip: exact


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value, got float 2.0"):
        grad(Value(1.0), [Value(1.0), 2.0])


def test_no_grad_returns_parentless_constants_and_restores_on_exit():
    x = Value(2.0)
    with no_grad():
        y = x * x + 1
    assert (y.data, y.parents, y.op) == (5.0, (), "")
    assert (x * x).parents == (x, x)


def test_no_grad_in_one_thread_never_leaks_into_another():
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def holder():
        with no_grad():
            inside.set()
            done.wait(5)
            seen["holder"] = (Value(1.0) * 2).parents

    def other():
        inside.wait(5)
        seen["other"] = len((Value(1.0) * 2).parents)
        done.set()

    threads = [threading.Thread(target=holder), threading.Thread(target=other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"holder": (), "other": 2}


def test_custom_op_is_differentiated_twice_like_a_builtin():
    softplus = op("softplus", lambda x: math.log1p(math.exp(x)), lambda x, out: 1 - 1 / (1 + op_table.exp(x)))
    x = Value(0.3)
    y = softplus(x)
    assert y.op == "softplus" and y.parents == (x,)
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x])
    s = 1 / (1 + math.exp(-0.3))
    assert d1.data == pytest.approx(s, rel=1e-12)  # 1 - 1/(1+e^x) vs 1/(1+e^-x): cancellation, ~1e-16
    assert d2 == pytest.approx(s * (1 - s), rel=1e-12)  # same formulas as above, a few roundings


def test_custom_op_with_two_inputs_and_numbers():
    hypot = op("hypot", lambda a, b: (a * a + b * b) ** 0.5, lambda a, b, out: (a / out, b / out))
    a = Value(3.0)
    y = hypot(a, 4)
    y.backward()
    assert (y.data, a.grad) == (5.0, 0.6)


def test_custom_op_rejects_builtin_names_and_bad_rules():
    with pytest.raises(ValueError, match="'tanh' is a built-in op"):
        op("tanh", lambda x: x, lambda x, out: 1.0)
    with pytest.raises(TypeError, match="derivative must be callable"):
        op("mine", lambda x: x, 3)
    bad = op("bad_forward", lambda x: "oops", lambda x, out: 1.0)
    with pytest.raises(TypeError, match="op 'bad_forward' forward result needs a real number, got str"):
        bad(Value(1.0))


def test_pow_mixed_partial_at_zero_exponent_is_symmetric():
    # y = (1 + a**2) ** tanh(b) at a = 1, b = 0: d2y/da db = sech(b)**2 * 2a / (1 + a**2) = 1 both ways.
    a, b = Value(1.0), Value(0.0)
    dy_da, dy_db = grad((1 + a * a) ** b.tanh(), [a, b], create_graph=True)
    assert grad(dy_da, [b]) == [1.0]
    assert grad(dy_db, [a]) == [1.0]


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def evaluate(x):
        return x * x

    assert evaluate(Value(3.0)).parents == ()


def test_topological_order_puts_every_node_after_its_parents_in_a_wide_graph():
    xs = [Value(float(i)) for i in range(5)]
    y = sum_values([xs[0] * xs[1], xs[1].exp(), dot(xs[:2], xs[3:])]) + xs[4]
    order = topological_order(y)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is y and len(order) == len(set(order))
    assert all(position[p] < position[n] for n in order for p in n.parents)
    assert [n for n in topological_order(y, leaves=False) if not n.parents] == []


def test_a_node_reached_first_still_waits_for_every_node_that_uses_it():
    # From y, c is reached before a, but a uses c: c must wait until a has passed its gradient
    # on. backward() takes the newer a first; the walk behind topological_order notices that
    # it found the nodes out of order and sorts them.
    x = Value(0.5)
    c = x * 3.0
    a = c.tanh()
    y = c + a
    assert newest_first(y, leaves=False) == [y, a, c]
    assert topological_order(y) == list(reversed(newest_first(y)))
    y.backward()
    # dy/dx = 3 (1 + tanh'(c)), with tanh'(c) = 1 - tanh(c)**2; the same float operations.
    assert x.grad == (1.0 + (1.0 - a.data * a.data)) * 3.0
    assert c.grad == 1.0 + (1.0 - a.data * a.data)


def test_walks_after_earlier_walks_and_passes_find_the_same_nodes():
    # A walk keeps the nodes it found to itself, and backward() marks the nodes it reaches: nothing
    # left on a node by an earlier walk or pass, from this root or another over shared nodes, may hide it.
    x = Value(0.3)
    inner = (x * x).sin()
    outer = inner * inner + inner.exp()
    first = newest_first(outer)
    assert newest_first(inner) == [inner, inner.parents[0], x]
    assert newest_first(outer) == first and len(first) == len(set(first))
    outer.backward()
    assert newest_first(inner) == [inner, inner.parents[0], x]
    assert newest_first(outer) == first


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a, b: grad(a * b, {a, b}), "grad: inputs must be a list or tuple, got set"),
        (lambda a, b: sum_values({a, b}), "sum_values: terms must be a list or tuple, got set"),
        (lambda a, b: dot(frozenset([a]), [b]), "dot: weights must be a list or tuple, got frozenset"),
        (lambda a, b: grad(a * b, {a: 1, b: 2}.keys()), "grad: inputs must be a list or tuple, got dict_keys"),
    ],
    ids=["grad", "sum_values", "dot", "dict_keys"],
)
def test_a_set_where_a_list_is_needed_is_refused_as_its_order_changes_from_run_to_run(call, message):
    # grad(y, {a, b}) returned the gradients in the set's order, which the caller cannot know.
    with pytest.raises(TypeError, match=message):
        call(Value(1.0), Value(2.0))
