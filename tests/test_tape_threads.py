"""A Tape and threads: a replay is refused while another thread is inside one on the same tape."""

from __future__ import annotations

import fractions
import pickle
import threading

import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from autograd import Tape, Value

WAIT = 30  # seconds: only reached if the replay under test never starts or never ends (a failure either way)


def test_a_second_thread_is_refused_while_one_replays_and_the_first_ends_as_if_alone():
    w, x = Value(2.0, label="w"), Value(0.0, label="x")
    tape = Tape((w * x) ** 2, wrt=[w], inputs=[x])
    inside, go_on = threading.Event(), threading.Event()

    class Slow(fractions.Fraction):
        """A number whose float() waits for the test: the first thread's run_batch stays inside the tape."""

        def __float__(self) -> float:
            inside.set()
            go_on.wait(WAIT)
            return super().__float__()

    result = {}
    first = threading.Thread(target=lambda: result.update(outputs=tape.run_batch([[Slow(1)], [3.0]]).tolist()))
    first.start()
    assert inside.wait(WAIT)
    refused = (("run_batch", lambda: tape.run_batch([[5.0]])), ("forward_batch", lambda: tape.forward_batch([[5.0]])),
               ("run", lambda: tape.run([5.0])), ("forward", lambda: tape.forward([5.0])))
    for name, call in refused:
        with pytest.raises(RuntimeError, match=rf"Tape\.{name}: this tape is in the middle of another replay"):
            call()
    go_on.set()
    first.join(WAIT)
    # The first replay saw nothing of the refused ones: d/dw (w x)**2 = 2 w x**2 at x = 1 and 3, their mean.
    assert result["outputs"] == [4.0, 36.0] and w.grad == 20.0 and tape.grad.tolist() == [20.0]
    assert x.data == 0.0  # the refused run(inputs=[5.0]) wrote no input leaf
    assert tape.run([1.0]) == 4.0  # the tape is free again


def test_a_tape_pickles_without_its_lock_and_the_copy_takes_turns_of_its_own():
    w, x = Value(0.5), Value(0.0)
    tape = Tape((w * x).tanh(), wrt=[w], inputs=[x])
    copy = pickle.loads(pickle.dumps(tape))
    assert copy.run([2.0]) == tape.run([2.0])
    assert copy.run_batch([[1.0], [2.0]]).tolist() == tape.run_batch([[1.0], [2.0]]).tolist()
    assert copy._turn is not tape._turn and not copy._turn.locked()
