"""The compiled passes of kernels.py for LANES samples at once: the batch replay's fast path.

`values[slot, s]` is sample s's number in a slot. Each op is computed for all lanes before the
next op, the loop over lanes innermost: a dot product's sum is a chain of dependent additions
(its order is fixed: left to right, as the eager engine adds), so one sample at a time waits
for each addition to finish, while LANES samples keep LANES independent chains going, and
the processor overlaps them. Every lane does exactly what the one-sample passes do (the
same operations in the same order: the same bits, tanh and e**x the C library's, as the eager
engine's); tests/test_tape_batch.py checks every op code against `forward` and `backward`.

These passes are the math alone: where a sample needs a check (a number the engine refuses,
an inf or nan anywhere), they stop, and the caller replays those samples one by one with the
checked passes of kernels.py, which raise the engine's errors or let a nan flow on.
"""

from __future__ import annotations

import math

from numba import njit

from autograd.floats import BCE_EPS, BCE_FLOOR_AT, EXP_MAX
from autograd.tape.kernel_checks import _finite, _pow_refused
from autograd.tape.kernels import (
    ABS,
    ADD,
    BCE,
    COS,
    DIV,
    DOT,
    EXP,
    FUSED_DOT,
    LABEL,
    LEAST_SUBNORMAL,
    LOG,
    LOG0,
    LOG_FLOOR,
    MAX,
    MUL,
    NEG,
    OK,
    POW,
    POWER,
    RELU,
    SIGMOID,
    SIGN,
    SIN,
    SOFTMAX,
    SQRT,
    SSE,
    STEP,
    SUB,
    SUM,
    TANH,
    XENT,
    XENT_OF_CLASS,
    _floored_log,
    _larger,
    _step,
)

# Samples per pass: 32 beat 16 on the digits (a step's best 66-71 µs against 66-73) and on two moons;
# 16 had beaten 8 and 4.
LANES = 32


@njit(error_model="numpy")
def _shift_and_sum(values, operands, j, end, largest, exps):
    """Each lane's largest logit in operands[j:end] into `largest`, the sum of e**(z - largest) over them in
    order into `exps`: kernels._shift_and_sum for all lanes at once."""
    lanes = values.shape[1]
    for s in range(lanes):
        largest[s] = values[operands[j], s]
    for m in range(j + 1, end):
        p = operands[m]
        for s in range(lanes):
            largest[s] = max(largest[s], values[p, s])
    for s in range(lanes):
        exps[s] = 0.0
    for m in range(j, end):
        p = operands[m]
        for s in range(lanes):
            exps[s] += math.exp(values[p, s] - largest[s])


