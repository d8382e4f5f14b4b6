"""Every nn function, recorded once on a Tape and replayed at new numbers, gives what eager gives there.

A number that Python reads from `.data` while a graph is built (softmax's largest logit, hinge's
label check) would be frozen into the recording: the tape would replay it at every new input. The
oracle here is the eager engine itself, run afresh at the replayed numbers: the same output and
gradients to the last bit (the tape repeats the same float operations in the same order), or the
same error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Tape, Value, sum_values, topological_order
from autograd.nodes import apply
from autograd.ops import LABEL
from nn import MLP, Layer, Neuron, binary_cross_entropy, cross_entropy, get_activation, hinge, l2, mse, softmax
from tests.test_tape import GRID, UPSTREAM, eager_outcome, same, tape_outcome

INF, NAN = math.inf, math.nan
# Ordinary numbers, and the ones where nn functions branch or blow up: kinks, the labels +-1 and their
# near misses, logits past exp's range, the largest floats, infinities and nan.
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1000.0, -1000.0, 710.0, 1e308, -1e308, INF, -INF, NAN]
numbers = st.one_of(st.floats(-5, 5), st.sampled_from(EDGES))

REPLAYS = 3  # new points per recording
TRIED: Counter[str] = Counter()  # replays compared, per function (printed at the end with -s)


def weighted(probabilities: list[Value]) -> Value:
    """1 p_0 + 2 p_1 + ...: a loss that reads every softmax output, so every slope is checked."""
    return sum_values([p * float(k + 1) for k, p in enumerate(probabilities)])


# The same weights for every build of a model: a model's parameters are constants on these tapes.
MODELS = {
    f"MLP {act}": MLP(2, [3, 2], activation=act, output_activation=act, seed=1)
    for act in ("relu", "tanh", "sigmoid", "linear")
}
NEURON, LAYER = Neuron(3, activation="tanh", seed=2), Layer(2, 2, activation="sigmoid", seed=3)

# name -> (how many inputs, the function of those inputs as Values)
CASES: dict[str, tuple[int, Callable[[list[Value]], Value]]] = {
    "softmax": (3, lambda v: weighted(softmax(v))),
    "-log softmax": (2, lambda v: -(softmax(v)[0].log())),
    "cross_entropy": (3, lambda v: cross_entropy(v, 1)),
    "cross_entropy of a batch": (4, lambda v: cross_entropy([v[:2], v[2:]], [0, 1], reduction="sum")),
    "mse": (4, lambda v: mse(v[:2], v[2:])),
    "binary_cross_entropy": (2, lambda v: binary_cross_entropy([v[0]], [v[1]])),
    "binary_cross_entropy of a sigmoid": (2, lambda v: binary_cross_entropy([v[0].sigmoid()], [v[1]])),
    "hinge": (4, lambda v: hinge(v[:2], v[2:])),
    "l2": (3, l2),
    **{f"activation {name}": (1, lambda v, name=name: get_activation(name)(v[0]))
       for name in ("relu", "tanh", "sigmoid", "linear")},
    **{name: (2, lambda v, model=model: sum_values(model(v))) for name, model in MODELS.items()},
    "MLP then cross_entropy": (2, lambda v: cross_entropy(MODELS["MLP tanh"](v), 0)),
    "MLP then softmax": (2, lambda v: weighted(softmax(MODELS["MLP relu"](v)))),
    "Neuron": (3, NEURON),
    "Layer": (2, lambda v: sum_values(LAYER(v))),
}

# Where a function is defined everywhere but at some of its inputs' numbers, it is recorded at numbers where it
# is defined (replays still go everywhere): probabilities for bce, labels +-1 for hinge.
probability, plus_minus_one = st.floats(0, 1), st.sampled_from([1.0, -1.0])
RECORD_AT = {
    "binary_cross_entropy": st.tuples(probability, probability),
    "binary_cross_entropy of a sigmoid": st.tuples(numbers, probability),
    "hinge": st.tuples(numbers, numbers, plus_minus_one, plus_minus_one),
}


def eager(build: Callable[[list[Value]], Value], point: list[float]) -> tuple:
    """(output, gradients) of build at point, computed afresh, or (the exception's type, None)."""
    leaves = [Value(x) for x in point]
    try:
        out = build(leaves)
        for node in topological_order(out):  # a model's weights are shared by every build: no old gradients
            node.grad = 0.0
        out.backward()
    except (ArithmeticError, ValueError) as error:
        return type(error), None
    return out.data, [v.grad for v in leaves]


def replayed(tape: Tape, point: list[float]) -> tuple:
    try:
        out = tape.run(inputs=point)
    except (ArithmeticError, ValueError) as error:
        return type(error), None
    return out, tape.grad.tolist()


@pytest.fixture(scope="module", autouse=True)
def count_of_replays() -> Iterator[None]:
    yield
    print(f"\nnn replays compared with eager: {sum(TRIED.values())} ({dict(TRIED)})")


@pytest.mark.parametrize("name", list(CASES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_nn_function_replayed_on_a_tape_gives_what_eager_gives_at_the_new_numbers(name, data):
    arity, build = CASES[name]
    anywhere = st.lists(numbers, min_size=arity, max_size=arity)
    point = list(data.draw(RECORD_AT.get(name, anywhere), label="recorded at"))
    leaves = [Value(x) for x in point]
    try:
        out = build(leaves)
    except (ArithmeticError, ValueError):
        assume(False)  # nothing to record where the function itself is undefined
    tape = Tape(out, wrt=leaves, inputs=leaves)
    for _ in range(REPLAYS):
        new = data.draw(anywhere, label="replayed at")
        expected, got = eager(build, new), replayed(tape, new)
        TRIED[name] += 1
        if isinstance(expected[0], type):
            assert got[0] is expected[0], f"{name} at {new}: eager raised {expected[0].__name__}, the tape gave {got}"
            continue
        assert not isinstance(got[0], type), f"{name} at {new}: the tape raised {got[0].__name__}, eager {expected}"
        assert same(got[0], expected[0]), f"{name} at {new}: output {got[0]!r}, eager {expected[0]!r}"
        assert all(map(same, got[1], expected[1])), f"{name} at {new}: gradients {got[1]}, eager {expected[1]}"


def test_softmax_recorded_at_zeros_replays_at_1000_as_eager_does():
    # The case: the largest logit was read from .data (0 here) and frozen; e**1000 overflowed.
    a, b = Value(0.0), Value(0.0)
    tape = Tape(weighted(softmax([a, b])), wrt=[a, b], inputs=[a, b])
    assert tape.run(inputs=[1000.0, 0.0]) == eager(lambda v: weighted(softmax(v)), [1000.0, 0.0])[0] == 1.0


def test_hinge_replayed_with_a_label_that_is_not_plus_or_minus_one_raises_as_eager_does():
    score, label = Value(0.5), Value(1.0)
    tape = Tape(hinge([score], [label]), wrt=[score], inputs=[label])
    assert tape.run(inputs=[-1.0]) == 1.5
    with pytest.raises(ValueError, match=r"hinge: labels must be \+1 or -1, got 0.5"):
        tape.run(inputs=[0.5])
    with pytest.raises(ValueError, match=r"hinge: labels must be \+1 or -1, got 0.5 at index 0"):
        hinge([score], [Value(0.5)])


def test_hinge_checks_a_value_label_in_the_graph_and_a_number_label_once():
    score = Value(0.5)
    by_value, by_number = hinge([score], [Value(1.0)]), hinge([score], [1.0])
    assert "label±1" in ops_in(by_value) and "label±1" not in ops_in(by_number)
    assert by_value.data == by_number.data == 0.5


def ops_in(y: Value) -> set[str]:
    return {node.op for node in topological_order(y)}


@pytest.mark.parametrize("y", [0.5, 0.0, 2.0, NAN, INF])
def test_label_op_refuses_anything_but_plus_or_minus_one_and_passes_the_gradient_through(y):
    with pytest.raises(ValueError, match=r"hinge: labels must be \+1 or -1"):
        apply(LABEL, Value(y))
    x = Value(-1.0)
    out = apply(LABEL, x) * 3.0
    out.backward()
    assert out.data == -3.0 and x.grad == 3.0


def test_label_op_on_a_tape_matches_eager_on_awkward_numbers():
    x, upstream = Value(1.0), Value(0.5)  # recorded where the label is valid
    tape = Tape(apply(LABEL, x) * upstream, wrt=[x, upstream], inputs=[x, upstream])
    for number in [*GRID, 1.0, -1.0]:
        for u in UPSTREAM:
            expected, got = eager_outcome(lambda y: apply(LABEL, y), [number], u), tape_outcome(tape, [number], u)
            where = f"label {number}, upstream {u}"
            if isinstance(expected[0], type):
                assert got == expected, where  # the same error, with the same message
            else:
                assert same(got[0], expected[0]) and all(map(same, got[1], expected[1])), where
