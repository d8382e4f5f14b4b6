"""One sample's graph, every sample's numbers: a tape replayed over the rows of a batch.

The graph of one sample's loss is recorded once, with its pixels and class as input leaves.
`Tape.run_batch(rows)` then runs it for every row in one compiled loop: the rows' numbers into
the input slots, the forward pass, the outputs kept, the backward pass, and the rows' gradients
added into one sum per wrt leaf. It takes the rows LANES at a time (autograd/tape/lanes.py:
each op for several samples before the next op, which keeps the processor busy), and falls
back to one row at a time, with every check of the one-sample passes, for a batch with a
number to look at closely. Python sees the batch, not the samples: nothing is allocated per
sample, and the sums are added in a fixed order, so the same batch gives the same bits.

The batch works in arrays of its own (a copy of the tape's values and gradients), so the numbers
of the tape's last `run()`, which `sync()` writes into the graph, are left as they were.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from numba import njit

from autograd.tape import leaves as feeding
from autograd.tape.kernel_checks import _finite
from autograd.tape.kernels import DOT, OK, all_finite, backward_unchecked, forward
from autograd.tape.lanes import LANES, backward_lanes, forward_lanes

LOOK_CLOSELY = -2  # a row's unchecked backward pass met an inf or nan: Python runs the checked pass on it


@njit(cache=True)
def replay_lanes(codes, first, operands, values, grads, start, output, columns, rows, parameters, sums, outputs,
                 with_backward, every_lane, inputs_unread, scratch):
    """Every row, LANES at a time (autograd/tape/lanes.py); sums = the targets' gradients added over the rows.

    A target read only as a dot's weight (2,368 of the digits' 2,410) has each group's share added
    into its sum as the group's backward pass goes (lanes._lanes_dot). Any other target has each
    lane add its rows' gradients into its slot (rows s, s + LANES, ...), and the lanes are added at
    the end in order. Fixed orders both, so the same batch gives the same bits. Returns OK, or the
    slot where some row needs the one-by-one path (the caller then replays the whole batch that
    way). The target slots' gradients are 0.0 on the way in and are left so on the way out (they
    are set to 0.0 as they are added up: one pass over them, not two).
    """
    n = rows.shape[0]
    targets = len(parameters)  # the wrt leaves: slots 0 .. targets - 1, the same number in every lane
    uniform = targets  # ... unless a row feeds one of them (a leaf both wrt and an input)
    for c in range(len(columns)):
        if columns[c] < targets:
            uniform = 0
    largest_weight = 0.0  # of the wrt leaves' numbers, or inf: the lanes' backward pass may then skip some work
    for m in range(targets):
        if every_lane[m] or uniform == 0:
            values[m, :] = parameters[m]
        else:  # only ever read at lane 0, as a dot's weight (2,368 of the digits' 2,410): a third of the time
            values[m, 0] = parameters[m]
        sums[m] = 0.0
        if not _finite(parameters[m]):
            largest_weight = math.inf
        elif abs(parameters[m]) > largest_weight:
            largest_weight = abs(parameters[m])
    for first_row in range(0, n, LANES):
        used = min(LANES, n - first_row)
        for s in range(LANES):  # a short last group repeats its first row in the spare lanes, seeded 0 below
            r = first_row + s if s < used else first_row
            for c in range(len(columns)):
                values[columns[c], s] = rows[r, c]
        failed = forward_lanes(codes, first, operands, values, start, uniform, scratch)
        if failed != OK:
            grads[:targets, :] = 0.0
            return failed
        for s in range(used):
            outputs[first_row + s] = values[output, s]
        if with_backward:
            grads[targets:, :] = 0.0  # the target slots keep their running sums
            for s in range(LANES):
                grads[output, s] += 1.0 if s < used else 0.0
            failed = backward_lanes(codes, first, operands, values, grads, start, uniform, largest_weight,
                                    inputs_unread, scratch, every_lane, sums)
            if failed != OK or not all_finite(grads[targets:].ravel()):
                grads[:targets, :] = 0.0
                return max(failed, start)
    if with_backward:
        for m in range(targets):
            if every_lane[m] or uniform == 0:  # the others' sums are done
                total = grads[m, 0]
                for s in range(1, LANES):
                    total += grads[m, s]
                sums[m] = total
                grads[m, :] = 0.0  # ready for the next batch
        if not all_finite(sums):
            return start
    return OK


@njit(cache=True)
def replay_rows(codes, first, operands, values, grads, start, output, columns, rows, row, targets, sums, outputs,
                with_backward):
    """From `row` on, one row at a time: its numbers into the `columns` slots, forward, outputs[r]; backward,
    sums += d out / d targets. The path for a batch with a number to look at closely.

    Returns (OK, rows, 0) when every row went well, (slot, r, -1) where row r's forward pass
    stopped, and (slot or OK, r, LOOK_CLOSELY) where row r's backward pass needs the checked pass.
    """
    for r in range(row, rows.shape[0]):
        for c in range(len(columns)):
            values[columns[c]] = rows[r, c]
        failed = forward(codes, first, operands, values, start)
        if failed != OK:
            return failed, r, -1
        outputs[r] = values[output]
        if with_backward:
            grads[:] = 0.0
            grads[output] = 1.0
            failed, _ = backward_unchecked(codes, first, operands, values, grads, start)
            if failed != OK or not all_finite(grads):
                return failed, r, LOOK_CLOSELY
            for m in range(targets):
                sums[m] += grads[m]
    return OK, rows.shape[0], 0


def dot_halves(rec: Any) -> Iterator[tuple[int, int, int, int]]:
    """Each dot's slot i and where its operands' two halves lie: weights at [j, middle), x_k at [middle, end)."""
    for i in np.flatnonzero(rec.codes == DOT).tolist():
        j, end = int(rec.first[i]), int(rec.first[i + 1])
        yield i, j, j + (end - j) // 2, end


def dots_with_inputs_unread(rec: Any, targets: int) -> np.ndarray:
    """For each slot, whether it is a dot whose weights are wrt leaves no row feeds and whose x_k are leaves
    outside wrt (a row's pixels): no one reads the x_k's gradients (run_batch hands back the wrt leaves')."""
    unread = np.zeros(len(rec.codes), np.bool_)
    if (rec.inputs < targets).any():  # a row feeds a wrt leaf: replay_lanes' uniform is 0
        return unread
    for i, j, middle, end in dot_halves(rec):
        weights, inputs = rec.operands[j:middle], rec.operands[middle:end]
        unread[i] = (weights < targets).all() and ((inputs >= targets) & (inputs < rec.start)).all()
    return unread


def cache_aligned(shape: tuple[int, int]) -> np.ndarray:
    """An empty float64 array whose first number begins a 64-byte cache line, so that each slot's lanes
    fill whole lines (32 lanes, 256 bytes: four lines, not five): the digits' replay ran 5-10% faster
    so, at sixteen lanes, than from where NumPy happened to place it (16 bytes past a line, 32 or 48)."""
    count = shape[0] * shape[1]
    raw = np.empty(count + 8, dtype=np.float64)
    skip = (-raw.ctypes.data % 64) // 8
    return raw[skip : skip + count].reshape(shape)


def read_in_every_lane(rec: Any, targets: int) -> np.ndarray:
    """For each wrt leaf, whether some op reads its number in every lane, not only as a dot's weight (lane 0).

    The lanes' dot reads a weight the same in every lane once, from lane 0 (lanes.forward_lanes);
    any other read, and the output, takes each lane's own copy, which the replay must then fill.
    """
    as_weight = np.zeros(len(rec.operands), np.bool_)  # operand positions holding a dot's weight
    for _, j, middle, _ in dot_halves(rec):
        as_weight[j:middle] = True
    read = rec.operands[~as_weight]
    every_lane = np.zeros(targets, np.bool_)
    every_lane[read[read < targets]] = True
    if rec.output < targets:
        every_lane[rec.output] = True
    return every_lane


class Batch:
    """The arrays a tape's batch replays work in, made once per tape: one sample's, and each slot once per lane."""

    def __init__(self, tape: Any) -> None:
        values = tape.recording.values
        self.values = values.copy()  # one sample: constants as recorded; leaves and op slots filled per row
        self.grads = np.zeros_like(values)
        self.lane_values = cache_aligned((len(values), LANES))  # (slots, LANES)
        self.lane_values[:] = values[:, None]
        self.lane_grads = cache_aligned((len(values), LANES))
        self.lane_grads[:] = 0.0
        self.lane_scratch = cache_aligned((2, LANES))  # softmax's largest logit and sum, lane by lane
        self.sums = np.zeros(len(tape._targets))
        self.columns = tape.recording.inputs.astype(np.int64)
        self.every_lane = read_in_every_lane(tape.recording, len(tape._targets))
        self.inputs_unread = dots_with_inputs_unread(tape.recording, len(tape._targets))

    @property
    def nbytes(self) -> int:
        arrays = (self.values, self.grads, self.lane_values, self.lane_grads, self.lane_scratch, self.sums,
                  self.columns, self.every_lane, self.inputs_unread)
        return sum(a.nbytes for a in arrays)


def replay(tape: Any, who: str, rows: Any, with_backward: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """Every row of `rows` through the tape: (the outputs, the summed gradients of the targets, whether
    every row's gradients were finite).

    A row the engine refuses raises its error, naming the row (and the input columns the op read);
    nothing outside the batch's own arrays has changed by then. One core: the batch cut in two
    halves on two threads (with the same bits, the halves' sums added in order) was slower on the
    shared 2-core machine this was measured on (36-40 ms an epoch of W5 against 24-33), and the
    cut alone cost 15 µs a batch on one thread.
    """
    table = feeding.rows_array(tape, who, rows)
    rec = tape.recording
    if tape._batch is None:
        tape._batch = Batch(tape)
    work = tape._batch
    if tape._training is not None:
        parameters = tape._training.data
    else:
        parameters = np.frombuffer(feeding.read(tape, who, tape._targets), dtype=np.float64)
    outputs = np.empty(len(table))
    if replay_lanes(rec.codes, rec.first, rec.operands, work.lane_values, work.lane_grads, rec.start, rec.output,
                    work.columns, table, parameters, work.sums, outputs, with_backward, work.every_lane,
                    work.inputs_unread, work.lane_scratch) == OK:
        return outputs, work.sums, True  # the batch's own array: run_batch divides it into a new one
    return _one_by_one(tape, who, table, parameters, with_backward, outputs)


def _one_by_one(tape: Any, who: str, table: np.ndarray, parameters: np.ndarray, with_backward: bool,
                outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """The batch one row at a time, each row's backward pass checked where it met an inf or nan."""
    k, rec, work = tape._k, tape.recording, tape._batch
    values, grads, sums = work.values, work.grads, work.sums
    targets = len(tape._targets)
    values[:targets] = parameters
    sums[:] = 0.0
    row = 0
    finite_rows = True
    while True:
        failed, row, position = replay_rows(rec.codes, rec.first, rec.operands, values, grads, rec.start, rec.output,
                                            work.columns, table, row, targets, sums, outputs, with_backward)
        if position == 0:
            return outputs, sums, finite_rows
        if position == -1:
            _raise_at_row(tape, who, row, failed, -1, values, grads)
        # An inf or nan in this row's gradients: the checked pass decides (an error, or a nan that flows on).
        grads[:] = 0.0
        grads[rec.output] = 1.0
        failed, position = k.backward(rec.codes, rec.first, rec.operands, values, grads, rec.start)
        if failed != k.OK:
            _raise_at_row(tape, who, row, failed, position, values, grads)
        sums += grads[:targets]  # the row's inf or nan was already there: it flows on
        finite_rows = False
        row += 1


def _raise_at_row(tape: Any, who: str, row: int, slot: int, position: int, values: np.ndarray,
                  grads: np.ndarray) -> None:
    """Raise the engine's error for the step at `slot` of row `row`, naming the row and the columns the op read."""
    from autograd.tape import errors

    rec = tape.recording
    read = set(rec.operands[rec.first[slot] : rec.first[slot + 1]].tolist())
    columns = [c for c, s in enumerate(rec.inputs.tolist()) if s in read]
    fed = "".join(f"; the op reads column {c} ({feeding.role(tape, tape.inputs[c])})" for c in columns[:3])
    try:
        if position < 0:
            errors.raise_forward_error(rec, slot, values)
        errors.raise_backward_error(rec, grads, slot, position, values)
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"{who}: row {row}: {error}{fed}") from None
