"""The walkthrough's board (autograd/pages/board.py): names made from formulas, and slopes worked in the graph's names.

Two oracles. A value's name, when it is a formula, is Python: evaluated at the leaves' numbers it
gives the value's data. A slope's worked middle part ("1 - 0.7071**2") is the op table's own rule
at the numbers shown: evaluated, it equals the op table's derivative called with those (rounded)
numbers.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, topological_order
from autograd.draw import number_text
from autograd.explain import explain_backward
from autograd.pages import board
from autograd.pages.board import slope_texts, value_names
from nn import binary_cross_entropy

# Evaluating a formula twice (as the engine did, and from its text) may round differently in the last
# bits where Python's operator order differs from the engine's: a few units of float64 rounding.
FLOAT_ORDER = 1e-12
FUNCTIONS = {"tanh": math.tanh, "exp": math.exp, "log": math.log, "cos": math.cos, "sin": math.sin}


def leaves():
    return [Value(v, label=n) for v, n in ((0.75, "a"), (1.5, "b"), (-1.25, "c"))]


UNARY = {"neg": lambda x: -x, "square": lambda x: x**2, "cube": lambda x: x**3, "tanh": lambda x: x.tanh(),
         "exp": lambda x: (x * 0.1).exp()}
BINARY = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
          "/": lambda x, y: x / (y * y + 1.0)}  # a denominator that is never 0


@st.composite
def expressions(draw, depth: int = 4) -> Value:
    """A random expression over the leaves a, b, c with the ops above (each built anew, unlabelled)."""
    a, b, c = leaves()
    pool = [a, b, c]
    for _ in range(draw(st.integers(1, depth))):
        if draw(st.booleans()):
            pool.append(UNARY[draw(st.sampled_from(sorted(UNARY)))](draw(st.sampled_from(pool))))
        else:
            x, y = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
            pool.append(BINARY[draw(st.sampled_from(sorted(BINARY)))](x, y))
    return pool[-1]


@settings(max_examples=300, deadline=None)
@given(expressions())
def test_a_formula_name_evaluated_at_the_leaves_numbers_gives_the_values_data(root):
    old = board.MAX_NAME
    board.MAX_NAME = 10**6  # every value named by its formula, however long
    try:
        order = topological_order(root)
        names = value_names(order)
    finally:
        board.MAX_NAME = old
    # a, b, c, and the values named by position (v<k>: a constant, or a formula made twice or too long)
    scope = {**FUNCTIONS, **{name: node.data for node, name in names.items() if name.isidentifier()}}
    for node in order:
        name = names[node]
        if node.parents and not name.startswith("v"):
            assert eval(name, scope) == pytest.approx(node.data, rel=FLOAT_ORDER, abs=FLOAT_ORDER)


def test_names_wrap_what_binds_less_tightly_and_nothing_more():
    a, b, c = leaves()
    cases = [(a + b) * c, a - (b - c), (a - b) - c, -(a * b), (a * b) ** 2, a / (b * c), (a / b) / c, -a * b]
    names = [value_names(topological_order(v))[v] for v in cases]
    assert names == ["(a + b)*c", "a - (b - c)", "a - b - c", "-(a*b)", "(a*b)**2", "a/(b*c)", "a/b/c", "-a*b"]


def test_a_long_formula_and_a_formula_made_twice_are_named_by_position():
    a, b, _ = leaves()
    first, second = a * b, a * b  # two values made the same way: one name each
    long = (first + second) * (first - second)
    names = value_names(topological_order(long))
    assert names[first] == "a*b" and names[second].startswith("v")
    assert names[long].startswith("v")  # (a*b + v3)*(a*b - v3) is past MAX_NAME


def test_a_label_with_operators_is_wrapped_where_it_is_an_operand():
    s = Value(1.0, label="a + b")
    doubled = s * 2.0
    assert value_names(topological_order(doubled))[doubled] == "(a + b)*v1"


def points(op: str):
    """The inputs each op is tried at: inside its domain, away from kinks."""
    return st.floats(0.2, 3.0) if op in ("log", "sqrt", "**") else st.floats(-3.0, 3.0).filter(lambda x: abs(x) > 0.1)


ONE_INPUT = {"tanh": Value.tanh, "sigmoid": Value.sigmoid, "exp": Value.exp, "log": Value.log,
             "sqrt": lambda x: x.sqrt(), "sin": lambda x: x.sin(), "cos": lambda x: x.cos(),
             "**k": lambda x: x**3, "square": lambda x: x**2, "reciprocal": lambda x: x**-1}
TWO_INPUTS = {"/": lambda x, y: x / y, "**": lambda x, y: x**y, "*": lambda x, y: x * y}


def worked_part(text: str) -> str | None:
    """The rule at the numbers, in "do/dn = 1 - o**2 = 1 - 0.7071**2 = 0.5": the part before the result."""
    parts = text.split(" = ")
    return parts[-2] if len(parts) == 4 else None


def rounded(x: float) -> float:
    """A number as the board shows it (4 significant digits), read back."""
    return float(number_text(x))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(ONE_INPUT)), st.data())
def test_a_worked_slope_of_a_one_input_op_is_the_op_tables_rule_at_the_numbers_shown(name, data):
    x = Value(data.draw(points("log" if name in ("log", "sqrt") else name)), label="x")
    y = ONE_INPUT[name](x)
    y.label = "y"
    (step,) = explain_backward(y)
    (text,) = slope_texts(y, {x: "x", y: "y"}, step.local)
    assert text.startswith("dy/dx = ") and text.endswith(f" = {number_text(step.local[0])}")
    worked = worked_part(text)
    if worked is not None:
        expected = y._made_by.derivative(rounded(x.data), rounded(y.data))
        assert eval(worked, dict(FUNCTIONS)) == pytest.approx(float(expected), rel=FLOAT_ORDER)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(TWO_INPUTS)), st.floats(0.2, 3.0), st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 0.1))
def test_a_worked_slope_of_a_two_input_op_is_the_op_tables_rule_at_the_numbers_shown(name, u, v):
    x, z = Value(u, label="x"), Value(v, label="z")
    y = TWO_INPUTS[name](x, z)
    y.label = "y"
    (step,) = explain_backward(y)
    texts = slope_texts(y, {x: "x", z: "z", y: "y"}, step.local)
    expected = y._made_by.derivative(rounded(u), rounded(v), rounded(y.data))
    if name == "/":  # the op table writes d/dz as -y/z, the board as -x/z**2: the same at exact numbers
        expected = (1.0 / rounded(v), -rounded(u) / rounded(v) ** 2)
    for text, slope, want in zip(texts, step.local, expected):
        assert text.endswith(f" = {number_text(slope)}")
        worked = worked_part(text)
        if worked is not None:
            assert eval(worked, dict(FUNCTIONS)) == pytest.approx(float(want), rel=FLOAT_ORDER)


def test_bce_worked_slopes_are_the_op_tables_rule_at_the_numbers_shown():
    p, t = Value(0.3, label="p"), Value(1.0, label="t")
    loss = binary_cross_entropy([p], [t])
    bce = next(node for node in topological_order(loss) if node.op == "bce")
    names = value_names(topological_order(bce))
    local = explain_backward(bce)[0].local
    for text, want in zip(slope_texts(bce, names, local), bce._made_by.derivative(0.3, 1.0, bce.data)):
        assert eval(worked_part(text), dict(FUNCTIONS)) == pytest.approx(want, rel=FLOAT_ORDER)


def test_piecewise_slopes_say_which_piece_applies():
    for x, relu, sign in ((0.5, "1, since x = 0.5 > 0", "1, since x = 0.5 > 0"),
                          (-2.0, "0, since x = -2 < 0", "-1, since x = -2 < 0"),
                          (0.0, "0, since x = 0 (the slope at the kink is 0 by convention)",
                           "0, since x = 0 (the slope at the kink is 0 by convention)")):
        v = Value(x, label="x")
        for y, want in ((v.relu(), relu), (abs(v), sign)):
            (text,) = slope_texts(y, {v: "x", y: "y"}, explain_backward(y)[0].local)
            assert text == f"dy/dx = {want}"


def test_sums_products_and_the_lectures_neuron_read_as_on_the_board():
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    names = {a: "a", b: "b", d: "d", e: "e"}
    assert slope_texts(d, names, [3.0, -2.0]) == ["dd/da = b = 3", "dd/db = a = -2"]
    assert slope_texts(e, names, [1.0, 1.0]) == ["de/da = 1", "de/db = 1"]
    s = Value(1.0, label="x1*w1") + Value(2.0, label="x2*w2")
    names = value_names(topological_order(s))
    assert slope_texts(s, names, [1.0, 1.0])[0] == "d(x1*w1 + x2*w2)/d(x1*w1) = 1"


def test_a_custom_ops_slope_is_its_rules_number_and_says_whose_rule_it_is():
    from autograd import op

    cube = op("board_cube", lambda x: x**3, lambda x, out: 3 * x**2)
    x = Value(2.0, label="x")
    y = cube(x)
    (text,) = slope_texts(y, {x: "x", y: "y"}, explain_backward(y)[0].local)
    assert text == "dy/dx = 12, from the derivative rule of the op 'board_cube'"
