"""What a tape leaves in the Values: eager tools after a replay see its numbers, feeding is checked, pickling.

A run computes in the tape's arrays and writes back only its output, the input leaves it was fed
and the wrt leaves' gradients; the interior nodes get the replay's numbers from `tape.sync()`, which
every eager tool calls by itself before it reads a graph the tape has replayed. The oracle is the
same graph built eagerly at the numbers the replay ran at.
"""

from __future__ import annotations

import copy
import pickle

import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from autograd import Tape, Value, draw_dot, explain_backward, grad, topological_order
from autograd.replayed import holds


def model(x, w, b):
    """A graph with a fused chain (s = s + w * x), shared nodes, a piecewise op and an x ** k."""
    s = b
    for wi in w:
        s = s + wi * x
    h = s.tanh()
    return (h**2 + s.relu() * x).sigmoid() + h


def leaves(x=0.7, w=(0.5, -1.2, 0.3), b=0.1):
    return Value(x, label="x"), [Value(v, label=f"w{i}") for i, v in enumerate(w)], Value(b, label="b")


def fresh_at(x, w, b):
    """The oracle: the graph built anew, eagerly, at these numbers."""
    xv, wv, bv = leaves(x, w, b)
    return model(xv, wv, bv), [xv, *wv, bv]


def data_and_grads(root):
    return [(v.data, v.grad) for v in topological_order(root)]


def test_backward_after_a_run_with_new_inputs_gives_the_gradient_at_the_new_numbers():
    x, w, b = leaves()
    y = model(x, w, b)
    tape = Tape(y, wrt=[*w, b], inputs=[x])
    tape.run(inputs=[-1.9])
    for v in [x, *w, b]:
        v.grad = 0.0
    y.backward()  # reads interior numbers: those of the replay at x = -1.9, written back first
    expected, fresh_leaves = fresh_at(-1.9, [0.5, -1.2, 0.3], 0.1)
    expected.backward()
    assert y.data == expected.data
    assert [v.grad for v in [x, *w, b]] == [v.grad for v in fresh_leaves]
    assert data_and_grads(y) == data_and_grads(expected)  # every node, interior ones included


def test_after_an_optimizer_changed_the_parameters_a_plain_run_then_eager_tools_agree_with_a_fresh_graph():
    x, w, b = leaves()
    y = model(x, w, b)
    tape = Tape(y, wrt=[*w, b])
    for p in [*w, b]:  # what an optimizer's step does between runs
        p.data -= 0.3
    tape.run()
    expected, _ = fresh_at(0.7, [0.5 - 0.3, -1.2 - 0.3, 0.3 - 0.3], 0.1 - 0.3)
    assert [(v.data, v.op) for v in topological_order(y)] == [(v.data, v.op) for v in topological_order(expected)]
    assert str(explain_backward(y)) == str(explain_backward(expected))
    assert grad(y, [x, *w, b]) == grad(expected, list(expected_leaves(expected)))


def expected_leaves(root):
    return [v for v in topological_order(root) if v.label]


def test_draw_dot_after_a_run_shows_the_replays_numbers_and_gradients():
    x, w, b = leaves()
    y = model(x, w, b)
    tape = Tape(y, wrt=[x, *w, b], inputs=[x])
    tape.run(inputs=[2.5])
    expected, _ = fresh_at(2.5, [0.5, -1.2, 0.3], 0.1)
    expected.backward()
    assert draw_dot(y).source == draw_dot(expected).source  # every box's data and grad


def test_walkthrough_after_a_run_steps_through_the_replays_numbers():
    from autograd import walkthrough

    x, w, b = leaves()
    y = model(x, w, b)
    Tape(y, wrt=[*w, b], inputs=[x]).run(inputs=[-0.4])  # the tape, dropped, writes its numbers back
    for p in [*w, b]:
        p.grad = 0.0  # the run added into them; the page would say so
    expected, _ = fresh_at(-0.4, [0.5, -1.2, 0.3], 0.1)
    assert walkthrough(y).data == walkthrough(expected).data


def test_a_forward_pass_writes_back_numbers_and_leaves_interior_gradients_as_they_were():
    x, w, b = leaves()
    y = model(x, w, b)
    tape = Tape(y, wrt=[*w, b], inputs=[x])
    tape.forward([1.5])
    tape.sync()
    expected, _ = fresh_at(1.5, [0.5, -1.2, 0.3], 0.1)
    assert [v.data for v in topological_order(y)] == [v.data for v in topological_order(expected)]
    assert all(v.grad == 0.0 for v in topological_order(y))  # no backward pass ran


def test_a_failed_run_after_an_unsynced_one_leaves_the_good_runs_numbers_to_write_back():
    x = Value(2.0, label="x")
    y = (x.log() * x).exp()
    tape = Tape(y, wrt=[x], inputs=[x])
    tape.run(inputs=[3.0])
    with pytest.raises(ValueError, match="log: input must be > 0"):
        tape.run(inputs=[-1.0])
    assert x.data == 3.0  # the rejected number is not left in the input leaf
    three = Value(3.0)
    expected = (three.log() * three).exp()
    assert [v.data for v in topological_order(y)] == [v.data for v in topological_order(expected)]
    assert tape.run() == expected.data  # the next plain run starts from the good number


