"""Training on a tape: the parameters' numbers and gradients kept in arrays, updated by the optimizer with NumPy.

A training step that reads 2,410 parameters' `.data` into the tape, writes their `.grad` back and
updates each in a Python loop spends more time in that loop than the compiled replay spends on
32 samples. So, inside

    with tape.training(optimizer):
        for rows in batches:
            tape.run_batch(rows)
            optimizer.step(); optimizer.zero_grad()

the tape owns the parameters: their numbers and gradients live in two arrays here (`data`,
`grad`, one entry per wrt leaf), `run`/`run_batch`/`forward_batch` read and add into them, and
the optimizer's `step()` and `zero_grad()` update them with a few NumPy operations, whatever
the number of parameters. The Values are written back when the block ends (also on an error)
and whenever `tape.sync()` runs, which every eager tool does before it reads the graph; inside
the block, `p.data` and `p.grad` read directly are those of the last write-back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numba import njit

from autograd import replayed
from autograd.tape import leaves as feeding


@contextmanager
def training(tape: Any, optimizer: Any) -> Iterator[Any]:
    """The context of `tape.training(optimizer)`: arrays in, the Values written back on the way out."""
    if tape._training is not None:
        raise ValueError("Tape.training: this tape is already training (one with-block at a time)")
    tape._training = Training(tape, optimizer)
    optimizer._bind_arrays(tape._training)
    replayed.add(tape)
    try:
        yield tape
    finally:
        arrays, tape._training = tape._training, None
        optimizer._unbind_arrays()
        arrays.write_back()
        if not tape._interior_stale:
            replayed.discard(tape)


class Training:
    """The arrays a tape trains its wrt leaves in, and the optimizer updating them."""

    def __init__(self, tape: Any, optimizer: Any) -> None:
        who = "Tape.training"
        if not callable(getattr(optimizer, "_bind_arrays", None)):
            raise TypeError(f"{who} needs an optimizer from nn (SGD, Adam, AdamW), got {type(optimizer).__name__}")
        if getattr(optimizer, "_arrays", None) is not None:
            raise ValueError(f"{who}: this optimizer is already training inside another tape.training() block")
        self.tape, self.optimizer = tape, optimizer
        self.data = np.frombuffer(feeding.read(tape, who, tape._targets), dtype=np.float64).copy()
        self.grad = np.array([p.grad for p in tape._targets], dtype=np.float64)
        # The optimizer's parameters in its own order; None when that is the tape's order (no copying).
        self.index = _optimizer_order(tape, optimizer, who)

    def write_back(self) -> None:
        """Each wrt leaf's .data and .grad from the arrays (one Python loop over the parameters)."""
        for leaf, x, g in zip(self.tape._targets, self.data.tolist(), self.grad.tolist()):
            leaf.data = x
            leaf.grad = g


def _optimizer_order(tape: Any, optimizer: Any, who: str) -> np.ndarray | None:
    """Where each of the optimizer's parameters sits among the tape's wrt leaves; None if in the same order."""
    params, targets = list(optimizer.params), tape._targets
    if len(params) == len(targets) and all(p is t for p, t in zip(params, targets)):
        return None  # model.parameters() both: a tenth of the time of looking each one up
    place = {leaf: m for m, leaf in enumerate(targets)}
    index = []
    for i, p in enumerate(params):
        if p not in place:
            raise ValueError(
                f"{who}: the optimizer's parameter {i} is not a wrt leaf of this tape, so the tape has no gradient"
                " for it; record the tape with wrt=the optimizer's parameters (e.g. model.parameters())"
            )
        index.append(place[p])
    return None if index == list(range(len(targets))) else np.array(index, dtype=np.int64)


def add_gradient(tape: Any, who: str, sums: np.ndarray, divisor: float, finite_rows: bool) -> np.ndarray:
    """Add a batch's gradient, sums / divisor, into the wrt leaves (or the training arrays) and return it,
    refusing a sum that overflows.

    `finite_rows`: every row's own gradients were finite, so an inf or nan here began in the sum.
    Nothing is written unless the whole sum is allowed.
    """
    training = tape._training
    if training is not None:
        gradient, added = _divided_and_added(sums, float(divisor), training.grad)
        if added:  # the common case, in one compiled pass; else below decides whether to refuse it
            return gradient
    else:
        gradient = sums / divisor
    before = training.grad if training is not None else np.array([leaf.grad for leaf in tape._targets])
    totals = before + gradient
    began_here = None if np.isfinite(totals).all() else (
        ~np.isfinite(totals) & np.isfinite(before) & (np.isfinite(gradient) | finite_rows))
    if began_here is not None and began_here.any():
        m = int(np.flatnonzero(began_here)[0])
        raise OverflowError(
            f"{who}: adding up the samples' gradients of {feeding.role(tape, tape._targets[m])} overflows float64"
            f" ({float(before[m])!r} + {float(gradient[m])!r});"
            " rescale the inputs, or use smaller batches with reduction='mean'"
        )
    if training is not None:
        training.grad[:] = totals
    else:
        for leaf, total in zip(tape._targets, totals.tolist()):
            leaf.grad = total
    return gradient


@njit(cache=True)
def _divided_and_added(sums, divisor, into):
    """(sums / divisor, True) with it added into `into`; or (sums / divisor, False), `into` unchanged, if
    some total would not be finite (add_gradient then decides). NumPy's `before + sums / n`, its bits:
    a step's Python costs 4 µs less than with the four NumPy calls (the digits' 2,410 gradients). It calls
    no compiled code of another file, so Numba's cache of it, keyed by this file, cannot go stale."""
    gradient = sums / divisor
    for m in range(len(gradient)):
        if not math.isfinite(into[m] + gradient[m]):
            return gradient, False
    for m in range(len(gradient)):
        into[m] += gradient[m]
    return gradient, True
