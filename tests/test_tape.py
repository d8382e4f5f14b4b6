"""Tape: the compiled replay against the eager engine, op by op, on random graphs, and its contract."""

from __future__ import annotations

import itertools
import math
import random
import subprocess
import sys

import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Tape, Value, dot, grad, op, sum_values
from autograd.nodes import apply
from autograd.ops import (
    BCE,
    BUILTIN_NAMES,
    LABEL,
    LOG0,
    LOG_FLOOR,
    MAX,
    SIGN,
    SSE,
    STEP,
    XENT_OF_CLASS,
    softmax,
    xent,
)
from autograd.tape.record import CODES

INF, NAN = math.inf, math.nan
# Awkward numbers: both zeros, the smallest subnormal, tiny, ordinary, kinks, huge, past exp's range, inf, nan.
GRID = [-3.5, -1.0, -0.5, -0.0, 0.0, 5e-324, 1e-300, 0.3, 0.5, 1.0, 2.5, 1e200, 710.0, INF, -INF, NAN]
UPSTREAM = [0.7, -1e300, NAN]  # what flows into the op from above: ordinary, huge (overflows), nan

ONE_INPUT = {
    "neg": lambda x: -x, "exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
    "relu": Value.relu, "sqrt": Value.sqrt, "sin": Value.sin, "cos": Value.cos, "abs": abs,
    "step": lambda x: apply(STEP, x), "sign": lambda x: apply(SIGN, x), "log0": lambda x: apply(LOG0, x),
    "log_floor": lambda x: apply(LOG_FLOOR, x),
    # a hinge label: built at x = 0.5 as the label 1; at x = 0 it is -1, and every other x is refused
    "label±1": lambda x: apply(LABEL, (x - 0.5) * 4.0 + 1.0),
    # one leaf as both operands: its two gradient shares land in one slot, in order
    "x * x": lambda x: x * x, "x + x": lambda x: x + x,
}
TWO_INPUTS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "**": lambda a, b: a**b, "bce": lambda p, t: apply(BCE, p, t), "max": lambda a, b: apply(MAX, a, b),
}
MANY_INPUTS = {  # n-ary rows, and the add-and-product chain the tape fuses
    "sum": (3, lambda *xs: sum_values(xs)),
    "dot": (4, lambda *xs: dot(xs[:2], xs[2:])),
    "sse": (4, lambda *xs: apply(SSE, *xs)),
    "s = s + w * x": (5, lambda c, w1, x1, w2, x2: c + w1 * x1 + w2 * x2),
    # cross-entropy: the backward pass has a path for one, two and more parents; a logit used twice
    "xent[0] of 1 logit": (1, lambda z: apply(xent(0), z)),
    "xent[1] of 2 logits": (2, lambda a, b: apply(xent(1), a, b)),
    "xent[1] of 3 logits": (3, lambda a, b, c: apply(xent(1), a, b, c)),
    "xent[2] of 4 logits, the target's logit used twice": (3, lambda a, b, c: apply(xent(2), a, b, a, c)),
    # softmax, one node per output (each reading every logit)
    "softmax[0] of 1 logit": (1, lambda z: apply(softmax(0), z)),
    "softmax[1] of 2 logits": (2, lambda a, b: apply(softmax(1), a, b)),
    "softmax[2] of 4 logits, one used twice": (3, lambda a, b, c: apply(softmax(2), a, b, a, c)),
    # the class as an input: fed like any leaf, refused unless a whole number in range
    "xent of 3 logits and a fed class": (4, lambda a, b, c, k: apply(XENT_OF_CLASS, a, b, c, k * 4.0)),
}
EXPONENTS = [2, 3, -1, 0.5, 0, -2.5, 1, 1e-300, 400]


def same(a: float, b: float) -> bool:
    """Equal to the last bit (nan equals nan): the tape does the same float operations in the same order."""
    return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)