def test_a_node_built_on_the_output_or_inside_the_graph_is_brought_up_to_date_and_others_are_left_alone():
    x, w, b = leaves()
    y = model(x, w, b)
    inner = y.parents[0]
    tape = Tape(y, wrt=[*w, b], inputs=[x])
    tape.run(inputs=[0.9])
    unrelated = Value(1.0) * Value(2.0)
    unrelated.backward()
    assert holds(tape)  # an unrelated graph does not make the tape write back
    inner.backward()  # an interior node as root: its graph is the tape's
    assert not holds(tape)
    expected, _ = fresh_at(0.9, [0.5, -1.2, 0.3], 0.1)
    assert inner.data == expected.parents[0].data
    tape.run(inputs=[0.1])
    z = y * 2.0
    z.backward()  # a graph built on the output reaches every node of the tape
    assert not holds(tape) and y.parents[0].data == fresh_at(0.1, [0.5, -1.2, 0.3], 0.1)[0].parents[0].data


def test_backward_step_after_a_run_uses_the_replays_numbers_and_gradients():
    x = Value(0.5)
    y = (x * x).tanh()
    Tape(y, wrt=[x], inputs=[x]).run(inputs=[1.5])
    x.grad = 0.0
    y.parents[0]._backward()  # micrograd's one-node step: x.grad += d(x*x)/dx * (x*x).grad, after the run
    fresh = Value(1.5)
    z = (fresh * fresh).tanh()
    z.backward()
    fresh.grad = 0.0
    z.parents[0]._backward()
    assert x.grad == fresh.grad


def test_fused_chain_nodes_get_the_chains_numbers_and_gradient_when_written_back():
    ws = [Value(0.1 * i - 0.2) for i in range(5)]
    xs = [Value(1.0 - 0.3 * i) for i in range(5)]
    s = Value(0.0)
    for wi, xi in zip(ws, xs):
        s = s + wi * xi  # one FUSED_DOT slot on the tape
    y = s.tanh()
    tape = Tape(y, wrt=ws, inputs=xs)
    assert len(tape) == 2
    new = [0.5, -2.0, 1.5, 0.25, 3.0]
    tape.run(inputs=new)
    tape.sync()
    fresh = [Value(v) for v in new]
    t = Value(0.0)
    for wi, xi in zip([Value(w.data) for w in ws], fresh):
        t = t + wi * xi
    z = t.tanh()
    z.backward()
    assert [(v.data, v.grad) for v in topological_order(y) if v.op] == [
        (v.data, v.grad) for v in topological_order(z) if v.op]


def test_with_no_tape_out_of_date_the_eager_tools_find_nothing_to_write_back():
    x = Value(0.3)
    y = x.exp() * x
    tape = Tape(y, wrt=[x])
    tape.run()
    tape.sync()
    assert not holds(tape)  # with no tape out of date, an eager tool tests an empty dict and goes on
    y.backward()
    twin = Value(0.3)
    z = twin.exp() * twin
    z.backward()
    z.backward()
    assert x.grad == twin.grad  # the run's gradient, then backward's added to it: as backward() twice


# -- feeding ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("bad", "shown"), [(None, "NoneType"), ("3", "str '3'"), (1j, "complex")])
def test_a_leaf_holding_no_number_is_refused_naming_the_leaf(bad, shown):
    a, x = Value(1.0, label="a"), Value(2.0, label="x")
    y = a * x * x
    tape = Tape(y, wrt=[a], inputs=[x])
    x.data = bad
    with pytest.raises(TypeError, match=rf"Tape.run: the leaf inputs\[0\] 'x' holds .data = {shown}"):
        tape.run()
    a.data, x.data = bad, 2.0
    with pytest.raises(TypeError, match=r"the leaf wrt\[0\] 'a' holds"):
        tape.forward()
    assert a.grad == 0.0 and y.data == 4.0


def test_inputs_listing_a_leaf_twice_are_refused():
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"inputs\[1\] is inputs\[0\] again"):
        Tape(x * x, wrt=[], inputs=[x, x])


def test_a_failed_run_restores_the_input_leaves_so_the_next_plain_run_works():
    x = Value(4.0)
    y = x.sqrt() + x
    tape = Tape(y, wrt=[x], inputs=[x])
    with pytest.raises(ValueError, match="sqrt: input must be >= 0"):
        tape.run(inputs=[-5.0])
    assert x.data == 4.0 and y.data == 6.0
    assert tape.run() == 6.0


# -- pickling and listing -------------------------------------------------------------------------------


@pytest.mark.parametrize("duplicate", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_pickled_tape_replays_with_the_same_numbers(duplicate):
    x, w, b = leaves()
    y = model(x, w, b)
    tape = Tape(y, wrt=[*w, b], inputs=[x])
    tape.run(inputs=[0.3])
    twin = duplicate(pickle.dumps(tape)) if duplicate is pickle.loads else duplicate(tape)
    assert twin.run(inputs=[-0.8]) == tape.run(inputs=[-0.8])
    assert list(twin.grad) == list(tape.grad)
    assert [v.label for v in twin.wrt] == ["w0", "w1", "w2", "b"] and twin.wrt[0] is not w[0]
    assert str(twin) == str(tape)
    assert twin.output.data == y.data and not twin.output.parents  # the graph is not carried: the arrays are


def test_listing_refuses_a_max_lines_that_is_not_a_whole_number():
    tape = Tape(Value(1.0) * 2.0, wrt=[])
    with pytest.raises(TypeError, match=r"Tape\.listing: max_lines must be a whole number, got float 2\.5"):
        tape.listing(max_lines=2.5)
    with pytest.raises(ValueError, match=r"Tape\.listing: max_lines must be >= 1, got 0"):
        tape.listing(max_lines=0)