@njit(error_model="numpy")
def forward_lanes(codes, first, operands, values, start, uniform, scratch):
    """Every op slot from `start` on, for each lane; OK, or the first slot where a lane needs checking.

    Slots 0 .. uniform - 1 hold the same number in every lane (the wrt leaves, unless a row feeds one),
    in lane 0 alone for a leaf only ever read as a dot's weight (batch.read_in_every_lane). `scratch`: two
    rows of LANES numbers for softmax's largest logit and sum.
    """
    lanes = values.shape[1]
    largest, exps = scratch[0], scratch[1]
    for i in range(start, len(codes)):
        c = codes[i]
        j = first[i]
        end = first[i + 1]
        a = operands[j]
        if c == DOT:  # a weight the same in every lane is read once, not once per lane: the same products
            half = (end - j) // 2
            for s in range(lanes):
                values[i, s] = 0.0
            m = j
            while m < j + half:
                if m + 4 <= j + half and max(operands[m], operands[m + 1], operands[m + 2], operands[m + 3]) < uniform:
                    # Four such weights: their products in one pass over the lanes, the sum read and written
                    # once for four, and added to in the same order as one at a time: (((s + a) + b) + c) + d.
                    w0, w1 = values[operands[m], 0], values[operands[m + 1], 0]
                    w2, w3 = values[operands[m + 2], 0], values[operands[m + 3], 0]
                    k = m + half
                    x0, x1, x2, x3 = operands[k], operands[k + 1], operands[k + 2], operands[k + 3]
                    for s in range(lanes):
                        values[i, s] = (values[i, s] + w0 * values[x0, s] + w1 * values[x1, s] + w2 * values[x2, s]
                                        + w3 * values[x3, s])
                    m += 4
                    continue
                p = operands[m]
                q = operands[m + half]
                if p < uniform:
                    w = values[p, 0]
                    for s in range(lanes):
                        values[i, s] += w * values[q, s]
                else:
                    for s in range(lanes):
                        values[i, s] += values[p, s] * values[q, s]
                m += 1
        elif c == SSE or c == SUM:
            half = (end - j) // 2 if c != SUM else end - j
            for s in range(lanes):
                values[i, s] = 0.0
            for m in range(j, j + half):
                p = operands[m]
                q = operands[m + half] if c != SUM else p
                for s in range(lanes):
                    if c == SSE:
                        values[i, s] += (values[p, s] - values[q, s]) * (values[p, s] - values[q, s])
                    else:
                        values[i, s] += values[p, s]
        elif c == FUSED_DOT:  # start + w_1*x_1 + w_2*x_2 + ..., left to right
            for s in range(lanes):
                values[i, s] = values[a, s]
            for m in range(j + 1, end, 2):
                w, z = operands[m], operands[m + 1]
                for s in range(lanes):
                    values[i, s] = values[i, s] + values[w, s] * values[z, s]
        elif c == XENT or c == XENT_OF_CLASS:
            last = end - 1
            for s in range(lanes):
                label = values[operands[last], s]
                if not (0.0 <= label < last - j and math.floor(label) == label):
                    return i
            _shift_and_sum(values, operands, j, last, largest, exps)
            for s in range(lanes):
                label = int(values[operands[last], s])
                values[i, s] = (largest[s] - values[operands[j + label], s]) + math.log(exps[s])
        elif c == SOFTMAX:  # e**(z_i - top) / (the sum of e**(z_k - top)), top the largest logit
            last = end - 1
            which = operands[j + int(values[operands[last], 0])]  # the output i: a recorded constant
            _shift_and_sum(values, operands, j, last, largest, exps)
            for s in range(lanes):
                values[i, s] = math.exp(values[which, s] - largest[s]) / exps[s]
        elif c == ADD:  # the commonest ops of a network each have a loop over the lanes of their own, which
            b = operands[j + 1]  # LLVM vectorizes; the shared loop below asks each lane which op it runs, and is not
            for s in range(lanes):
                values[i, s] = values[a, s] + values[b, s]
        elif c == MUL:
            b = operands[j + 1]
            for s in range(lanes):
                values[i, s] = values[a, s] * values[b, s]
        elif c == RELU:
            for s in range(lanes):
                x = values[a, s]
                values[i, s] = 0.0 if x <= 0.0 else x
        elif c == TANH:  # the C library's, one lane at a time: the eager engine's bits
            for s in range(lanes):
                values[i, s] = math.tanh(values[a, s])
        else:
            b = operands[j + 1] if end - j > 1 else a
            for s in range(lanes):
                x = values[a, s]
                y = values[b, s]
                if c == SUB:
                    v = x - y
                elif c == DIV:
                    if y == 0.0:
                        return i
                    v = x / y
                elif c == NEG:
                    v = -x
                elif c == EXP:
                    if x > EXP_MAX:
                        return i
                    v = math.exp(x)
                elif c == LOG:
                    if x <= 0.0:
                        return i
                    v = math.log(x)
                elif c == SIGMOID:
                    if x >= 0.0:
                        v = 1.0 / (1.0 + math.exp(-x))
                    else:
                        e = math.exp(x)
                        v = e / (1.0 + e)
                elif c == SQRT:
                    if x < 0.0:
                        return i
                    v = math.sqrt(x)
                elif c == SIN:
                    v = math.sin(x) if _finite(x) else math.nan
                elif c == COS:
                    v = math.cos(x) if _finite(x) else math.nan
                elif c == ABS:
                    v = abs(x)
                elif c == LABEL:  # a hinge label: refused unless +1 or -1
                    if x != 1.0 and x != -1.0:
                        return i
                    v = x
                elif c == STEP:
                    v = _step(x)
                elif c == SIGN:
                    v = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else math.nan))
                elif c == MAX:
                    v = _larger(x, y)
                elif c == LOG0:
                    if x < 0.0:
                        return i
                    v = math.log(x) if x > 0.0 else (0.0 if x == 0.0 else math.nan)
                elif c == LOG_FLOOR:
                    v = _floored_log(x)
                elif c == POWER or c == POW:
                    if _pow_refused(x, y):
                        return i
                    v = x**y
                elif c == BCE:
                    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                        return i
                    v = -(y * _floored_log(x) + (1.0 - y) * _floored_log(1.0 - x))
                else:
                    return i
                values[i, s] = v
        for s in range(lanes):  # an inf or nan: the checked pass decides whether it is refused
            if not _finite(values[i, s]):
                return i
    return OK