def eager_outcome(build, numbers, upstream):
    """What the eager engine gives: (output, gradients) or (exception type, message)."""
    leaves = [Value(x) for x in numbers]
    u = Value(upstream)
    try:
        y = build(*leaves) * u
        y.backward()
    except (ArithmeticError, ValueError) as error:
        return type(error), str(error)
    return y.data, [v.grad for v in [*leaves, u]]


def tape_for(build, arity):
    """One tape of build(...) * u, recorded at a point where every op is defined, all leaves fed."""
    leaves = [Value(0.5) for _ in range(arity)]
    u = Value(0.5)
    y = build(*leaves) * u
    return Tape(y, wrt=[*leaves, u], inputs=[*leaves, u])


def tape_outcome(tape, numbers, upstream):
    for v in tape.wrt:
        v.grad = 0.0
    try:
        out = tape.run(inputs=[*numbers, upstream])
    except (ArithmeticError, ValueError) as error:
        return type(error), str(error)
    assert [v.grad for v in tape.wrt] == list(tape.grad) or any(g != g for g in tape.grad)
    return out, list(tape.grad)


def assert_same_outcomes(build, arity, cases):
    tape = tape_for(build, arity)
    for numbers in cases:
        for upstream in UPSTREAM:
            expected = eager_outcome(build, numbers, upstream)
            got = tape_outcome(tape, numbers, upstream)
            where = f"inputs {numbers}, upstream {upstream}"
            if isinstance(expected[0], type):
                assert got == expected, where  # the same exception, with the same message
            else:
                assert not isinstance(got[0], type), f"{where}: tape raised {got}, eager gave {expected}"
                assert same(got[0], expected[0]), where
                assert all(map(same, got[1], expected[1])), f"{where}: {got[1]} vs {expected[1]}"


def test_every_row_of_the_op_table_has_an_op_code():
    # The tape compiles only what it was taught: a new row of the table without a code fails here.
    assert {name for name in BUILTIN_NAMES} == {entry.name for entry in CODES}
    assert all(OPS[name] in CODES for name in BUILTIN_NAMES)


@pytest.mark.parametrize("name", ONE_INPUT)
def test_one_input_op_matches_eager_on_awkward_numbers(name):
    assert_same_outcomes(ONE_INPUT[name], 1, [[x] for x in GRID])


@pytest.mark.parametrize("k", EXPONENTS)
def test_power_matches_eager_on_awkward_numbers(k):
    assert_same_outcomes(lambda x: x**k, 1, [[x] for x in GRID])


@pytest.mark.parametrize("name", TWO_INPUTS)
def test_two_input_op_matches_eager_on_awkward_numbers(name):
    assert_same_outcomes(TWO_INPUTS[name], 2, [list(pair) for pair in itertools.product(GRID, GRID)])


@pytest.mark.parametrize("name", MANY_INPUTS)
def test_many_input_op_matches_eager_on_awkward_numbers(name):
    arity, build = MANY_INPUTS[name]
    rng = random.Random(name)  # a fixed sample of the grid's combinations, the same every run
    cases = [[rng.choice(GRID) for _ in range(arity)] for _ in range(150)]
    cases += [[rng.uniform(-3, 3) for _ in range(arity)] for _ in range(50)]
    assert_same_outcomes(build, arity, cases)


# -- random graphs with shared nodes ------------------------------------------------------------

RANDOM_OPS = [(1, f) for f in ONE_INPUT.values()] + [(2, f) for f in TWO_INPUTS.values()]
RANDOM_OPS += [(1, lambda x: x**2), (1, lambda x: x**-1.5)]


