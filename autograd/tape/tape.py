"""`Tape`: a finished graph recorded once as flat arrays, then replayed at native speed.

    loss = total_loss(model, xs, ys)            # built once, eagerly
    tape = Tape(loss, wrt=model.parameters())
    for step in range(100):
        tape.run()                              # forward + backward, compiled
        opt.step(); opt.zero_grad()

Recording (autograd/tape/record.py) turns every number of the graph into a slot of one array
and every op into an op code with the slots of its operands. Replaying (autograd/tape/kernels.py)
is one loop over those arrays forward and one backward, compiled by Numba: no Python object
is touched per node. Print a small tape to see what it runs (`print(tape)`).

What is current where: a run writes its output's `.data`, the input leaves it was fed and the
wrt leaves' `.grad`; the interior nodes' numbers stay in the tape's arrays until `sync()` writes
them back, which every eager tool (backward(), grad(), draw_dot, walkthrough, ...) has done by
itself before it reads the graph (autograd/replayed.py).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import replayed
from autograd.arguments import count
from autograd.tape import leaves as feeding
from autograd.tape import passes
from autograd.value import Value

INSTALL_HINT = (
    "Tape compiles its loops with Numba, which is not installed: pip install 'scalar-autograd[fast]'"
    " (or pip install numba). Everything else in autograd works without it."
)


def position_of(leaves: list[Value]) -> dict[Value, int]:
    """Each leaf's place in the list (Values hash by identity)."""
    return {v: m for m, v in enumerate(leaves)}


_checked_cache = False


def _kernels() -> Any:
    """autograd.tape.kernels, imported on first use so that `import autograd` never needs Numba."""
    global _checked_cache
    try:
        from autograd.tape import kernels
    except ImportError as missing:
        if missing.name != "numba":
            raise
        raise ImportError(INSTALL_HINT, name="numba") from None
    if not _checked_cache:  # once per interpreter, before any compiled loop is loaded from the disk cache
        from autograd.tape import batch, compiled_cache, kernel_checks, lanes

        compiled_cache.drop_if_stale([kernel_checks, kernels, lanes, batch])
        _checked_cache = True
    return kernels


