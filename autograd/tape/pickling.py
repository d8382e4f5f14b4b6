"""Pickling a Tape: its arrays and its leaves' numbers, not the graph behind its output.

A tape exists to run a graph without a Python object per node; pickled, it is the program (the
recording's arrays) and what it reads and writes (its wrt and inputs leaves). Unpickled, `wrt`
and `inputs` are new leaf Values with the same numbers, gradients and labels, and `output` a leaf
holding the last output: `run`, `run_batch` and `training` work as before, and `sync` has no
interior nodes to write. (A graph of Values is another object to pickle, for those who want it.)
"""

from __future__ import annotations

import threading
from typing import Any

from autograd.value import Value


def state_of(tape: Any) -> dict:
    """What pickle stores of `tape`."""
    if tape._training is not None:
        raise TypeError("Tape: cannot pickle a tape inside `with tape.training(optimizer):`; pickle it after"
                        " the block, when the parameters' numbers are back in their Values")
    state = {key: v for key, v in tape.__dict__.items() if key not in ("_k", "_made", "_training", "_batch", "_turn")}
    leaves = list(dict.fromkeys([*tape.wrt, *tape.inputs]))
    where = {leaf: n for n, leaf in enumerate(leaves)}
    state["_leaf_numbers"] = [(v.data, v.grad, v.label) for v in leaves]
    for key in ("wrt", "inputs", "_targets", "_fed"):
        state[key] = [where[v] for v in getattr(tape, key)]
    out = tape.output
    state["output"] = (out.data, out.grad, out.label)
    state["_has_graph"] = False
    state["_interior_stale"] = False
    return state


def restore(tape: Any, state: dict) -> None:
    """Fill a new tape from what `state_of` stored."""
    leaves = []
    for data, grad, label in state.pop("_leaf_numbers"):
        leaf = Value(data, label=label)
        leaf.grad = grad
        leaves.append(leaf)
    for key in ("wrt", "inputs"):
        state[key] = tuple(leaves[n] for n in state[key])
    for key in ("_targets", "_fed"):
        state[key] = [leaves[n] for n in state[key]]
    data, grad, label = state["output"]
    state["output"] = Value(data, label=label)
    state["output"].grad = grad
    tape.__dict__.update(state)
    tape._made = None
    tape._training = None
    tape._batch = None
    tape._turn = threading.Lock()