@st.composite
def random_graphs(draw):
    """A recipe for a graph: leaf numbers, then ops on earlier nodes (so nodes are shared), some chains."""
    leaves = draw(st.lists(st.floats(-3, 3), min_size=2, max_size=5))
    steps = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["op", "op", "chain"]))
        size = len(leaves) + len(steps)
        if kind == "chain":  # s = s + w * x over earlier nodes: what the tape fuses
            picks = draw(st.lists(st.integers(0, size - 1), min_size=3, max_size=7))
            steps.append(("chain", picks))
        else:
            f = draw(st.integers(0, len(RANDOM_OPS) - 1))
            steps.append(("op", f, draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))))
    return leaves, steps


def build_graph(leaves, steps):
    nodes = list(leaves)
    for step in steps:
        if step[0] == "chain":
            s = nodes[step[1][0]]
            for w, x in zip(step[1][1::2], step[1][2::2]):
                s = s + nodes[w] * nodes[x]
            nodes.append(s)
        else:
            arity, f = RANDOM_OPS[step[1]]
            nodes.append(f(nodes[step[2]]) if arity == 1 else f(nodes[step[2]], nodes[step[3]]))
    return sum_values(nodes[len(leaves):]) if len(nodes) > len(leaves) + 1 else nodes[-1]


@settings(max_examples=300, deadline=None)
@given(random_graphs())
def test_random_graphs_with_shared_nodes_match_backward(recipe):
    numbers, steps = recipe
    leaves = [Value(x) for x in numbers]
    try:
        y = build_graph(leaves, steps)
        y.backward()
    except (ArithmeticError, ValueError):
        return  # a graph the eager engine refuses at these numbers: nothing to record
    expected = (y.data, [v.grad for v in leaves])
    for v in leaves:
        v.grad = 0.0
    tape = Tape(y, wrt=leaves)
    out = tape.run()
    assert same(out, expected[0])
    assert all(map(same, tape.grad, expected[1])), (list(tape.grad), expected[1])
    # and again at new numbers, fed through the tape, against a graph built anew there
    shifted = [x * 0.9 + 0.05 for x in numbers]
    fresh = [Value(x) for x in shifted]
    try:
        z = build_graph(fresh, steps)
        z.backward()
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            Tape(y, wrt=leaves, inputs=leaves).run(inputs=shifted)
        return
    again = Tape(y, wrt=leaves, inputs=leaves)
    assert same(again.run(inputs=shifted), z.data)
    assert all(map(same, again.grad, [v.grad for v in fresh]))


# -- the contract ------------------------------------------------------------------------------


def neuron():
    w, b, x = [Value(0.5), Value(-1.0)], Value(0.1), [Value(2.0), Value(3.0)]
    s = b
    for wi, xi in zip(w, x):
        s = s + wi * xi
    return s.tanh(), [*w, b], x


def test_run_accumulates_into_wrt_leaves_like_backward():
    y, params, _ = neuron()
    tape = Tape(y, wrt=params)
    tape.run()
    first = [p.grad for p in params]
    assert list(tape.grad) == first
    tape.run()
    assert [p.grad for p in params] == [2 * g for g in first]  # accumulated, like backward() twice
    assert list(tape.grad) == first  # the last run's gradients alone


@pytest.mark.parametrize("start", [0.1, -0.0, 1e-17, -3.7])
def test_gradients_add_into_a_nonzero_grad_path_by_path_as_backward_adds_them(start):
    # A leaf reached by three paths: backward() adds each path's share to .grad in turn, so
    # (start + c1) + c2 + c3, which is not start + (c1 + c2 + c3) in floats. Once 61 of 200 differed.
    for seed in range(40):
        rng = random.Random(seed)
        cs = [rng.uniform(-2, 2) for _ in range(3)]
        w = Value(rng.uniform(-2, 2))
        y = (w * cs[0]).tanh() + (w * cs[1]).tanh() + (w * cs[2]).sin()
        w.grad = start
        y.backward()
        expected = w.grad
        w.grad = start
        tape = Tape(y, wrt=[w])
        tape.run()
        assert same(w.grad, expected), seed
        assert same(tape.grad[0], expected - start) or start != 0.0  # alone: exactly when nothing was added to


