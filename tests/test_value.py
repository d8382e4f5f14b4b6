"""Value: construction, operators, identity, bad input and numerics."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from autograd import Value, op


@pytest.mark.parametrize(
    "data",
    [
        3,
        2.5,
        True,
        np.float64(1.5),
        np.float32(0.5),
        np.int64(7),
        np.bool_(True),
        np.array(4.0),
        np.array([2.0]),
        Fraction(1, 4),
    ],
)
def test_value_accepts_real_numbers_and_stores_a_python_float(data):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(np.asarray(data).item()) if not isinstance(data, Fraction) else v.data == 0.25


@pytest.mark.parametrize(
    ("data", "type_name"),
    [
        ("abc", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0], "list"),
        (np.array([1.0, 2.0]), "ndarray"),
        (np.complex128(1), "complex128"),
    ],
)
def test_value_rejects_non_real_input_with_type_error_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=f"needs a real number, got {type_name}"):
        Value(data)


def test_value_of_a_value_says_to_use_the_value_itself():
    with pytest.raises(TypeError, match="use the Value itself"):
        Value(Value(1.0))


def test_attributes_of_leaf_and_node():
    a = Value(2.0, label="a")
    assert (a.data, a.grad, a.label, a.op, a.parents) == (2.0, 0.0, "a", "", ())
    c = a * 3
    assert c.op == "*" and c.parents[0] is a and c.parents[1].data == 3.0
    assert repr(c) == "Value(data=6.0, grad=0.0, op='*')"
    assert repr(a) == "Value(data=2.0, grad=0.0, label='a')"


def test_operators_accept_numbers_on_either_side_in_operand_order():
    a = Value(6.0)
    cases = {
        "a + 2": (a + 2, 8.0),
        "2 + a": (2 + a, 8.0),
        "a - 2": (a - 2, 4.0),
        "2 - a": (2 - a, -4.0),
        "a * 2": (a * 2, 12.0),
        "2 * a": (2 * a, 12.0),
        "a / 2": (a / 2, 3.0),
        "2 / a": (2 / a, 1 / 3),
        "a ** 2": (a**2, 36.0),
        "2 ** a": (2**a, 64.0),
        "a ** a": (a**a, 6.0**6),
        "-a": (-a, -6.0),
        "abs(-a)": (abs(-a), 6.0),
    }
    for text, (value, expected) in cases.items():
        assert value.data == pytest.approx(expected, rel=1e-15), text  # one float operation each: an ulp
    assert (2 - a).parents[1] is a  # the number is wrapped as the first operand
    assert (a**2).op == "**2" and len((a**2).parents) == 1


def test_a_times_a_keeps_both_parents_and_doubles_the_gradient():
    a = Value(3.0)
    b = a * a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 6.0


def test_equality_and_hash_are_identity_and_build_no_nodes():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert isinstance(a == b, bool)
    assert len({a, b, a}) == 2
    assert {a: "x"}[a] == "x"


def test_sigmoid_and_tanh_never_overflow():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    x = Value(-1000.0)
    x.sigmoid().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(-0.5).log(), r"log: input must be > 0, got -0.5"),
        (lambda: Value(0.0).log(), r"log: input must be > 0, got 0.0"),
        (lambda: Value(-2.0) ** 0.5, r"pow: a negative base needs an integer exponent, not 0.5, got -2.0"),
        (lambda: Value(-2.0) ** Value(0.5), r"pow: a negative base needs an integer exponent"),
        (lambda: Value(0.0) ** -1, r"pow: zero cannot be raised to a negative power \(-1.0\), got 0.0"),
        (lambda: Value(-1.0).sqrt(), r"sqrt: input must be >= 0, got -1.0"),
    ],
)
def test_out_of_domain_input_raises_value_error_naming_op_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_negative_base_with_integer_exponent_is_fine():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_exp_past_float_range_raises_overflow_error_with_advice():
    assert Value(709.0).exp().data == math.exp(709.0)
    with pytest.raises(OverflowError, match=r"exp: result overflows float64 for input 710.0"):
        Value(710.0).exp()


def test_division_by_zero_names_the_op():
    with pytest.raises(ZeroDivisionError, match="div: division by zero"):
        Value(1.0) / 0


def test_backward_failure_names_the_op_and_inputs():
    x = Value(0.0)
    y = x**0.5  # defined at 0, but its slope is not
    with pytest.raises(OverflowError, match=r"backward through '\*\*0.5': .*slope inf .*at inputs \(0.0\)"):
        y.backward()


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)


def test_exponent_must_be_a_real_number():
    with pytest.raises(TypeError, match="the exponent of \\*\\* needs a real number, got str"):
        Value(2.0) ** "2"


def test_ordering_comparisons_say_to_compare_data():
    with pytest.raises(TypeError, match=r"compare their \.data instead"):
        Value(1.0) < 2  # noqa: B015
    with pytest.raises(TypeError, match=r"compare their \.data instead"):
        sorted([Value(2.0), Value(1.0)])


class _RuleError(ArithmeticError):
    """An exception whose constructor takes two arguments, as a user's rule might raise."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")


def test_backward_failure_with_an_unusual_exception_class_raises_it_unchanged():
    # The readable message is built by calling the error's class with one string; a class that
    # needs other arguments gets its own exception back, not a TypeError from that call.
    def bad_rule(x, out):
        raise _RuleError("spiky", "no slope here")

    spiky = op("spiky_test_op", lambda x: x, bad_rule)
    with pytest.raises(_RuleError, match="spiky: no slope here"):
        spiky(Value(1.0)).backward()


# -- a Value as a plain number: formatting shows it; conversions refuse, saying to use .data ----------------


@pytest.mark.parametrize(
    ("spec", "text"), [(".2f", "3.14"), (".3e", "3.142e+00"), (">8.1f", "     3.1"), ("g", "3.14159")]
)
def test_formatting_a_value_with_a_spec_formats_its_number_as_a_float_would(spec, text):
    assert format(Value(3.14159), spec) == format(3.14159, spec) == text
    assert f"{Value(3.14159):{spec}}" == text


def test_formatting_a_value_without_a_spec_gives_its_repr():
    v = Value(2.0, label="x")
    assert f"{v}" == format(v, "") == str(v) == "Value(data=2.0, grad=0.0, label='x')"


@pytest.mark.parametrize(
    ("convert", "named"),
    [
        (float, r"float\(v\)"),
        (math.exp, r"math.exp\(v\)"),  # math's functions call float(v)
        (math.sqrt, r"math.exp\(v\) and the like"),
        (int, r"int\(v\)"),
        (round, r"round\(v\)"),
        (lambda v: round(v, 2), r"round\(v\)"),
        (complex, r"complex\(v\)"),
        (math.floor, r"floor"),
        (math.trunc, r"math.trunc\(v\)"),
        (lambda v: range(v), r"int\(v\)"),
        (np.float64, r"float\(v\)"),
    ],
    ids=["float", "math.exp", "math.sqrt", "int", "round", "round_2", "complex", "floor", "trunc", "range",
         "np.float64"],
)
def test_turning_a_value_into_a_plain_number_refuses_and_says_to_use_data(convert, named):
    # A plain number made from a Value has no gradient: math.exp(v) would silently leave the graph.
    with pytest.raises(TypeError, match=named + r".* no gradient: use v.data for the number .*\(v.exp\(\), not"):
        convert(Value(2.0))