BOUNDLESS = 1e290  # a gradient share at most this large: adding up as many as a tape can hold stays finite


@njit
def _inputs_gradient_unread(grads, i, largest_weight):
    """Whether a dot whose x_k no one reads (`inputs_unread[i]`, batch.py) may leave out d/dx_k = w_k * g.

    So when every share w_k * g is finite and small enough that no sum of them overflows (no
    |w_k| is above `largest_weight`, inf if one is not finite): the pass the engine runs would
    add only finite numbers there, and refuse nothing, so leaving them out changes nothing one
    can see. In the digits classifier these are the 64 pixels of each hidden neuron: 43% of the
    products of the backward pass.
    """
    largest_g = 0.0
    for s in range(grads.shape[1]):
        if not _finite(grads[i, s]):
            return False
        largest_g = max(largest_g, abs(grads[i, s]))
    return largest_weight * largest_g <= BOUNDLESS


@njit(fastmath={"reassoc"})
def _lanes_dot(values, grads, q, i):
    """The sum over the lanes of values[q, s] * grads[i, s]: a weight's share of a dot's gradient in one group
    of rows. `reassoc` lets the compiler add the products in a tree, several at a time, rather than one after the
    other: a fixed order all the same (the same machine code each time), in this function alone."""
    total = 0.0
    for s in range(values.shape[1]):
        total += values[q, s] * grads[i, s]
    return total