def test_a_run_whose_own_gradient_overflows_raises_like_grad_and_changes_nothing():
    # Two paths send 1.5e308 each into w: d y / d w = 3e308 is past float range. grad() refuses it,
    # and so does the tape, which must hand it out as tape.grad, even where backward() gets through
    # because .grad already held -1.7e308 (-1.7e308 + 1.5e308 + 1.5e308 stays in range).
    w = Value(1e-300)
    y = w * 1.5e308 + w * 1.5e308
    with pytest.raises(OverflowError, match="adding up the paths"):
        grad(y, [w])
    w.grad = -1.7e308
    with pytest.raises(OverflowError, match="adding up the paths"):
        Tape(y, wrt=[w]).run()
    assert w.grad == -1.7e308


def test_a_chain_with_a_node_made_in_its_middle_gives_backwards_bits():
    # Fusing such a chain would move its products' gradients to where the chain ends: other bits.
    for seed in range(60):
        rng = random.Random(seed)
        x, c = Value(rng.uniform(-2, 2)), Value(rng.uniform(-2, 2))
        ws = [Value(rng.uniform(-2, 2)) for _ in range(4)]
        s, uses = Value(0.0), []
        for w in ws:
            s = s + w * x
            uses.append((x * c).tanh())  # made between the chain's nodes, reading x too
        y = s + sum_values(uses)
        y.backward()
        expected = [v.grad for v in [x, c, *ws]]
        for v in [x, c, *ws]:
            v.grad = 0.0
        tape = Tape(y, wrt=[x, c, *ws])
        tape.run()
        assert all(map(same, tape.grad, expected)), seed


def test_a_failed_forward_in_a_chain_raises_where_backward_would_first():
    w, x, z, c = Value(10.0), Value(1.0), Value(2.0), Value(0.5)
    p = w * x
    q = z.log()  # made inside what would otherwise be one chain
    y = (c + p) + q
    tape = Tape(y, wrt=[w], inputs=[x, z])
    with pytest.raises(OverflowError, match=r"\*"):  # w * x overflows first, as eagerly
        tape.run(inputs=[1.7e308, -1.0])  # 10 * 1.7e308 overflows; log(-1) is refused too, but later


def test_feeding_inputs_writes_them_into_the_input_leaves_and_sets_the_output():
    y, params, xs = neuron()
    tape = Tape(y, wrt=params, inputs=xs)
    out = tape.run(inputs=[1.0, -2.0])
    assert [x.data for x in xs] == [1.0, -2.0]
    assert y.data == out == math.tanh(0.1 + 0.5 * 1.0 + -1.0 * -2.0)


def test_forward_alone_leaves_gradients_untouched():
    y, params, xs = neuron()
    tape = Tape(y, wrt=params, inputs=xs)
    assert tape.forward([0.0, 0.0]) == math.tanh(0.1)
    assert all(p.grad == 0.0 for p in params) and list(tape.grad) == [0.0, 0.0, 0.0]


def test_a_wrt_leaf_the_output_does_not_use_gets_zero():
    y, params, _ = neuron()
    unused = Value(4.0)
    tape = Tape(y, wrt=[unused, *params])
    tape.run()
    assert tape.grad[0] == 0.0 and unused.grad == 0.0


def test_a_leaf_listed_twice_gets_its_gradient_added_once():
    x = Value(3.0)
    tape = Tape(x * x, wrt=[x, x])
    tape.run()
    assert list(tape.grad) == [6.0, 6.0] and x.grad == 6.0


@pytest.mark.parametrize("where", ["wrt", "inputs"])
def test_a_non_leaf_in_wrt_or_inputs_is_refused_naming_its_position(where):
    a = Value(1.0)
    inner = a * 2
    with pytest.raises(ValueError, match=rf"{where}\[1\] is not a leaf \(it was made by '\*'\)"):
        Tape(inner + 1, **{"wrt": [a], where: [a, inner]})


