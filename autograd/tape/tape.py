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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.value import Value, to_float

INSTALL_HINT = (
    "Tape compiles its loops with Numba, which is not installed: pip install 'scalar-autograd[fast]'"
    " (or pip install numba). Everything else in autograd works without it."
)


def _kernels() -> Any:
    """autograd.tape.kernels, imported on first use so that `import autograd` never needs Numba."""
    try:
        from autograd.tape import kernels
    except ImportError as missing:
        if missing.name != "numba":
            raise
        raise ImportError(INSTALL_HINT, name="numba") from None
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
        self.recording = rec = record(output, list(self.wrt), list(self.inputs))
        self._grads = np.zeros_like(rec.values)  # the backward pass's work space
        slot = dict(zip(self.wrt, rec.wrt.tolist()))
        slot.update(zip(self.inputs, rec.inputs.tolist()))
        # Each varying leaf once: its number is read before a run; each wrt leaf once: its
        # gradient is added after a run (as backward() adds once, however often it is listed).
        self._read = list(slot)
        self._read_slots = np.array([slot[v] for v in self._read], dtype=np.int64)
        self._targets = list(dict.fromkeys(self.wrt))
        self._target_slots = np.array([slot[v] for v in self._targets], dtype=np.int64)
        position = {v: m for m, v in enumerate(self._targets)}
        self._wrt_positions = np.array([position[v] for v in self.wrt], dtype=np.int64)  # wrt -> its target
        self._grad_of_targets = np.zeros(len(self._targets))
        self._grad = np.zeros(len(self.wrt))

    @property
    def grad(self) -> np.ndarray:
        """d output / d wrt of the last run, in wrt order (a copy; zeros before the first run)."""
        return self._grad.copy()

    def __len__(self) -> int:
        """The number of op slots the tape runs."""
        return len(self.recording.codes) - self.recording.start

    @property
    def nbytes(self) -> int:
        """Bytes held by the tape's arrays (values, gradients, op codes, operand lists)."""
        rec = self.recording
        return rec.codes.nbytes + rec.first.nbytes + rec.operands.nbytes + rec.values.nbytes + self._grads.nbytes

    def forward(self, inputs: Sequence[float] | np.ndarray | None = None) -> float:
        """The forward pass only, from the wrt and inputs leaves' numbers (or `inputs`); returns the output."""
        rec = self._load(inputs)
        failed = self._k.forward(rec.codes, rec.first, rec.operands, rec.values, rec.start)
        if failed != self._k.OK:
            self._raise(failed, -1)
        out = self.output.data = float(rec.values[rec.output])
        return out

    def run(self, inputs: Sequence[float] | np.ndarray | None = None) -> float:
        """Forward and backward: sets output.data, adds d output / d w into each wrt leaf's .grad, returns the output.

        Like `backward()`, gradients accumulate in the leaves (zero them between steps);
        `tape.grad` holds this run's gradients alone, in wrt order. If the run fails, no
        `.grad` and not `tape.grad` change.
        """
        rec = self._load(inputs)
        targets = self._targets
        before = np.array([leaf.grad for leaf in targets], dtype=np.float64)
        failed, position = self._k.replay(rec.codes, rec.first, rec.operands, rec.values, self._grads, rec.start,
                                          rec.output, self._target_slots, before, self._grad_of_targets)
        if failed != self._k.OK:
            self._raise(failed, position)
        # Each wrt leaf's .grad added up path by path, as backward() adds it: the kernel started
        # each leaf's slot from its .grad. Nothing above this line changed a leaf or tape.grad.
        for leaf, total in zip(targets, self._grads[self._target_slots].tolist()):
            leaf.grad = total
        self._grad = self._grad_of_targets[self._wrt_positions]
        out = self.output.data = float(rec.values[rec.output])
        return out

    def _load(self, inputs: Sequence[float] | np.ndarray | None) -> Any:
        """Feed `inputs` if given, then read every varying leaf's number into its slot."""
        if inputs is not None:
            self._feed(inputs)
        rec = self.recording
        rec.values[self._read_slots] = [v.data for v in self._read]
        return rec

    def _raise(self, slot: int, position: int) -> None:
        """A pass stopped at `slot`: raise what the eager engine raises there."""
        from autograd.tape import errors as tape_errors

        if position < 0:
            tape_errors.raise_forward_error(self.recording, slot)
        tape_errors.raise_backward_error(self.recording, self._grads, slot, position)

    def _feed(self, inputs: Sequence[float] | np.ndarray) -> None:
        """Write new numbers into the input leaves (checked first, so a bad batch changes nothing)."""
        given = np.asarray(inputs, dtype=object) if isinstance(inputs, (list, tuple)) else np.asarray(inputs)
        if given.shape != (len(self.inputs),):
            raise ValueError(
                f"Tape.run: expected {len(self.inputs)} input numbers (one per input leaf), got shape {given.shape}"
            )
        if given.dtype.kind in "iuf":  # an array of numbers already
            numbers = given.astype(np.float64).tolist()
        else:  # each checked: NumPy would quietly turn None into nan
            numbers = [to_float(x, f"Tape.run: inputs[{i}]") for i, x in enumerate(given.tolist())]
        for leaf, x in zip(self.inputs, numbers):
            leaf.data = x

    def listing(self, max_lines: int = 80) -> str:
        """The tape as a program: its leaves, one line per op forward, then the backward lines."""
        from autograd.tape.listing import listing

        return listing(self, max_lines)

    def __str__(self) -> str:
        return self.listing()

    def __repr__(self) -> str:
        rec = self.recording
        return (
            f"<Tape: {len(self)} ops over {rec.start} leaves, {len(self.wrt)} wrt, {len(self.inputs)} inputs,"
            f" {self.nbytes:,} bytes>"
        )