class Tape:
    """The graph behind `output`, recorded for replay: `run()` is forward + backward, compiled.

    `wrt`: leaves whose gradients you want (parameters). `inputs`: leaves whose numbers you
    feed anew on each run. Every other leaf is a constant, as recorded.

    >>> from autograd import Value
    >>> a, b, x = Value(2.0), Value(1.0), Value(3.0)
    >>> y = (a * x + b).tanh()
    >>> tape = Tape(y, wrt=[a, b], inputs=[x])
    >>> round(tape.run(inputs=[0.5]), 6), tape.grad.round(6).tolist()
    (0.964028, [0.035325, 0.070651])
    """

    def __init__(self, output: Value, wrt: Sequence[Value], inputs: Sequence[Value] = ()) -> None:
        if not isinstance(output, Value):
            raise TypeError(f"Tape needs the Value to replay as output, got {type(output).__name__} {output!r:.40}")
        self._k = _kernels()
        from autograd.tape.record import check_leaves, record  # needs the kernels' op codes, so Numba

        self.output = output
        self.wrt = tuple(check_leaves("wrt", wrt))
        self.inputs = tuple(check_leaves("inputs", inputs))
        feeding.check_distinct_inputs(self.inputs)
        self.recording = rec = record(output, list(self.wrt), list(self.inputs))
        self._grads = np.zeros_like(rec.values)  # the backward pass's work space
        slot = dict(zip(self.wrt, rec.wrt.tolist()))
        slot.update(zip(self.inputs, rec.inputs.tolist()))
        # Each wrt leaf once (a "target"): its gradient is added after a run (as backward() adds
        # once, however often it is listed). Each input that is no target is read before a run.
        self._targets = list(dict.fromkeys(self.wrt))
        self._target_slots = np.array([slot[v] for v in self._targets], dtype=np.int64)
        self._fed = [v for v in dict.fromkeys(self.inputs) if v not in position_of(self._targets)]
        self._fed_slots = np.array([slot[v] for v in self._fed], dtype=np.int64)
        position = position_of(self._targets)
        self._wrt_positions = np.array([position[v] for v in self.wrt], dtype=np.int64)  # wrt -> its target
        self._wrt_distinct = len(self._targets) == len(self.wrt)  # then wrt and the targets are one list
        self._grad_of_targets = np.zeros(len(self._targets))
        self._grad = np.zeros(len(self.wrt))
        # The state of the arrays: the leaves of the last pass that went well (a failed pass puts them
        # back and computes that pass again, so a failure changes nothing), and which pass it was.
        # (the numbers of the varying leaves, as read for that pass: wrt leaves, then fed inputs)
        self._good_leaves = (rec.values[self._target_slots].copy(), rec.values[self._fed_slots].copy())
        self._last_pass = "recorded"  # or "forward", "run"
        self._interior_stale = False  # True while the arrays hold numbers the interior Values lack
        self._has_graph = True  # False for a tape unpickled without its graph
        self._training: Any = None  # a Training (autograd/tape/training.py) inside `with tape.training(opt)`
        self._read: Any = None  # the varying leaves' numbers of the pass under way
        self._no_numbers = np.zeros(0)
        self._made: frozenset | None = None  # creation numbers of the op nodes, found when first needed
        self._batch: Any = None  # the arrays of the batch replay (autograd/tape/batch.py), made on first use
        self._turn = threading.Lock()  # held by the replay under way: the arrays hold one replay's numbers

    @property
    def grad(self) -> np.ndarray:
        """d output / d wrt of the last run, in wrt order (a copy; zeros before the first run)."""
        return self._grad.copy()

    @property
    def wrt_data(self) -> np.ndarray:
        """The wrt leaves' numbers, in wrt order (a copy): inside `training()` the arrays' (current), else their .data.

        Inside the block the Values are written back only at its end or on `sync()`; this reads the
        numbers the optimizer is updating, without a Python loop over the parameters.

        >>> from autograd import Value
        >>> a, b = Value(2.0), Value(-1.0)
        >>> Tape(a * b, wrt=[a, b]).wrt_data.tolist()
        [2.0, -1.0]
        """
        if self._training is not None:
            return self._training.data[self._wrt_positions]  # indexing by an array makes a copy
        return np.array(feeding.read(self, "Tape.wrt_data", self.wrt), dtype=np.float64)

    def __len__(self) -> int:
        """The number of op slots the tape runs."""
        return len(self.recording.codes) - self.recording.start

    @property
    def nbytes(self) -> int:
        """Bytes held by the tape's arrays (values, gradients, op codes, operand lists).

        Besides them, a copy of the leaves' numbers (8 bytes a leaf), and, from the first batch
        replay on, the batch's arrays (`batch_nbytes`).
        """
        rec = self.recording
        return rec.codes.nbytes + rec.first.nbytes + rec.operands.nbytes + rec.values.nbytes + self._grads.nbytes

    @property
    def batch_nbytes(self) -> int:
        """Bytes held by the batch replay's arrays (0 before the first run_batch or forward_batch)."""
        return 0 if self._batch is None else self._batch.nbytes

    # -- one pass ----------------------------------------------------------------------------------

    def forward(self, inputs: Sequence[float] | np.ndarray | None = None) -> float:
        """The forward pass only, from the wrt and inputs leaves' numbers (or `inputs`); returns the output."""
        return self._pass(False, inputs)

    def run(self, inputs: Sequence[float] | np.ndarray | None = None) -> float:
        """Forward and backward: sets output.data, adds d output / d w into each wrt leaf's .grad, returns the output.

        Like `backward()`, gradients accumulate in the leaves (zero them between steps);
        `tape.grad` holds this run's gradients alone, in wrt order. If the run fails, nothing
        changes: no `.grad`, not `tape.grad`, not the output, not the input leaves.
        """
        return self._pass(True, inputs)

    def _busy(self, who: str) -> RuntimeError:
        """The error of a replay begun while another replay of this tape is under way (self._turn is taken).

        A replay writes the tape's arrays (values, gradients, the batch's sums) and reads them back;
        two at once would read each other's numbers and hand back a wrong gradient without a word.
        Each replay takes and releases the lock inline: a helper taking the replay as an argument
        cost a tiny tape's run 1.2 µs of its 4.3, the inline lock 0.1.
        """
        return RuntimeError(
            f"{who}: this tape is in the middle of another replay (another thread's, or one called from inside"
            " this one, say by a number's __float__), and a tape holds one replay's numbers at a time; give each"
            " thread a tape of its own (record the graph once per thread), or let the threads take turns (a lock"
            " around the calls)"
        )

    def _pass(self, backward: bool, inputs: Sequence[float] | np.ndarray | None) -> float:
        """A run (with `backward`) or a forward pass, this thread's alone while it lasts; see `run`."""
        who = "Tape.run" if backward else "Tape.forward"
        if not self._turn.acquire(False):
            raise self._busy(who)
        try:
            return self._replay_pass(who, backward, inputs)
        finally:
            self._turn.release()

    def _replay_pass(self, who: str, backward: bool, inputs: Sequence[float] | np.ndarray | None) -> float:
        """The pass of `_pass`, once this thread has the tape to itself."""
        k, rec = self._k, self.recording
        fed = None
        if inputs is not None:  # checked first, then written: a bad batch changes nothing
            numbers = feeding.numbers_for_inputs(self, who, inputs)
            fed = [leaf.data for leaf in self.inputs]
            for leaf, x in zip(self.inputs, numbers):
                leaf.data = x
        try:
            self._load(who)
            if not backward:
                failed, position = k.forward(rec.codes, rec.first, rec.operands, rec.values, rec.start), -1
            else:
                training = self._training
                before = training.grad.copy() if training is not None else np.array(
                    [leaf.grad for leaf in self._targets], dtype=np.float64)  # the sums start from .grad
                failed, position = k.replay(rec.codes, rec.first, rec.operands, rec.values, self._grads, rec.start,
                                            rec.output, self._target_slots, before, self._grad_of_targets)
                if position == k.LOOK_CLOSELY:  # an inf or nan in a gradient: the checked passes decide
                    failed, position = passes.run_checked(k, rec, self._grads, self._target_slots, before,
                                                          self._grad_of_targets)
            if failed != k.OK:
                try:
                    self._raise(failed, position)
                finally:
                    self._put_back()
        except BaseException:
            if fed is not None:
                for leaf, x in zip(self.inputs, fed):
                    leaf.data = x
            raise
        if backward:
            # Each wrt leaf's .grad added up path by path, as backward() adds it: the kernel started
            # each leaf's slot from its .grad. Nothing above this line changed a leaf or tape.grad.
            totals = self._grads[self._target_slots]
            if self._training is not None:
                self._training.grad[:] = totals
            else:
                for leaf, total in zip(self._targets, totals.tolist()):
                    leaf.grad = total
            self._grad = self._grad_of_targets[self._wrt_positions]
        self._good_leaves = self._read
        self._last_pass = "run" if backward else "forward"
        out = self.output.data = float(rec.values[rec.output])
        if self._has_graph and not self._interior_stale and len(self):
            self._interior_stale = True
            replayed.add(self)
        return out

    # -- a batch: one row per sample -------------------------------------------------------------------

    def run_batch(self, rows: Any, reduction: str = "mean") -> np.ndarray:
        """Forward and backward for every row of `rows` (one per sample, one column per input leaf).

        Adds the mean (or, with reduction="sum", the sum) of the rows' gradients into the wrt
        leaves' .grad, as backward() of the averaged losses of one eager graph would, keeps it in
        `tape.grad`, and returns each row's output. A bad row raises an error naming the row,
        and changes nothing.

        >>> from autograd import Value
        >>> w, x = Value(2.0), Value(0.0)
        >>> tape = Tape((w * x) ** 2, wrt=[w], inputs=[x])
        >>> tape.run_batch([[1.0], [3.0]]).tolist(), w.grad  # d/dw = 2 w x**2: 4 and 36, their mean 20
        ([4.0, 36.0], 20.0)
        """
        who = "Tape.run_batch"
        if reduction not in ("mean", "sum"):
            raise ValueError(f"{who}: reduction must be 'mean' or 'sum', got {reduction!r:.40}")
        from autograd.tape import batch
        from autograd.tape.training import add_gradient

        if not self._turn.acquire(False):
            raise self._busy(who)
        try:
            outputs, sums, finite_rows = batch.replay(self, who, rows, with_backward=True)
            gradient = add_gradient(self, who, sums, len(outputs) if reduction == "mean" else 1.0, finite_rows)
            self._grad = gradient if self._wrt_distinct else gradient[self._wrt_positions]
        finally:
            self._turn.release()
        return outputs

    def forward_batch(self, rows: Any) -> np.ndarray:
        """The forward pass for every row of `rows`: each row's output (no gradient changes).

        >>> from autograd import Value
        >>> w, x = Value(2.0), Value(0.0)
        >>> Tape(w * x + 1.0, wrt=[w], inputs=[x]).forward_batch([[1.0], [-2.0]]).tolist()
        [3.0, -3.0]
        """
        from autograd.tape import batch

        who = "Tape.forward_batch"
        if not self._turn.acquire(False):
            raise self._busy(who)
        try:
            return batch.replay(self, who, rows, with_backward=False)[0]
        finally:
            self._turn.release()

    # -- training: the parameters in arrays ---------------------------------------------------------------

    def training(self, optimizer: Any) -> Any:
        """`with tape.training(optimizer):` the tape owns the wrt leaves' numbers and gradients (training.py).

        Inside, they live in arrays: `run`, `run_batch`, `forward_batch` read and add into them,
        and the optimizer's `step()` and `zero_grad()` update them with NumPy (the same numbers as
        outside), so a step costs no Python per parameter. The Values get their numbers back when
        the block ends (also on an error), on `tape.sync()`, and before any eager tool reads the
        graph; `p.data` and `p.grad` read directly inside the block are those of the last write-back.
        """
        from autograd.tape.training import training

        return training(self, optimizer)

    def _load(self, who: str) -> None:
        """Read every varying leaf's number into its slot: the parameters' from the training arrays inside
        `training()`, else from their `.data`; the inputs' from their `.data` (each checked)."""
        values = self.recording.values
        if self._training is not None:
            targets = self._training.data.copy()  # a copy: the optimizer changes the array after the run
        else:
            targets = feeding.read(self, who, self._targets)  # a new array each run: kept as it is
        values[self._target_slots] = targets
        fed = feeding.read(self, who, self._fed) if self._fed else self._no_numbers
        if self._fed:
            values[self._fed_slots] = fed
        self._read = (targets, fed)  # what this pass read: the last good pass's, if it goes well

    def _put_back(self) -> None:
        """After a failed pass: the arrays as the last good pass left them (its leaves, and that pass again)."""
        k, rec = self._k, self.recording
        rec.values[self._target_slots], rec.values[self._fed_slots] = self._good_leaves
        k.forward(rec.codes, rec.first, rec.operands, rec.values, rec.start)  # went well before: goes well again
        if self._last_pass == "run":  # interior gradients do not depend on where the leaves' sums started
            passes.backward(k, rec, rec.values, self._grads, self._target_slots, None)

    def _raise(self, slot: int, position: int) -> None:
        """A pass stopped at `slot`: raise what the eager engine raises there."""
        from autograd.tape import errors as tape_errors

        if position < 0:
            tape_errors.raise_forward_error(self.recording, slot)
        tape_errors.raise_backward_error(self.recording, self._grads, slot, position)

    # -- the Values ---------------------------------------------------------------------------------

    def sync(self) -> None:
        """Write the tape's numbers into its graph's Values: every op node's .data (and, after a run, .grad).

        Inside `training()` it also writes the parameters' numbers and gradients. Eager tools call
        it by themselves before they read a replayed graph (autograd/replayed.py).
        """
        from autograd.tape.writeback import write_back

        if self._training is not None:
            self._training.write_back()
        if self._interior_stale:
            write_back(self, with_gradients=self._last_pass == "run")
            self._interior_stale = False
        if self._training is None:
            replayed.discard(self)

    def __del__(self) -> None:
        # Dropped right after a run (Tape(y, ...).run(); y.backward()), a tape writes its numbers back
        # first, if anything else still holds its output (else the graph goes with it: nothing to do).
        if getattr(self, "_interior_stale", False) and not sys.is_finalizing() and sys.getrefcount(self.output) > 2:
            self.sync()

    def reaches(self, root: Value) -> bool:
        """Whether the graph behind `root` shares a node whose numbers this tape holds newer than the Value."""
        from autograd.tape.writeback import reaches

        if not self._has_graph:
            return root is self.output or (self._training is not None and reaches(self, root, True))
        return reaches(self, root, parameters=self._training is not None)

    # -- printing and pickling ------------------------------------------------------------------------

    def listing(self, max_lines: int = 80) -> str:
        """The tape as a program: its leaves, one line per op forward, then the backward lines."""
        from autograd.tape.listing import listing

        return listing(self, count("Tape.listing", "max_lines", max_lines))

    def __str__(self) -> str:
        return self.listing()

    def __repr__(self) -> str:
        rec = self.recording
        return (
            f"<Tape: {len(self)} ops over {rec.start} leaves, {len(self.wrt)} wrt, {len(self.inputs)} inputs,"
            f" {self.nbytes:,} bytes>"
        )

    def __getstate__(self) -> dict:
        """A pickled tape is its arrays and its leaves' numbers, not the graph behind its output (pickling.py)."""
        from autograd.tape.pickling import state_of

        return state_of(self)

    def __setstate__(self, state: dict) -> None:
        from autograd.tape.pickling import restore

        restore(self, state)
        self._k = _kernels()