def test_not_a_value_is_refused():
    with pytest.raises(TypeError, match="Tape needs the Value"):
        Tape(3.0, wrt=[])
    with pytest.raises(TypeError, match=r"wrt\[0\] must be a Value, got float"):
        Tape(Value(1.0) * 2, wrt=[1.0])


def test_a_custom_op_is_refused_when_recording_naming_the_op():
    cube = op("cube_for_tape", lambda x: x**3, lambda x, out: 3 * x**2)
    x = Value(2.0)
    with pytest.raises(TypeError, match="'cube_for_tape' is a custom op"):
        Tape(cube(x) + 1, wrt=[x])


def test_inputs_of_the_wrong_count_or_type_are_refused_and_change_nothing():
    y, params, xs = neuron()
    tape = Tape(y, wrt=params, inputs=xs)
    with pytest.raises(ValueError, match=r"expected 2 input numbers .* got shape \(3,\)"):
        tape.run(inputs=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"Tape.run: inputs\[0\] needs a real number, got str 'a'"):
        tape.run(inputs=["a", "b"])
    with pytest.raises(TypeError, match=r"Tape.run: inputs\[1\] needs a real number, got NoneType"):
        tape.run(inputs=[1.0, None])  # NumPy alone would have made it a nan
    assert [x.data for x in xs] == [2.0, 3.0]


@pytest.mark.parametrize(
    ("build", "bad", "error", "message"),
    [
        (Value.log, -0.5, ValueError, "log: input must be > 0, got -0.5"),
        (Value.exp, 1000.0, OverflowError, "exp: result overflows float64 for input 1000.0"),
        (lambda x: 1 / x, 0.0, ZeroDivisionError, r"div: division by zero \(1.0 / 0.0\)"),
        (lambda x: x * 1e300, 1e10, OverflowError, r"\*: the result overflows float64"),
        (lambda x: apply(xent(1), x, -x), 1.7e308, OverflowError, r"xent\[1\]: the result overflows float64"),
    ],
)
def test_bad_numbers_at_replay_raise_what_eager_raises(build, bad, error, message):
    x = Value(2.0)
    tape = Tape(build(x), wrt=[x], inputs=[x])
    with pytest.raises(error, match=message):
        tape.run(inputs=[bad])
    assert x.grad == 0.0  # nothing added by a failed run


def test_a_failed_backward_keeps_the_last_good_gradients_and_leaves():
    x = Value(4.0)
    y = x.sqrt()
    tape = Tape(y, wrt=[x], inputs=[x])
    tape.run()
    good, out = list(tape.grad), y.data
    with pytest.raises(OverflowError, match="backward through 'sqrt'"):
        tape.run(inputs=[0.0])  # sqrt'(0) = 1 / (2 sqrt 0) is infinite
    assert x.grad == good[0] and list(tape.grad) == good and y.data == out  # nothing of the failed run


def test_a_failed_addition_into_grad_changes_neither_grad_nor_tape_grad():
    w = Value(0.5)
    y = w * 1e308
    tape = Tape(y, wrt=[w])
    tape.run()
    w.grad = 1e308  # a grad this large plus this run's 1e308 overflows
    with pytest.raises(OverflowError, match="adding up the paths"):
        tape.run()
    assert w.grad == 1e308 and list(tape.grad) == [1e308]


def test_listing_shows_the_program_forward_then_backward():
    a, b = Value(2.0), Value(3.0)
    text = str(Tape((a * b).tanh(), wrt=[a, b]))
    assert "  v2 = v0 * v1\n  v3 = tanh(v2)" in text
    assert "backward:\n  g3 = 1\n  g2 += g3 * (1 - v3**2)\n  g0 += g2 * v1\n  g1 += g2 * v0" in text


