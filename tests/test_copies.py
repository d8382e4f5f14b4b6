"""Copies and pickles of Values, graphs and models: the same graph again, of any depth, sharing kept.

The oracle is the original: a copy must have the same nodes (op, data, grad, label) joined the same
way (a node used twice is one node used twice), and backward through it gives the same gradients.
"""

from __future__ import annotations

import copy
import io
import pickle
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, grad, no_grad, op, topological_order
from autograd.nodes import apply
from autograd.ops import softmax, xent
from nn import MLP, mse
from tests.test_graph import inputs3, programs, run_program

DEEP = 100_000  # op nodes in the deep chains: far past the ~1,000 frames Python allows a recursion


def pickled(x):
    return pickle.loads(pickle.dumps(x))


COPIERS = {"pickle": pickled, "deepcopy": copy.deepcopy}


def same_graph(original: Value, twin: Value) -> bool:
    """The same nodes in the same order, each with the same op, numbers and label, joined the same way."""
    a, b = topological_order(original), topological_order(twin)
    if len(a) != len(b) or {id(n) for n in a} & {id(n) for n in b}:
        return False
    where_a, where_b = {n: i for i, n in enumerate(a)}, {n: i for i, n in enumerate(b)}
    return all(
        (m.op, m.data, m.grad, m.label) == (n.op, n.data, n.grad, n.label)
        and [where_a[p] for p in m.parents] == [where_b[p] for p in n.parents]
        for m, n in zip(a, b)
    )


def chain(length: int) -> tuple[Value, Value, Value]:
    """x = x * a + b, `length` times over (two op nodes a step), with the leaves a and b used by every step."""
    a, b, x = Value(1.0001, label="a"), Value(0.0001, label="b"), Value(0.3, label="x")
    y = x
    for _ in range(length // 2):
        y = y * a + b
    return y, a, b


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS)
def test_a_number_power_node_copies_and_differentiates_like_the_original(copier):
    # pickle used to fail on the lambda inside the op of x ** 2.5
    y = Value(2.0, label="x") ** 2.5
    twin = copier(y)
    assert same_graph(y, twin)
    y.backward()
    twin.backward()
    assert twin.parents[0].grad == y.parents[0].grad == 2.5 * 2.0**1.5


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS)
def test_a_chain_of_a_hundred_thousand_nodes_copies_under_the_default_recursion_limit(copier):
    assert sys.getrecursionlimit() <= 10_000  # the test means nothing with a raised limit
    y, a, b = chain(DEEP)
    twin = copier(y)
    assert same_graph(y, twin)
    y.backward()
    twin.backward()
    twin_a, twin_b = (n for n in topological_order(twin) if n.label in ("a", "b"))
    assert (twin_a.grad, twin_b.grad) == (a.grad, b.grad)


def test_the_same_deep_graph_pickled_again_and_with_a_reused_pickler_needs_no_recursion():
    y, _, _ = chain(DEEP)
    first, second = pickle.dumps(y), pickle.dumps([y, y.parents[0]])  # a second pickling of the same nodes
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dump(y)
    pickler.dump(y.parents[0].parents[0])  # the same pickler: its memo still holds the chain
    buffer.seek(0)
    unpickler = pickle.Unpickler(buffer)
    whole, inner = unpickler.load(), unpickler.load()
    assert inner is whole.parents[0].parents[0]
    again, (root, below) = pickle.loads(first), pickle.loads(second)
    assert same_graph(y, again) and same_graph(y, root) and below is root.parents[0]


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS)
def test_nodes_shared_in_a_graph_and_between_the_things_copied_together_stay_shared(copier):
    a = Value(3.0, label="a")
    b = a * a  # a used twice
    c = b + b  # b used twice
    new_c, new_b, new_a = copier([c, b, a])
    assert new_c.parents == (new_b, new_b) and new_b.parents == (new_a, new_a)
    assert new_c.parents[0] is new_b and new_b.parents[0] is new_a
    new_b2, new_c2 = copier([b, c])  # the inner node first
    assert new_c2.parents[0] is new_b2


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS)
def test_gradients_and_labels_are_kept(copier):
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    y = (x * w).tanh()
    y.label = "y"
    y.backward()
    twin = copier(y)
    assert same_graph(y, twin)
    assert [(n.label, n.grad) for n in topological_order(twin)] == [(n.label, n.grad) for n in topological_order(y)]


@settings(max_examples=60, deadline=None)
@given(program=programs, xs=inputs3, which=st.sampled_from(sorted(COPIERS)))
def test_random_graphs_with_shared_nodes_copy_to_the_same_graph_with_the_same_gradients(program, xs, which):
    leaves = [Value(x) for x in xs]
    out = run_program(program, leaves)
    twin = COPIERS[which](out)
    assert same_graph(out, twin)
    twin_leaves = [n for n in topological_order(twin) if not n.parents]
    originals = [n for n in topological_order(out) if not n.parents]
    assert grad(twin, twin_leaves) == grad(out, originals)


