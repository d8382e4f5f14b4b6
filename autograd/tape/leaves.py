"""The numbers a tape reads and is fed: its leaves' `.data`, a run's `inputs`, a batch's rows, each checked.

A tape copies numbers into its arrays, where NumPy would quietly turn None into nan and "3" into
3.0. Every number is therefore checked on its way in, and a bad one raises an error that names
the leaf it was meant for (`wrt[2]`, `inputs[0] 'x'`), shows it, and says what to do; nothing is
written before everything has been checked.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.value import Value, shown, to_float


def role(tape: Any, leaf: Value) -> str:
    """How the tape's user names a leaf: "wrt[2]", "inputs[0] 'x'" (its first place, and its label)."""
    for what, leaves in (("wrt", tape.wrt), ("inputs", tape.inputs)):
        for i, v in enumerate(leaves):
            if v is leaf:
                return f"{what}[{i}]" + (f" {leaf.label!r}" if leaf.label else "")
    return "a leaf"  # not reached: a tape reads only its wrt and inputs leaves


def read(tape: Any, who: str, leaves: Sequence[Value]) -> array:
    """The leaves' `.data` as float64s, or a TypeError naming the first leaf whose `.data` is no real number."""
    try:  # array('d') takes floats and ints only: fast, and it refuses None and str, where NumPy would not
        return array("d", [v.data for v in leaves])
    except (TypeError, OverflowError):
        pass
    for leaf in leaves:
        try:
            to_float(leaf.data, "")
        except (TypeError, OverflowError):
            raise TypeError(
                f"{who}: the leaf {role(tape, leaf)} holds .data = {shown(leaf.data)}, not a number;"
                " set it to a float (leaf.data = 1.0) before the run"
            ) from None
    return array("d", [to_float(v.data) for v in leaves])  # NumPy scalars and the like, which to_float takes


def numbers_for_inputs(tape: Any, who: str, given: Any) -> list[float]:
    """One run's `inputs=`: one real number per input leaf, as floats (checked, so a bad batch changes nothing)."""
    given = np.asarray(given, dtype=object) if isinstance(given, (list, tuple)) else np.asarray(given)
    if given.shape != (len(tape.inputs),):
        raise ValueError(
            f"{who}: expected {len(tape.inputs)} input numbers (one per input leaf), got shape {given.shape}"
        )
    if given.dtype.kind in "biuf":  # an array of numbers already
        return given.astype(np.float64).tolist()
    return [to_float(x, f"{who}: inputs[{i}]") for i, x in enumerate(given.tolist())]  # None is no nan


def check_distinct_inputs(inputs: Sequence[Value]) -> None:
    """Refuse a leaf listed twice in `inputs`: a run feeds each one number, and one of the two would be lost."""
    first: dict[Value, int] = {}
    for i, leaf in enumerate(inputs):
        j = first.setdefault(leaf, i)
        if j != i:
            raise ValueError(
                f"Tape: inputs[{i}] is inputs[{j}] again; each input leaf is fed one number per run, so list it"
                " once (a second place would silently take the last number)"
            )


def rows_array(tape: Any, who: str, rows: Any) -> np.ndarray:
    """A batch as a C-contiguous float64 array of shape (samples, input leaves), or an error naming the row.

    The error names the first bad row and, for a bad number, the column's input leaf.
    """
    width = len(tape.inputs)
    if isinstance(rows, np.ndarray) and rows.dtype.kind in "biuf":
        if rows.ndim != 2 or rows.shape[1] != width:
            raise ValueError(
                f"{who}: rows must have shape (samples, {width}): one row per sample, one column per input leaf;"
                f" got an array of shape {rows.shape}"
            )
        if rows.shape[0] == 0:
            raise ValueError(f"{who}: the batch is empty (shape {rows.shape}); pass at least one row")
        return np.ascontiguousarray(rows, dtype=np.float64)
    if isinstance(rows, (str, bytes, Value)) or not hasattr(rows, "__len__"):
        raise TypeError(f"{who}: rows must be a 2-D array or a list of rows (lists of numbers), got {shown(rows)}")
    rows = list(rows)
    if not rows:
        raise ValueError(f"{who}: the batch is empty; pass at least one row")
    out = np.empty((len(rows), width))
    for r, row in enumerate(rows):
        if isinstance(row, (str, bytes, Value)) or not hasattr(row, "__len__"):
            raise TypeError(f"{who}: row {r} must be a list of {width} numbers (one per input leaf), got {shown(row)}")
        if len(row) != width:
            raise ValueError(f"{who}: row {r} has {len(row)} numbers, but the tape has {width} input leaves")
        for c, x in enumerate(row):
            try:
                out[r, c] = to_float(x, "")
            except (TypeError, OverflowError):
                raise TypeError(
                    f"{who}: row {r}, column {c} (for {role(tape, tape.inputs[c])}) is {shown(x)}, not a number"
                ) from None
    return out
