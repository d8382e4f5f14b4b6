"""Training on a tape: the optimizer updating the tape's arrays gives the numbers of the Python loop outside."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from autograd import Tape, Value, draw_dot, topological_order
from nn import MLP, SGD, Adam, AdamW, cross_entropy
from tests.test_tape_batch import random_rows, sample_loss

OPTIMIZERS = {
    "SGD": lambda ps: SGD(ps, lr=0.1),
    "SGD with momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
    "SGD with weight decay": lambda ps: SGD(ps, lr=0.1, weight_decay=0.01),
    "SGD with momentum and weight decay": lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
    "Adam": lambda ps: Adam(ps, lr=0.01),
    "AdamW": lambda ps: AdamW(ps, lr=0.02, betas=(0.8, 0.95), weight_decay=0.1),
}


def train(make_optimizer, inside: bool, steps: int = 6, change_lr: bool = False):
    """`steps` mini-batch steps on one tape, the optimizer's loop outside training() or its arrays inside."""
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    opt = make_optimizer(model.parameters())
    losses = []

    def steps_loop():
        for k in range(steps):
            if change_lr and k == 3:
                opt.lr = opt.lr / 2  # a schedule changing the rate between steps
            losses.append(tape.run_batch(random_rows(8, seed=k)).mean())
            opt.step()
            opt.zero_grad()

    if inside:
        with tape.training(opt):
            steps_loop()
    else:
        steps_loop()
    return model, opt, losses


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_training_arrays_give_the_python_loops_numbers_to_the_bit(name):
    outside, opt_out, losses_out = train(OPTIMIZERS[name], inside=False, change_lr=True)
    inside, opt_in, losses_in = train(OPTIMIZERS[name], inside=True, change_lr=True)
    assert [p.data for p in inside.parameters()] == [p.data for p in outside.parameters()]
    assert [p.grad for p in inside.parameters()] == [p.grad for p in outside.parameters()]
    assert losses_in == losses_out
    for state in ("m", "v", "velocity"):  # the optimizer's state is back in its lists after the block
        if hasattr(opt_in, state):
            assert getattr(opt_in, state) == getattr(opt_out, state) and isinstance(getattr(opt_in, state), list)


def test_a_run_inside_training_gives_the_numbers_of_a_run_outside():
    results = []
    for inside in (False, True):
        model, features, label, loss = sample_loss()
        tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
        opt = Adam(model.parameters(), lr=0.01)
        if inside:
            with tape.training(opt):
                outs = [tape.run(inputs=row) for row in random_rows(3)]
                opt.step()
        else:
            outs = [tape.run(inputs=row) for row in random_rows(3)]
            opt.step()
        results.append((outs, [(p.data, p.grad) for p in model.parameters()]))
    assert results[0] == results[1]


def test_the_values_are_current_after_the_block_after_sync_and_for_eager_tools_inside():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    opt = SGD(model.parameters(), lr=0.1)
    w = model.parameters()[0]
    start = w.data
    with tape.training(opt):
        tape.run_batch(random_rows(4))
        opt.step()
        assert w.data == start  # read directly, a Value holds the last write-back
        tape.sync()
        moved, gradient = w.data, w.grad
        assert moved != start and gradient == tape.grad[0]
        tape.run_batch(random_rows(4, seed=1))
        opt.step()
        text = draw_dot(loss, max_nodes=2000).source  # an eager tool: the tape writes back first
        assert w.data != moved and f"data {w.data:.4g}" in text
        assert topological_order(loss)[-1] is loss
        opt.step()
        in_the_arrays = tape._training.data[0], tape._training.grad[0]
    assert (w.data, w.grad) == in_the_arrays  # the block's end writes back
    assert w.grad == gradient + tape.grad[0]  # no zero_grad: the two batches' gradients added up


def test_wrt_data_reads_the_numbers_being_trained_in_wrt_order_inside_and_outside_the_block():
    model, features, label, loss = sample_loss()
    params = model.parameters()
    wrt = [params[3], *params, params[0]]  # out of order, and two leaves listed twice
    tape = Tape(loss, wrt=wrt, inputs=[*features, label])
    assert tape.wrt_data.tolist() == [p.data for p in wrt]
    opt = SGD(params, lr=0.1, weight_decay=0.01)
    with tape.training(opt):
        tape.run_batch(random_rows(4))
        opt.step()
        stale = [p.data for p in wrt]  # the Values: as they were before the step
        current = tape.wrt_data
        current[0] = 123.0  # a copy: writing to it changes nothing
        assert tape.wrt_data[0] != 123.0
        tape.sync()
        assert tape.wrt_data.tolist() == [p.data for p in wrt] != stale
        assert tape.wrt_data[0] == params[3].data == tape.wrt_data[4]  # wrt[0] and wrt[4] are one leaf
    params[1].data = None
    refused = r"Tape.wrt_data: the leaf wrt\[2\] 'w\[0\]\[0\]\[1\]' holds .data = NoneType None, not a number"
    with pytest.raises(TypeError, match=refused):
        tape.wrt_data  # noqa: B018 (reading the property is the test)


