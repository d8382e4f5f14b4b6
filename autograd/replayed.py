"""Graphs a `Tape` has replayed: the tape holds newer numbers than their Values until it writes them back.

A replay computes in the tape's arrays (autograd/tape/). Writing every node back after each run
would cost Python per node per run, the very cost the tape removes, so a tape writes back only
its output (and the input leaves it was fed), and registers here while its arrays hold numbers
its Values lack: the interior nodes after a run, the parameters while it trains them
(`tape.training(optimizer)`). Every eager tool that reads a graph's numbers (backward(), grad(),
topological_order and what is built on it: draw_dot, explain_backward, walkthrough) first calls
`bring_up_to_date(root)`: each registered tape whose graph shares a node with root's writes its
numbers back (`tape.sync()`), so the tool sees the current numbers. With no tape in play, the
cost is one test of an empty dict per call.
"""

from __future__ import annotations

import weakref
from typing import Any

# id(tape) -> a weak reference to it: a tape dropped by its user leaves by itself, taking no graph with it.
# A dict, not a weakref.WeakSet, because the eager tools test it on every call: `if OUT_OF_DATE` on a
# dict is one C-level check (~20 ns), where a WeakSet's length is Python code (~200 ns).
OUT_OF_DATE: dict[int, weakref.ref] = {}


def add(tape: Any) -> None:
    """Register a tape whose arrays hold numbers its Values lack."""
    key = id(tape)
    if key not in OUT_OF_DATE:
        OUT_OF_DATE[key] = weakref.ref(tape, lambda _, key=key: OUT_OF_DATE.pop(key, None))


def discard(tape: Any) -> None:
    """The tape's Values are current again."""
    OUT_OF_DATE.pop(id(tape), None)


def holds(tape: Any) -> bool:
    """Whether the tape is registered as out of date."""
    ref = OUT_OF_DATE.get(id(tape))
    return ref is not None and ref() is tape


def bring_up_to_date(root: Any, adds_gradients: bool = False) -> None:
    """Have every out-of-date tape whose graph shares a node with `root`'s write its numbers back.

    `adds_gradients`: the tool is backward(), which adds into the leaves' .grad. Inside
    `tape.training(...)` the parameters' gradients live in the tape's arrays, where those
    additions would be lost: refused, saying what to do instead.
    """
    for ref in list(OUT_OF_DATE.values()):
        tape = ref()
        if tape is not None and tape.reaches(root):
            if adds_gradients and tape._training is not None:
                raise RuntimeError(
                    "backward(): this graph uses parameters that a Tape is training (inside `with"
                    " tape.training(optimizer):`), whose gradients live in the tape's arrays until the block ends;"
                    " use tape.run() or tape.run_batch() inside the block, or call backward() after it"
                )
            tape.sync()