@pytest.mark.parametrize("make", [lambda z: apply(xent(1), *z), lambda z: apply(softmax(2), *z)],
                         ids=["xent[1]", "softmax[2]"])
def test_ops_that_hold_a_number_pickle_with_it(make):
    y = make([Value(0.5), Value(-1.0), Value(2.0)])
    twin = pickled(y)
    assert twin._made_by is y._made_by and same_graph(y, twin)


def test_a_pickled_graph_loads_as_a_graph_inside_no_grad():
    y = Value(2.0) * Value(3.0)
    data = pickle.dumps(y)
    with no_grad():
        twin = pickle.loads(data)
    assert twin.op == "*" and len(twin.parents) == 2


def test_a_shallow_copy_is_a_new_node_on_the_same_parents():
    a, b = Value(1.0), Value(2.0)
    c = a + b
    c.label, c.grad = "c", 5.0
    twin = copy.copy(c)
    assert twin is not c and twin.parents == (a, b)
    assert (twin.op, twin.data, twin.grad, twin.label) == ("+", 3.0, 5.0, "c")


def test_threads_pickling_deep_graphs_at_once_each_get_their_own_graph():
    graphs = [chain(20_000)[0] for _ in range(4)]
    results: list = [None] * 4

    def work(k: int) -> None:
        results[k] = pickled(graphs[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(same_graph(g, r) for g, r in zip(graphs, results))


# -- models -------------------------------------------------------------------------------------------


def test_keeping_the_best_model_with_deepcopy_keeps_its_weights_while_training_goes_on():
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    xs, ys = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, 1.0, -1.0]
    best, best_loss = None, float("inf")
    for _ in range(30):
        loss = mse([model(x) for x in xs], ys)
        if loss.data < best_loss:
            best, best_loss = copy.deepcopy(model), loss.data
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
    kept = mse([best(x) for x in xs], ys).data
    assert kept == best_loss  # the copy kept the weights it had, whatever the model did after
    assert {id(p) for p in best.parameters()}.isdisjoint(id(p) for p in model.parameters())


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS)
def test_a_model_copies_with_its_weights_gradients_and_outputs(copier):
    model = MLP(3, [4, 2], activation="sigmoid", seed=1)
    out = model([0.1, 0.2, 0.3])
    (out[0] + out[1]).backward()
    twin = copier(model)
    assert twin.state_dict() == model.state_dict() and repr(twin) == repr(model)
    assert [p.grad for p in twin.parameters()] == [p.grad for p in model.parameters()]
    assert [y.data for y in twin([0.1, 0.2, 0.3])] == [y.data for y in out]


@pytest.mark.parametrize("copier", COPIERS.values(), ids=COPIERS)
def test_a_copied_model_keeps_its_parameters_parameters_named_and_drawn_as_such(copier):
    # nn makes its weights as Parameter, a Value subclass that draw_dot colours amber; a copy that came back
    # as plain Values would draw them as inputs.
    twin = copier(MLP(2, [2, 1], seed=0))
    assert all(getattr(p, "is_parameter", False) for p in twin.parameters())
    assert [p.label for p in twin.parameters()][:2] == ["w[0][0][0]", "w[0][0][1]"]


# -- custom ops ---------------------------------------------------------------------------------------


def test_a_custom_op_and_its_nodes_pickle_by_name(monkeypatch):
    cube = op("cube_for_pickling", lambda x: x**3, lambda x, out: 3 * x**2)
    model = MLP(2, [1], output_activation=cube, seed=0)  # a model whose activation is the custom op
    y = cube(Value(2.0))
    data, model_data = pickle.dumps(y), pickle.dumps(model)
    twin = pickle.loads(data)
    twin.backward()
    assert (twin.op, twin.data, twin.parents[0].grad) == ("cube_for_pickling", 8.0, 12.0)
    assert pickle.loads(model_data)([1.0, 2.0]).data == model([1.0, 2.0]).data
    assert copy.deepcopy(cube) is cube
    monkeypatch.delitem(OPS, "cube_for_pickling")  # as in a process that never defined it
    with pytest.raises(pickle.UnpicklingError, match=r"the op 'cube_for_pickling' is not defined in this process: run"
                                                     r" op\('cube_for_pickling', forward, derivative\)"):
        pickle.loads(data)


def test_a_node_of_a_custom_op_defined_again_since_cannot_be_pickled_by_its_name():
    old = op("twice_for_pickling", lambda x: 2 * x, lambda x, out: 2.0)
    y = old(Value(1.0))
    op("twice_for_pickling", lambda x: 3 * x, lambda x, out: 3.0)  # another op under the same name
    with pytest.raises(pickle.PicklingError, match="'twice_for_pickling' cannot be pickled: it is not the op of that"):
        pickle.dumps(y)
    assert copy.deepcopy(y).data == 2.0  # a copy shares the op itself: nothing to look up


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_gives_the_same_graph(protocol):
    a, b = Value(1.0, label="a"), Value(-2.0)
    y = apply(softmax(0), a, b) * a**2 + abs(b)
    assert same_graph(y, pickle.loads(pickle.dumps(y, protocol=protocol)))