def test_an_error_inside_the_block_still_writes_the_values_back():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    opt = SGD(model.parameters(), lr=0.1)
    w = model.parameters()[0]
    start = w.data
    with pytest.raises(KeyboardInterrupt), tape.training(opt):
        tape.run_batch(random_rows(4))
        opt.step()
        raise KeyboardInterrupt
    assert w.data != start and isinstance(opt.velocity, list)
    opt.step()  # the optimizer works on the Values again


def test_a_failing_batch_inside_training_leaves_parameters_gradients_and_optimizer_state_as_they_were():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    opt = Adam(model.parameters(), lr=0.01)
    with tape.training(opt):
        tape.run_batch(random_rows(4))
        opt.step()
        tape.run_batch(random_rows(4, seed=2))
        state = (tape._training.data.copy(), tape._training.grad.copy(), opt.m.copy(), opt.v.copy(), opt.t)
        with pytest.raises(ValueError, match="row 1: xent"):
            tape.run_batch([[0.0] * 5, [0.0, 0.0, 0.0, 0.0, 7.0]])
        after = (tape._training.data, tape._training.grad, opt.m, opt.v, opt.t)
        assert all(np.array_equal(a, b) for a, b in zip(state[:4], after[:4])) and state[4] == after[4]


def test_backward_on_the_graph_inside_the_block_is_refused_saying_what_to_do():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    with tape.training(SGD(model.parameters(), lr=0.1)):
        with pytest.raises(RuntimeError, match=r"use tape.run\(\) or tape.run_batch\(\) inside the block"):
            loss.backward()
        eager = cross_entropy(model([0.1, 0.2, 0.3, 0.4]), 1)  # another graph over the same parameters
        with pytest.raises(RuntimeError, match="a Tape is training"):
            eager.backward()
    eager.backward()  # after the block: fine


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda ps: SGD([*ps, Value(1.0)], lr=0.1), ValueError, "the optimizer's parameter 43 is not a wrt leaf"),
        (lambda ps: "Adam", TypeError, "needs an optimizer from nn"),
    ],
)
def test_training_refuses_an_optimizer_it_cannot_serve(make, error, message):
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    with pytest.raises(error, match=message), tape.training(make(model.parameters())):
        pass


def test_one_block_per_tape_and_per_optimizer_and_no_pickling_inside():
    model, features, label, loss = sample_loss()
    tape = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    other = Tape(loss, wrt=model.parameters(), inputs=[*features, label])
    opt = SGD(model.parameters(), lr=0.1)
    with tape.training(opt):
        with pytest.raises(ValueError, match="already training"), tape.training(SGD(model.parameters(), lr=0.1)):
            pass
        with pytest.raises(ValueError, match="already training inside another"), other.training(opt):
            pass
        with pytest.raises(TypeError, match="cannot pickle a tape inside"):
            pickle.dumps(tape)


def test_an_optimizer_over_some_of_the_wrt_leaves_in_its_own_order_updates_just_those():
    model = MLP(2, [2, 1], activation="tanh", seed=1)
    xs = [Value(0.5), Value(-0.5)]
    loss = model(xs) ** 2
    params = model.parameters()
    tape = Tape(loss, wrt=params, inputs=xs)
    chosen = [params[4], params[0], params[2]]  # some of them, not in the tape's order
    twin = MLP(2, [2, 1], activation="tanh", seed=1)
    twin_loss = twin(xs) ** 2
    twin_chosen = [twin.parameters()[4], twin.parameters()[0], twin.parameters()[2]]
    opt, twin_opt = Adam(chosen, lr=0.1), Adam(twin_chosen, lr=0.1)
    with tape.training(opt):
        for _ in range(3):
            tape.run()
            opt.step()
            opt.zero_grad()
    twin_tape = Tape(twin_loss, wrt=twin.parameters(), inputs=xs)
    for _ in range(3):
        twin_tape.run()
        twin_opt.step()
        twin_opt.zero_grad()
    assert [p.data for p in params] == [p.data for p in twin.parameters()]
    assert [p.grad for p in params] == [p.grad for p in twin.parameters()]
