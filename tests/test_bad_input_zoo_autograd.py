"""Every public function of the engine, fed the zoo of bad inputs (tests/bad_inputs.py), follows the rule.

The rule: work, or raise TypeError/ValueError/OverflowError/ZeroDivisionError naming the function,
the op or the argument; never another exception; never a non-finite result from finite input.
"""

from __future__ import annotations

import shutil

import pytest

import autograd
from autograd import (
    Value,
    dot,
    draw_dot,
    explain_backward,
    grad,
    gradcheck,
    gradcheck_second_order,
    numerical_grad,
    op,
    render,
    sum_values,
    topological_order,
    walkthrough,
)
from tests.bad_inputs import NUMPY_NUMBERS_WORK, Target, arg, cases, item, run_case

HAVE_DOT = shutil.which("dot") is not None


def two_values():
    return [Value(2.0), Value(3.0)]


def square_fn(x):
    return x * x


SCALE = op("zoo_scale", lambda x: 2.0 * x, lambda x, out: 2.0)
OPERATORS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def operator_targets():
    targets = []
    for name, f in OPERATORS.items():
        targets.append(Target(
            f"Value {name} x", lambda: [Value(2.0), 1.0], lambda a, f=f: f(a[0], a[1]), ("Value", name, "pow", "div"),
            (arg(1, "x", expect=NUMPY_NUMBERS_WORK, data=True),)))
        targets.append(Target(
            f"x {name} Value", lambda: [1.0, Value(2.0)], lambda a, f=f: f(a[0], a[1]), ("Value", name, "pow", "div"),
            (arg(0, "x", data=True),)))
    return targets


TARGETS = [
    Target("Value", lambda: [1.0, ""], lambda a: Value(a[0], a[1]), ("Value",),
           (arg(0, "data", expect=NUMPY_NUMBERS_WORK, data=True), arg(1, "label"))),
    *operator_targets(),
    Target("Value.backward", lambda: [Value(2.0), 1.0], lambda a: (a[0] * a[0]).backward(a[1]) or a[0].grad,
           ("backward",), (arg(1, "gradient", expect=NUMPY_NUMBERS_WORK, data=True),)),
    Target("grad", lambda: [None, [None], False], lambda a: _grad(a), ("grad",),
           (arg(0, "output"), arg(1, "inputs"), item((1, 0), "inputs[0]"))),
    Target("op", lambda: ["zoo_op", abs, abs], lambda a: op(*a), ("op",), (arg(0, "name"), arg(1, "forward"),
                                                                          arg(2, "derivative"))),
    Target("custom op", lambda: [1.0], lambda a: SCALE(a[0]), ("zoo_scale", "Value"),
           (arg(0, "x", expect=NUMPY_NUMBERS_WORK, data=True),)),
    Target("numerical_grad", lambda: [square_fn, [1.0], 1e-6], lambda a: numerical_grad(*a), ("numerical_grad",),
           (arg(0, "f"), arg(1, "inputs"), item((1, 0), "inputs[0]", data=True), arg(2, "eps"))),
    Target("gradcheck", lambda: [square_fn, [1.0], 1e-6, 1e-5, 1e-3],
           lambda a: gradcheck(a[0], a[1], eps=a[2], atol=a[3], rtol=a[4]), ("gradcheck",),
           (arg(0, "f"), arg(1, "inputs"), item((1, 0), "inputs[0]", data=True), arg(2, "eps"), arg(3, "atol"),
            arg(4, "rtol"))),
    Target("gradcheck_second_order", lambda: [square_fn, [1.0], 1e-6],
           lambda a: gradcheck_second_order(a[0], a[1], eps=a[2]), ("gradcheck_second_order",),
           (arg(0, "f"), arg(1, "inputs"), item((1, 0), "inputs[0]", data=True), arg(2, "eps"))),
    Target("draw_dot", lambda: [Value(1.0) * 2, "LR", 500, []],
           lambda a: draw_dot(a[0], rankdir=a[1], max_nodes=a[2], params=a[3]).source, ("draw_dot",),
           (arg(0, "root"), arg(1, "rankdir"), arg(2, "max_nodes"), arg(3, "params"))),
    Target("explain_backward", lambda: [Value(1.0) * 2], lambda a: explain_backward(a[0]), ("explain_backward",),
           (arg(0, "root"),)),
    Target("topological_order", lambda: [Value(1.0) * 2], lambda a: topological_order(a[0]), ("topological_order",),
           (arg(0, "root"),)),
    Target("dot", lambda: [two_values(), two_values()], lambda a: dot(a[0], a[1]), ("dot", "Value"),
           (arg(0, "weights"), arg(1, "inputs"), item((0, 0), "weights[0]", expect=NUMPY_NUMBERS_WORK, data=True))),
    Target("sum_values", lambda: [two_values()], lambda a: sum_values(a[0]), ("sum_values", "sum", "Value"),
           (arg(0, "terms"), item((0, 0), "terms[0]", expect=NUMPY_NUMBERS_WORK, data=True))),
    Target("walkthrough", lambda: [Value(1.0) * 2, [], "LR", 200],
           lambda a: walkthrough(a[0], params=a[1], rankdir=a[2], max_nodes=a[3]).html, ("walkthrough",),
           (arg(0, "root"), arg(1, "params"), arg(2, "rankdir"), arg(3, "max_nodes"))),
]
try:
    import numba  # noqa: F401

    from autograd import Tape

    def _tape_run(args):
        x = Value(2.0)
        return Tape(x * x, wrt=[x], inputs=[x]).run(inputs=args[0])

    TARGETS += [
        Target("Tape", lambda: [None, [None], []], lambda a: _new_tape(a), ("Tape",),
               (arg(0, "output"), arg(1, "wrt"), item((1, 0), "wrt[0]"), arg(2, "inputs"))),
        Target("Tape.run", lambda: [[1.0]], _tape_run, ("Tape",),
               (arg(0, "inputs"), item((0, 0), "inputs[0]", expect=NUMPY_NUMBERS_WORK, data=True))),
    ]
except ImportError:  # Tape needs Numba (the fast extra)
    pass


def _new_tape(args):
    x = Value(2.0)
    output = x * x if args[0] is None else args[0]
    wrt = [x if w is None else w for w in args[1]] if isinstance(args[1], list) else args[1]
    return Tape(output, wrt=wrt, inputs=args[2]).run()


if HAVE_DOT:
    TARGETS.append(Target("render", lambda: [draw_dot(Value(1.0)), "g.svg", None],
                          lambda a: render(a[0], a[1], format=a[2]), ("render",),
                          (arg(0, "dot"), arg(1, "path"), arg(2, "format")), in_folder=True))


def _grad(args):
    x = Value(2.0)
    output = x * x if args[0] is None else args[0]
    inputs = [x] if args[1] == [None] else args[1]
    return grad(output, inputs)


@pytest.mark.parametrize(("target", "slot", "bad_name"), cases(TARGETS, {}, {}))
def test_every_engine_function_handles_every_bad_input(target, slot, bad_name, request):
    run_case(target, slot, bad_name, request)


def test_every_public_function_of_autograd_is_in_the_zoo():
    # Names whose arguments are covered under another target, or that take none.
    elsewhere = {"Value", "OPS", "GradcheckError", "no_grad", "is_grad_enabled", "table"}
    covered = {target.name.split(" ")[0].split(".")[0] for target in TARGETS}
    public = {name for name in autograd.__all__ if callable(getattr(autograd, name))}
    without = ({"render"} if not HAVE_DOT else set()) | ({"Tape"} if "Tape" not in covered else set())
    assert public - covered - elsewhere == without
