"""One run of a tape, put together in Python from the compiled passes of autograd/tape/kernels.py.

A run is the forward pass, then the backward pass from the output. The backward pass runs
unchecked (a third faster) and one scan looks for an inf or nan in its gradients; only then does
the checked pass run, to raise where `backward()` would raise, or to let a nan that was already
there flow on. The fast path is one compiled call (`kernels.replay`); the checked pass is called
from Python, so it is compiled only the first time a run needs it: a first run in a fresh
environment compiles less than half the code it used to.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def backward(k: Any, rec: Any, values: np.ndarray, grads: np.ndarray, targets: np.ndarray,
             seeds: np.ndarray | None) -> tuple[int, int]:
    """d output / d slot into `grads`, each target slot starting from `seeds` (None: 0), as backward() adds.

    Returns (k.OK, 0), or (slot, operand position) where the engine's backward would raise.
    """
    _seed(rec, grads, targets, seeds)
    failed, _ = k.backward_unchecked(rec.codes, rec.first, rec.operands, values, grads, rec.start)
    if failed == k.OK and k.all_finite(grads):
        return k.OK, 0
    _seed(rec, grads, targets, seeds)  # something to look at closely: the checked pass, from the start
    return k.backward(rec.codes, rec.first, rec.operands, values, grads, rec.start)


def _seed(rec: Any, grads: np.ndarray, targets: np.ndarray, seeds: np.ndarray | None) -> None:
    grads[:] = 0.0
    if seeds is not None:
        grads[targets] = seeds
    grads[rec.output] += 1.0  # d output / d output (onto its seed, if the output is itself a target)


def run_checked(k: Any, rec: Any, grads: np.ndarray, targets: np.ndarray, before: np.ndarray,
                alone: np.ndarray) -> tuple[int, int]:
    """The backward passes of a run again, each checked if it meets an inf or nan (after `kernels.replay`
    said LOOK_CLOSELY; the forward pass went well and left its values).

    `alone` gets this run's d output / d target, `grads` the targets' new totals: starting from
    `before`, each path's share added in backward()'s order (not before + alone, which rounds
    differently). Returns (k.OK, 0), or (slot, operand position) where backward() would raise;
    `alone` is written only when both passes went well.
    """
    failed, position = backward(k, rec, rec.values, grads, targets, None)
    if failed != k.OK:
        return failed, position
    fresh = grads[targets]
    if np.any(before != 0.0) or np.any(np.signbit(before)):  # 0.0 + a is a to the bit; -0.0 + 0.0 is not -0.0
        failed, position = backward(k, rec, rec.values, grads, targets, before)
        if failed != k.OK:
            return failed, position
    alone[:] = fresh
    return k.OK, 0