def test_listing_shows_cross_entropy_as_log_sum_exp_and_softmax_minus_one_hot():
    a, b = Value(2.0), Value(3.0)
    text = str(Tape(apply(xent(1), a, b), wrt=[a, b]))
    assert "  v3 = log(exp(v0) + exp(v1)) - v1" in text  # v2 holds the class, a constant
    assert "  g0 += g3 * softmax(v0, v1)[0]\n  g1 += g3 * (softmax(v0, v1)[1] - 1)" in text


@pytest.mark.parametrize(
    ("build", "error"),
    [(lambda w: w * (1 / Value(1e-200)), OverflowError), (lambda w: w + Value(0.0).sqrt(), OverflowError)],
)
def test_backward_through_a_subgraph_of_constants_raises_as_backward_does(build, error):
    # The tape computes every op node, constants' too: d/dc (1/c) at 1e-200 overflows there as in backward().
    w = Value(2.0)
    y = build(w)
    with pytest.raises(error) as eager:
        y.backward()
    w.grad = 0.0
    with pytest.raises(error) as taped:
        Tape(y, wrt=[w]).run()
    assert str(taped.value) == str(eager.value) and w.grad == 0.0


def test_product_chains_become_one_fused_slot_with_the_same_numbers():
    w = [Value(0.1 * i - 0.3) for i in range(7)]
    x = [Value(0.7 - 0.2 * i) for i in range(7)]
    s = 0
    for wi, xi in zip(w, x):
        s = s + wi * xi  # 7 products and 7 adds: 14 op nodes
    y = s.tanh()
    y.backward()
    expected = [v.grad for v in w + x]
    for v in w + x:
        v.grad = 0.0
    tape = Tape(y, wrt=w + x)
    assert len(tape) == 2  # the chain, then tanh
    assert tape.run() == y.data and list(tape.grad) == expected


def test_a_chain_of_a_million_nodes_records_and_replays():
    x0 = Value(1.0)
    x = x0
    for _ in range(500_000):
        x = x * 1.0000001 + 0.0000001  # two op nodes a step, fused into one slot
    tape = Tape(x, wrt=[x0])
    tape.run()
    x.backward()
    assert tape.grad[0] == x0.grad / 2  # run() added once, backward() once more: the same number
    assert tape.nbytes / 1_000_000 < 40  # bytes per eager node: no Python object per node


def test_the_tape_keeps_no_python_object_per_node():
    x0 = Value(1.0)
    x = x0
    for _ in range(100):
        x = (x * 0.5).tanh()
    inner = x.parents[0]
    before = sys.getrefcount(inner)
    tape = Tape(x, wrt=[x0])
    tape.run()
    assert sys.getrefcount(inner) == before


def test_without_numba_autograd_imports_and_tape_says_what_to_install():
    code = (
        "import sys; sys.modules['numba'] = None\n"  # makes `import numba` fail, as when it is missing
        "from autograd import Tape, Value\n"
        "x = Value(2.0); y = x * x; y.backward(); assert x.grad == 4.0\n"
        "try:\n    Tape(y, wrt=[x])\nexcept ImportError as e:\n    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'scalar-autograd[fast]'" in done.stdout


def test_docs_tape_md_shows_the_listing_the_tape_prints():
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "tape.md"
    block = page.read_text().split(">>> print(Tape((a * b).tanh(), wrt=[a, b]))\n", 1)[1].split("```", 1)[0]
    a, b = Value(2.0), Value(3.0)
    assert block.rstrip("\n") == str(Tape((a * b).tanh(), wrt=[a, b]))


def test_a_long_listing_says_where_each_part_is_cut():
    x = Value(0.5)
    y = x
    for _ in range(50):
        y = y.tanh()
    text = Tape(y, wrt=[x]).listing(max_lines=10)
    assert "  ... (50 ops in all)" in text and "  ... (and the rest, op by op)" in text
    assert text.count("\n  g") == 10  # the backward part: ten lines, then the mark