@njit(error_model="numpy")
def backward_lanes(codes, first, operands, values, grads, start, uniform, largest_weight, inputs_unread, scratch,
                   every_lane, sums):
    """d output / d slot for each lane into `grads` (1.0 at the output, 0.0 elsewhere, or a running sum).

    Unchecked, like backward_unchecked: an inf or nan stays where it lands, and the caller
    scans for it. Returns OK, or the slot of a step the engine refuses whatever its numbers.
    Slots 0 .. uniform - 1 are wrt leaves that no row feeds (0 if a row feeds one), none larger
    than `largest_weight`; `inputs_unread[i]`: dot i's second half are leaves whose gradients no
    one reads, which may be left out where no one can tell (_inputs_gradient_unread). `scratch`: as in
    forward_lanes. A wrt leaf read only as a dot's weight (not `every_lane`) gets its gradient summed over
    the lanes at once, into `sums`, not lane by lane into `grads`.
    """
    lanes = values.shape[1]
    largest, exps = scratch[0], scratch[1]
    for i in range(len(codes) - 1, start - 1, -1):
        c = codes[i]
        j = first[i]
        end = first[i + 1]
        a = operands[j]
        if c == DOT:  # d/dw_k = x_k for the first half, then d/dx_k = w_k, in operand order
            half = (end - j) // 2
            if inputs_unread[i] and _inputs_gradient_unread(grads, i, largest_weight):
                end = j + half
            for m in range(j, end):
                p = operands[m]
                q = operands[m + half] if m < j + half else operands[m - half]
                if p < uniform and not every_lane[p]:  # 2,368 of the digits' 2,410 parameters
                    sums[p] += _lanes_dot(values, grads, q, i)
                elif q < uniform:  # a weight the same in every lane, read once
                    w = values[q, 0]
                    for s in range(lanes):
                        grads[p, s] += w * grads[i, s]
                else:
                    for s in range(lanes):
                        grads[p, s] += values[q, s] * grads[i, s]
        elif c == FUSED_DOT:  # the chain backward: last product first, the start term before the first
            for m in range(end - 2, j, -2):
                w, z = operands[m], operands[m + 1]
                if m == j + 1:
                    for s in range(lanes):
                        grads[a, s] += 1.0 * grads[i, s]
                for s in range(lanes):
                    grads[w, s] += values[z, s] * grads[i, s]
                for s in range(lanes):
                    grads[z, s] += values[w, s] * grads[i, s]
        elif c == SUM or c == SSE:
            half = (end - j) // 2
            for m in range(j, end):
                p = operands[m]
                for s in range(lanes):
                    if c == SUM:
                        slope = 1.0
                    elif m < j + half:
                        slope = 2.0 * (values[p, s] - values[operands[m + half], s])
                    else:
                        slope = -(2.0 * (values[operands[m - half], s] - values[p, s]))
                    grads[p, s] += slope * grads[i, s]
        elif c == XENT or c == XENT_OF_CLASS:  # softmax(z)_k - [k = c], the softmax afresh from the logits
            label = operands[end - 1]
            _shift_and_sum(values, operands, j, end - 1, largest, exps)
            for m in range(j, end - 1):
                p = operands[m]
                for s in range(lanes):
                    slope = math.exp(values[p, s] - largest[s]) / exps[s]
                    slope = slope - (1.0 if m - j == values[label, s] else 0.0)
                    grads[p, s] += slope * grads[i, s]
            if c == XENT_OF_CLASS:
                for s in range(lanes):
                    grads[label, s] += 0.0 * grads[i, s]
        elif c == SOFTMAX:  # d p_i / d z_m = p_i ([i = m] - p_m)
            which = j + int(values[operands[end - 1], 0])
            _shift_and_sum(values, operands, j, end - 1, largest, exps)
            for m in range(j, end - 1):
                p = operands[m]
                for s in range(lanes):
                    p_m = math.exp(values[p, s] - largest[s]) / exps[s]
                    grads[p, s] += values[i, s] * ((1.0 if m == which else 0.0) - p_m) * grads[i, s]
        elif c == ADD:  # as in forward_lanes: the commonest ops on their own, the same operations per lane
            b = operands[j + 1]
            for s in range(lanes):
                grads[a, s] += 1.0 * grads[i, s]
            for s in range(lanes):
                grads[b, s] += 1.0 * grads[i, s]
        elif c == MUL:
            b = operands[j + 1]
            for s in range(lanes):
                grads[a, s] += values[b, s] * grads[i, s]
            for s in range(lanes):
                grads[b, s] += values[a, s] * grads[i, s]
        elif c == RELU:
            for s in range(lanes):
                grads[a, s] += _step(values[a, s]) * grads[i, s]
        elif c == TANH:
            for s in range(lanes):
                grads[a, s] += (1.0 - values[i, s] * values[i, s]) * grads[i, s]
        else:
            two = end - j > 1 and c != POWER
            b = operands[j + 1] if end - j > 1 else a
            for s in range(lanes):
                g = grads[i, s]
                x = values[a, s]
                y = values[b, s]
                out = values[i, s]
                slope_b = 0.0
                if c == SUB:
                    slope, slope_b = 1.0, -1.0
                elif c == DIV:
                    slope, slope_b = 1.0 / y, -out / y
                elif c == MAX:
                    slope = _step(x - y)
                    slope_b = 1.0 - slope
                elif c == POW:
                    if x < 0.0:
                        return i
                    slope = y * x ** (y - 1.0)
                    slope_b = out * math.log(x) if x > 0.0 else (0.0 if x == 0.0 else math.nan)
                elif c == BCE:
                    spread = x * (1.0 - x)
                    spread = BCE_EPS if spread <= BCE_EPS else spread
                    slope = (x - y) / spread
                    slope_b = _floored_log(1.0 - x) - _floored_log(x)
                elif c == SIGMOID:
                    slope = out * (1.0 - out)
                elif c == NEG:
                    slope = -1.0
                elif c == EXP:
                    slope = out
                elif c == LOG:
                    slope = 1.0 / x
                elif c == SQRT:
                    slope = 0.5 / out
                elif c == SIN:
                    slope = math.cos(x) if _finite(x) else math.nan
                elif c == COS:
                    slope = -(math.sin(x) if _finite(x) else math.nan)
                elif c == ABS:
                    slope = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else math.nan))
                elif c == STEP or c == SIGN:
                    slope = 0.0
                elif c == LABEL:
                    slope = 1.0
                elif c == LOG0:
                    slope = _step(x) / _larger(x, LEAST_SUBNORMAL)
                elif c == LOG_FLOOR:
                    slope = _step(x - BCE_FLOOR_AT) / _larger(x, BCE_FLOOR_AT)
                elif c == POWER:
                    slope = y * x ** (y - 1.0) if y != 0.0 else 0.0
                else:
                    return i
                grads[a, s] += slope * g
                if two:
                    grads[b, s] += slope_b * g
    return OK
