"""Threads walking graphs that share nodes: each walk gives what the same walk gives alone.

The bug these guard against was a mark left on every node a walk reached (`_seen_by`): a walk in
another thread overwrote it, so a node was collected twice and its gradient counted twice. Such
races show only when the threads switch inside a walk, so the tests make Python switch threads as
often as it can and keep walking until they see a wrong answer or their time is up.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from autograd import Value, grad, topological_order
from nn import MLP

THREADS = 4
# How long each thread keeps walking when nothing goes wrong. Before the fix every run of these tests
# saw a wrong answer within 0.6 s (12 runs of each); a correct engine spends the whole budget.
BUDGET_SECONDS = 2.0


@contextmanager
def threads_switching_constantly() -> Iterator[None]:
    """Ask Python to switch threads every microsecond (the default is every 5 ms), so walks interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def first_disagreement(work: Callable[[int], object], expected: list[object]) -> tuple[int, object] | None:
    """Run work(k) over and over in thread k until one result differs from expected[k]; (k, result) or None."""
    wrong: list[tuple[int, object]] = []
    stop = threading.Event()
    start = threading.Barrier(THREADS)

    def loop(k: int) -> None:
        start.wait()
        end = time.monotonic() + BUDGET_SECONDS
        while time.monotonic() < end and not stop.is_set():
            got = work(k)
            if got != expected[k]:
                wrong.append((k, got))
                stop.set()

    with threads_switching_constantly():
        threads = [threading.Thread(target=loop, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return wrong[0] if wrong else None


def shared_model_outputs() -> tuple[list[Value], list[Value]]:
    """The outputs of one MLP on one input: every output shares the hidden layers' nodes with the others."""
    model = MLP(4, [16, 16, THREADS], activation="tanh", seed=0)
    return model([0.1, -0.2, 0.3, 0.4]), model.parameters()


def test_grad_in_threads_on_shared_graphs_equals_grad_alone():
    outputs, params = shared_model_outputs()
    alone = [grad(out, params) for out in outputs]  # one Jacobian row per output, no threads
    assert first_disagreement(lambda k: grad(outputs[k], params), alone) is None


def test_topological_order_in_threads_on_shared_graphs_equals_the_order_alone():
    outputs, _ = shared_model_outputs()
    alone = [topological_order(out) for out in outputs]
    assert first_disagreement(lambda k: topological_order(outputs[k]), alone) is None


def test_grad_with_create_graph_in_threads_equals_grad_alone():
    outputs, params = shared_model_outputs()
    few = params[:8]  # each call builds a graph of its own: a few inputs keep the test fast

    def numbers(k: int) -> list[float]:
        return [g.data for g in grad(outputs[k], few, create_graph=True)]

    assert first_disagreement(numbers, [numbers(k) for k in range(THREADS)]) is None


def test_backward_from_threads_on_one_graph_adds_up_as_if_called_one_after_another():
    # backward() writes .grad, so calls take turns; the same pass repeated gives the same leaf
    # totals whichever thread ran it, so n passes from threads must equal n passes in a row, bit for bit.
    outputs, params = shared_model_outputs()
    loss = sum(outputs[1:], outputs[0])
    calls_per_thread = 25
    for p in params:
        p.grad = 0.0
    for _ in range(THREADS * calls_per_thread):
        loss.backward()
    in_a_row = [p.grad for p in params]
    for p in params:
        p.grad = 0.0

    def passes() -> None:
        for _ in range(calls_per_thread):
            loss.backward()

    with threads_switching_constantly():
        threads = [threading.Thread(target=passes) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [p.grad for p in params] == in_a_row


def test_grad_in_one_thread_is_right_while_another_runs_backward_on_the_same_graph():
    outputs, params = shared_model_outputs()
    alone = [grad(out, params) for out in outputs]
    loss = sum(outputs[1:], outputs[0])

    def work(k: int) -> object:
        if k == 0:  # this thread keeps writing .grad into every node while the others walk
            loss.backward()
            return alone[0]
        return grad(outputs[k], params)

    assert first_disagreement(work, alone) is None
