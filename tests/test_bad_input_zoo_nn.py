"""Every public function of nn, fed the zoo of bad inputs in every argument position (see bad_inputs.py).

Each case either works or raises TypeError/ValueError/OverflowError/ZeroDivisionError naming the
function, the op or the argument; a NaN given as data comes out as NaN; finite inputs never give
a non-finite result; a call that raises leaves models and optimizers exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import nn
from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    AdamW,
    Layer,
    Module,
    Neuron,
    binary_cross_entropy,
    check_model_gradients,
    cross_entropy,
    dead_neurons,
    get_activation,
    get_loss,
    hinge,
    l2,
    load,
    mse,
    save,
    softmax,
)
from nn.reference import ReferenceMLP, loss_and_grad, softmax_cross_entropy
from nn.serialize import FORMAT, VERSION
from tests.bad_inputs import (
    BY_NAME,
    NOTHING_WORKS,
    NUMPY_NUMBERS_WORK,
    SETTING,
    Slot,
    Target,
    arg,
    cases,
    check_outcome,
    item,
    run_case,
)

SIZE = {**NOTHING_WORKS, "np_int64": "works"}  # a layer size: a positive int, NumPy's included
SEED = {"np_int64": "works"}  # anything random.Random takes may work; a NumPy int must


def params_of(model: Any) -> list[float]:
    return [p.data for p in model.parameters()] if isinstance(model, Module) else []


def stepped(optimizer: Callable[..., Any]) -> Callable[[list], Any]:
    """Build the optimizer from the arguments and take one step with gradient 0.5 everywhere."""

    def call(args: list) -> list:
        for p in args[0] if isinstance(args[0], list) else []:
            if isinstance(p, Value):
                p.grad = 0.5
        opt = optimizer(*args)
        opt.step()
        return opt.params

    return call


def optimizer_with(make: Callable[[list], Any]) -> Callable[[], list]:
    def make_args() -> list:
        p, q = Value(1.0), Value(-2.0)
        p.grad, q.grad = 0.5, -0.25
        return [make([p, q]), None]

    return make_args


def set_then_step(attribute: str) -> Callable[[list], Any]:
    def call(args: list) -> list:
        setattr(args[0], attribute, args[1])
        args[0].step()
        return args[0].params

    return call


def grad_then_step(args: list) -> list:
    args[0].params[0].grad = args[1]
    args[0].step()
    return args[0].params


def optimizer_state(args: list) -> list[float]:
    opt = args[0]
    settings = [opt.lr, getattr(opt, "momentum", 0.0), *getattr(opt, "betas", ()), getattr(opt, "eps", 0.0),
                getattr(opt, "weight_decay", 0.0)]
    return settings + [p.data for p in opt.params]


def load_with_first_parameter(args: list) -> Module:
    model, value = args
    state = model.state_dict()
    state[next(iter(state))] = value
    document = {"format": FORMAT, "version": VERSION, "model": repr(model), "parameters": state}
    with open("model.json", "w") as f:
        f.write(json.dumps(document))
    load(model, "model.json")
    return model


def saved_model_args() -> list:
    model = MLP(2, [1], seed=0)
    save(MLP(2, [1], seed=1), "abc")  # the zoo's "abc" is a real file name here
    return [model, "abc"]


def linear_neuron() -> Neuron:
    return Neuron(1, activation="linear", bias=False, seed=0)


def squared_error(m: Module) -> Value:
    return mse([m([2.0])], [1.0], reduction="sum")


def hand_gradient(m: Neuron) -> list[float]:
    return [4 * (2 * m.w[0].data - 1.0)]  # d/dw (2w - 1)**2


def xs_slots() -> tuple[Slot, ...]:
    return (arg(0, "xs", expect=NOTHING_WORKS), item((0, 0), "xs[0]", expect=NUMPY_NUMBERS_WORK, data=True))


# A stored weight is a finite number, as load_state_dict requires: not a bool, nan or inf.
WEIGHT = {**SETTING, "nan": "raises", "inf": "raises", "minus_inf": "raises"}
ARRAY_SLOTS = (
    arg(0, "weights", expect=NOTHING_WORKS),
    item((0, 0), "weights[0]", expect=NOTHING_WORKS),
    item((0, 0, 0, 0), "weights[0][0][0]", expect=WEIGHT),
    arg(1, "biases", expect={**NOTHING_WORKS, "none": "works"}),  # None: a bias-free network
    item((1, 0, 0), "biases[0][0]", expect=WEIGHT),
    arg(2, "activation", expect=NOTHING_WORKS),
    arg(3, "output_activation", expect=NOTHING_WORKS),
)


def one_layer() -> list:
    """Arguments of a 2-1 network: weights (2, 1), biases (1,), relu, linear."""
    return [[[[0.5], [-1.0]]], [[0.25]], "relu", "linear"]


FLOAT_GRADS = ("nan", "inf", "minus_inf", "np_float64")  # what a backward pass can leave in .grad
JSON_VALUES = ("nan", "inf", "minus_inf", "huge_int", "np_float64", "empty_list", "empty_str", "str", "none", "dict")

TARGETS = (
    Target("Neuron", lambda: [2, "relu", True, 0, None], lambda a: Neuron(*a), ("Neuron", "activation", "seed"), (
        arg(0, "nin", expect=SIZE), arg(1, "activation", expect=NOTHING_WORKS), arg(2, "bias"),
        arg(3, "seed", expect=SEED), arg(4, "rng", expect={"none": "works"}),
    )),
    Target("Neuron()", lambda: [[1.0, -0.5]], lambda a: Neuron(2, seed=0)(a[0]), ("Neuron", "Value()"), xs_slots()),
    Target(
        "Layer", lambda: [2, 3, "relu", True, 0, None], lambda a: Layer(*a),
        ("Layer", "Neuron", "activation", "seed"), (
            arg(0, "nin", expect=SIZE), arg(1, "nout", expect=SIZE), arg(2, "activation", expect=NOTHING_WORKS),
            arg(3, "bias"), arg(4, "seed", expect=SEED), arg(5, "rng", expect={"none": "works"}),
        ),
    ),
    Target("Layer()", lambda: [[1.0, -0.5]], lambda a: Layer(2, 3, seed=0)(a[0]), ("Layer", "Value()"), xs_slots()),
    Target(
        "MLP", lambda: [2, [3, 1], "relu", "linear", True, 0], lambda a: MLP(*a),
        ("MLP", "Layer", "Neuron", "activation", "seed"), (
            arg(0, "nin", expect=SIZE), arg(1, "nouts", expect=NOTHING_WORKS), item((1, 0), "nouts[0]", expect=SIZE),
            arg(2, "activation", expect=NOTHING_WORKS), arg(3, "output_activation", expect=NOTHING_WORKS),
            arg(4, "bias"), arg(5, "seed", expect=SEED),
        ),
    ),
    Target("MLP()", lambda: [[1.0, -0.5]], lambda a: MLP(2, [3, 1], seed=0)(a[0]), ("MLP", "Value()"), xs_slots()),
    Target("MLP.from_arrays", one_layer, lambda a: MLP.from_arrays(*a),
           ("from_arrays", "weights", "biases", "activation"), ARRAY_SLOTS),
    Target("mse", lambda: [[Value(0.5), Value(-1.0)], [0.25, 1.0], "mean"], lambda a: mse(*a), ("mse", "sse"), (
        arg(0, "pred"), item((0, 0), "pred[0]", expect=NUMPY_NUMBERS_WORK, data=True),
        arg(1, "target"), item((1, 0), "target[0]", expect=NUMPY_NUMBERS_WORK, data=True),
        arg(2, "reduction", expect=NOTHING_WORKS),
    )),
    Target(
        "binary_cross_entropy", lambda: [[Value(0.25), Value(0.75)], [0.0, 1.0]],
        lambda a: binary_cross_entropy(*a), ("binary_cross_entropy", "bce"), (
            arg(0, "pred"), item((0, 0), "pred[0]", expect={"np_float64": "works", "np_bool": "works"}, data=True),
            arg(1, "target"),
            item((1, 0), "target[0]", expect={"np_float64": "works", "np_bool": "works", "np_int64": "raises"},
                 data=True),
        ),
    ),
    Target("hinge", lambda: [[Value(0.5), Value(-2.0)], [1, -1]], lambda a: hinge(*a), ("hinge",), (
        arg(0, "scores"), item((0, 0), "scores[0]", expect=NUMPY_NUMBERS_WORK, data=True),
        arg(1, "labels"), item((1, 0), "labels[0]", expect={"np_float64": "raises", "np_int64": "raises"}),
    )),
    Target("softmax", lambda: [[Value(0.5), Value(-1.0), Value(2.0)]], lambda a: softmax(*a), ("softmax",), (
        arg(0, "logits", expect=NOTHING_WORKS), item((0, 0), "logits[0]", expect=NUMPY_NUMBERS_WORK, data=True),
    )),
    Target(
        "cross_entropy", lambda: [[Value(0.5), Value(-1.0), Value(2.0)], 2, "mean"], lambda a: cross_entropy(*a),
        ("cross_entropy", "xent"), (
            arg(0, "logits", expect=NOTHING_WORKS), item((0, 0), "logits[0]", expect=NUMPY_NUMBERS_WORK, data=True),
            # a class index: an int (NumPy's too) in range; a list is a batch of targets, here of the wrong count
            arg(1, "target", expect={**NOTHING_WORKS, "np_int64": "works"}), arg(2, "reduction", expect=NOTHING_WORKS),
        ),
    ),
    Target(
        "cross_entropy (batch)", lambda: [[[Value(0.5), Value(-1.0)], [Value(2.0), Value(0.0)]], [1, 0], "sum"],
        lambda a: cross_entropy(*a), ("cross_entropy", "xent"), (
            arg(0, "logits", expect=NOTHING_WORKS), item((0, 0), "logits[0]", expect=NOTHING_WORKS),
            item((0, 0, 0), "logits[0][0]", expect=NUMPY_NUMBERS_WORK, data=True),
            arg(1, "targets", expect=NOTHING_WORKS),
            item((1, 0), "targets[0]", expect={**NOTHING_WORKS, "np_int64": "raises"}),  # 2 is out of range here
        ),
    ),
    Target("l2", lambda: [[Value(0.5), Value(-1.0)]], lambda a: l2(*a), ("l2",), (
        arg(0, "params"), item((0, 0), "params[0]", expect=NUMPY_NUMBERS_WORK, data=True),
    )),
    Target("dead_neurons", lambda: [MLP(2, [3, 1], seed=0), [[1.0, -0.5]]], lambda a: dead_neurons(*a),
           ("dead_neurons", "Value()"), (
               arg(0, "model", expect=NOTHING_WORKS), arg(1, "inputs", expect=NOTHING_WORKS),
               item((1, 0), "inputs[0]", expect=NOTHING_WORKS),
               item((1, 0, 0), "inputs[0][0]", expect=NUMPY_NUMBERS_WORK),  # nan and inf refused: no answer
           )),
    Target("get_activation", lambda: ["relu"], lambda a: get_activation(*a), ("activation",),
           (arg(0, "name", expect=NOTHING_WORKS),)),
    Target("get_loss", lambda: ["mse"], lambda a: get_loss(*a), ("loss",), (arg(0, "name", expect=NOTHING_WORKS),)),
    Target(
        "Module.load_state_dict", lambda: [m := MLP(2, [1], seed=0), m.state_dict()],
        lambda a: (a[0].load_state_dict(a[1]), a[0])[1], ("load_state_dict",), (
            arg(1, "state", expect=NOTHING_WORKS),
            Slot("state[first]", lambda a, v: a[1].__setitem__(next(iter(a[1])), v), expect=SETTING),
        ), state=lambda a: params_of(a[0]),
    ),
    Target("SGD", lambda: [[Value(1.0), Value(-2.0)], 0.1, 0.9, 1e-4], stepped(SGD), ("SGD",), (
        arg(0, "params", expect=NOTHING_WORKS), item((0, 0), "params[0]", expect=NOTHING_WORKS),
        arg(1, "lr", expect=SETTING), arg(2, "momentum", expect={**SETTING, "np_int64": "raises"}),
        arg(3, "weight_decay", expect=SETTING),
    )),
    Target("Adam", lambda: [[Value(1.0), Value(-2.0)], 0.01, [0.9, 0.999], 1e-8], stepped(Adam), ("Adam",), (
        arg(0, "params", expect=NOTHING_WORKS), item((0, 0), "params[0]", expect=NOTHING_WORKS),
        arg(1, "lr", expect=SETTING), arg(2, "betas", expect=NOTHING_WORKS),
        item((2, 0), "betas[0]", expect={**SETTING, "np_int64": "raises"}), arg(3, "eps", expect=SETTING),
    )),
    Target(
        "AdamW", lambda: [[Value(1.0), Value(-2.0)], 0.01, [0.9, 0.999], 1e-8, 1e-2], stepped(AdamW), ("AdamW",), (
            arg(0, "params", expect=NOTHING_WORKS), item((0, 0), "params[0]", expect=NOTHING_WORKS),
            arg(1, "lr", expect=SETTING), arg(2, "betas", expect=NOTHING_WORKS),
            item((2, 0), "betas[0]", expect={**SETTING, "np_int64": "raises"}), arg(3, "eps", expect=SETTING),
            arg(4, "weight_decay", expect=SETTING),
        ),
    ),
    *(
        Target(f"{label}.{attribute} =", optimizer_with(make), set_then_step(attribute), (label,),
               (arg(1, attribute, expect=expect),), state=optimizer_state)
        for label, make, attribute, expect in [
            ("SGD", lambda ps: SGD(ps, lr=0.1, momentum=0.5), "lr", SETTING),
            ("SGD", lambda ps: SGD(ps, lr=0.1, momentum=0.5), "momentum", {**SETTING, "np_int64": "raises"}),
            ("SGD", lambda ps: SGD(ps, lr=0.1, weight_decay=1e-4), "weight_decay", SETTING),
            ("Adam", lambda ps: Adam(ps, lr=0.1), "lr", SETTING),
            ("Adam", lambda ps: Adam(ps, lr=0.1), "eps", SETTING),
            ("Adam", lambda ps: Adam(ps, lr=0.1), "betas", NOTHING_WORKS),
            ("AdamW", lambda ps: AdamW(ps, lr=0.1), "lr", SETTING),
            ("AdamW", lambda ps: AdamW(ps, lr=0.1), "weight_decay", SETTING),
        ]
    ),
    *(
        Target(f"{label}.step", optimizer_with(make), grad_then_step, (label,),
               (arg(1, "params[0].grad", expect={n: "works" for n in FLOAT_GRADS}, data=True, only=FLOAT_GRADS),))
        for label, make in [
            ("SGD", lambda ps: SGD(ps, lr=0.1)), ("SGD(momentum)", lambda ps: SGD(ps, lr=0.1, momentum=0.9)),
            ("SGD(weight_decay)", lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-4)),
            ("Adam", lambda ps: Adam(ps, lr=0.1)), ("AdamW", lambda ps: AdamW(ps, lr=0.1)),
        ]
    ),
    Target("save", lambda: [MLP(2, [1], seed=0), "abc"], lambda a: save(*a), ("save",), (
        arg(0, "model", expect=NOTHING_WORKS), arg(1, "path", expect={**NOTHING_WORKS, "str": "works"}),
    ), in_folder=True),
    Target("load", saved_model_args, lambda a: (load(*a), a[0])[1], ("load",), (
        arg(0, "model", expect=NOTHING_WORKS), arg(1, "path", expect={**NOTHING_WORKS, "str": "works"}),
    ), state=lambda a: params_of(a[0]), in_folder=True),
    Target("load (file)", lambda: [MLP(2, [1], seed=0), 0.5], load_with_first_parameter, ("load",), (
        arg(1, "parameters[first]", expect={**NOTHING_WORKS, "np_float64": "works"}, only=JSON_VALUES),
    ), state=lambda a: params_of(a[0]), in_folder=True),
    Target(
        "check_model_gradients", lambda: [linear_neuron(), squared_error, hand_gradient, 1e-6, 1e-5, 1e-3],
        lambda a: check_model_gradients(a[0], a[1], a[2], eps=a[3], atol=a[4], rtol=a[5]),
        ("check_model_gradients",), (
            arg(0, "model", expect=NOTHING_WORKS), arg(1, "loss_fn", expect=NOTHING_WORKS),
            arg(2, "user_grads", expect=NOTHING_WORKS),
            Slot("user_grads(model)[0]", lambda a, v: a.__setitem__(2, lambda m: [v]), expect=NUMPY_NUMBERS_WORK,
                 data=True),
            arg(3, "eps", expect=SETTING), arg(4, "atol", expect=SETTING), arg(5, "rtol", expect=SETTING),
        ), state=lambda a: params_of(a[0]),
    ),
    Target("ReferenceMLP", one_layer, lambda a: (lambda n: n.weights + (n.biases or []))(ReferenceMLP(*a)),
           ("ReferenceMLP",), ARRAY_SLOTS),
    Target("ReferenceMLP.forward", lambda: [[[1.0, -0.5]]],
           lambda a: ReferenceMLP(*one_layer()).forward(a[0]), ("ReferenceMLP",), (
               arg(0, "x", expect=NOTHING_WORKS), item((0, 0, 0), "x[0][0]", expect=NUMPY_NUMBERS_WORK, data=True),
           )),
    Target("reference softmax_cross_entropy", lambda: [[[0.5, -1.0, 2.0]], [2], "mean"],
           lambda a: softmax_cross_entropy(*a), ("cross_entropy",), (
               arg(0, "logits", expect=NOTHING_WORKS),
               item((0, 0, 0), "logits[0][0]", expect=NUMPY_NUMBERS_WORK, data=True),
               arg(1, "target", expect=NOTHING_WORKS), item((1, 0), "target[0]", expect={"np_int64": "works"}),
               arg(2, "reduction", expect=NOTHING_WORKS),
           )),
    Target("reference loss_and_grad", lambda: ["mse", [0.5, 1.0], [0.0, 1.0], "mean"], lambda a: loss_and_grad(*a),
           ("loss", "mse"), (
               arg(0, "name", expect=NOTHING_WORKS), arg(1, "pred"),
               item((1, 0), "pred[0]", expect=NUMPY_NUMBERS_WORK, data=True), arg(2, "target"),
               item((2, 0), "target[0]", expect=NUMPY_NUMBERS_WORK, data=True),
               arg(3, "reduction", expect=NOTHING_WORKS),
           )),
)

# Cases expected to fail, by case id, with the reason: a case that fails today because of code
# still to be fixed goes into KNOWN (a strict xfail: once it passes, the suite fails so that the
# mark is removed); one that would hang goes into NOT_RUN. Both are empty: every case passes.
KNOWN: dict[str, str] = {}
NOT_RUN: dict[str, str] = {}


@pytest.mark.parametrize(("target", "slot", "bad_name"), cases(TARGETS, KNOWN, NOT_RUN))
def test_every_nn_function_handles_every_bad_input(target, slot, bad_name, request):
    run_case(target, slot, bad_name, request)


def test_the_zoo_test_catches_a_function_that_breaks_the_rule():
    # The checker checked: each way of breaking the rule is caught.
    nan_bad, str_bad = BY_NAME["nan"], BY_NAME["str"]
    with pytest.raises(AssertionError, match="not allowed"):
        check_outcome(lambda: {}["key"], str_bad, ["f"])  # KeyError
    with pytest.raises(AssertionError, match="does not name"):
        check_outcome(lambda: float("abc"), str_bad, ["my_function"])
    with pytest.raises(AssertionError, match="came out as numbers"):
        check_outcome(lambda: Value(0.0), nan_bad, ["f"], data=True)
    with pytest.raises(AssertionError, match="non-finite result"):
        check_outcome(lambda: Value(float("inf")), str_bad, ["f"])
    with pytest.raises(AssertionError, match="should work"):
        check_outcome(lambda: int("abc"), str_bad, ["int"], expect="works")
    with pytest.raises(AssertionError, match="should raise"):
        check_outcome(lambda: 1.0, str_bad, ["f"], expect="raises")
    changed = [1.0]
    with pytest.raises(AssertionError, match="raised after changing state"):
        check_outcome(lambda: (changed.append(2.0), int("x")), str_bad, ["int"], state=lambda: list(changed))


def test_every_public_function_and_class_of_nn_is_in_the_zoo():
    # A new public name must join the zoo: the target names start with what they call.
    covered = {target.name.split(".")[0].split("(")[0].split(" ")[0] for target in TARGETS}
    public = {name for name in nn.__all__ if callable(getattr(nn, name))}
    assert public - covered == set()
