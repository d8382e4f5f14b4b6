"""The compiled loops behind `Tape`: the op table once more, as one if/elif over op codes.

A recorded graph is four flat arrays (laid out by `autograd/tape/record.py`): `codes[i]` the op of slot i,
its operands `operands[first[i]:first[i + 1]]` (slot numbers), `values` and `grads`. Leaves
come first; every op slot comes after its operands, in the order the eager engine made them.

`forward` runs the op slots in that order, `backward` in the reverse order, exactly as
`Value.backward()` visits them. Each branch repeats its op's formula from `autograd/ops.py`
*as written there* (`(1.0 / b) * g`, not `g / b`): the same float operations in the same
order give the same bits, and `tests/test_tape.py` checks each op against the table.

Numba compiles these functions to machine code on first use and caches the result on disk.
Errors cannot carry a message out of compiled code, so a loop that meets a bad number stops
and returns the slot (and operand) where it happened; `autograd/tape/errors.py` then asks the op
table itself what the eager engine would raise there.
"""

from __future__ import annotations

import math

from numba import njit

from autograd.floats import BCE_EPS, BCE_FLOOR_AT, BCE_LOG_FLOOR, EXP_MAX
from autograd.tape.kernel_checks import (
    _add,
    _chain_refused,
    _finite,
    _operands_finite,
    _pow_refused,
    _settle,
)

# Op codes. LEAF slots hold numbers and are never computed. FUSED_DOT is no row of the op
# table: it is what a chain `s = s + w * x` of adds and products becomes (autograd/tape/record.py).
(LEAF, ADD, SUB, MUL, DIV, NEG, EXP, LOG, TANH, SIGMOID, RELU, SQRT, SIN, COS, ABS,
 POWER, POW, SUM, DOT, SSE, BCE, FUSED_DOT) = range(22)
XENT = 22  # cross-entropy: the logits, then the class c as a recorded constant (like the k of POWER)
# The rows that make piecewise slopes recomputable (relu's step, abs's sign, bce's floors, x ** y's log0).
STEP, SIGN, MAX, LOG0, LOG_FLOOR = range(23, 28)
XENT_OF_CLASS = 28  # cross-entropy with the class as its last operand, fed like any input (checked each run)
SOFTMAX = 30  # softmax(z)_i: the logits, then the output i as a recorded constant
LABEL = 31  # a hinge label: the number itself, refused unless it is +1 or -1

OK = -1  # what the loops return when every slot went well
LOOK_CLOSELY = -2  # a backward pass met an inf or nan (or a step it refuses): Python runs the checked pass
LEAST_SUBNORMAL = 5e-324  # log0's slope is step(x) / max(x, this): 1/x for every x > 0


@njit
def _floored_log(x: float) -> float:
    return BCE_LOG_FLOOR if x <= BCE_FLOOR_AT else math.log(x)


@njit
def _shift_and_sum(values, operands, j, end):
    """The largest of the logits in operands[j:end] (the first of equal ones, as Python's max()), and the
    sum of e**(z - largest) over them in order: ops._shift_and_sum, the same float operations."""
    top = values[operands[j]]
    for m in range(j + 1, end):
        if values[operands[m]] > top:
            top = values[operands[m]]
    exps = 0.0
    for m in range(j, end):
        exps += math.exp(values[operands[m]] - top)
    return top, exps


@njit
def _step(x: float) -> float:
    return 1.0 if x > 0.0 else (0.0 if x <= 0.0 else math.nan)


@njit
def _larger(a: float, b: float) -> float:
    return b if a <= b else (a if a > b else math.nan)


@njit(cache=True, error_model="numpy")
def forward(codes, first, operands, values, start):
    """Compute every op slot from `start` on; return OK, or the first slot whose op the engine would refuse.

    error_model="numpy": a float division by zero gives inf here instead of raising; the checks
    below (the same as ops.py's) decide what is refused.
    """
    for i in range(start, len(codes)):
        c = codes[i]
        j = first[i]
        x = values[operands[j]]
        refused = False  # an input the op's forward in ops.py raises for
        if c == ADD:
            v = x + values[operands[j + 1]]
        elif c == MUL:
            v = x * values[operands[j + 1]]
        elif c == FUSED_DOT:  # start + w_1*x_1 + w_2*x_2 + ..., left to right like the chain it replaces
            v = x
            for m in range(j + 1, first[i + 1], 2):
                v = v + values[operands[m]] * values[operands[m + 1]]
        elif c == SUB:
            v = x - values[operands[j + 1]]
        elif c == DIV:
            y = values[operands[j + 1]]
            refused = y == 0.0
            v = x / y
        elif c == NEG:
            v = -x
        elif c == EXP:
            refused = x > EXP_MAX and x != math.inf
            v = math.exp(x)
        elif c == LOG:
            refused = x <= 0.0
            v = math.log(x)
        elif c == TANH:
            v = math.tanh(x)
        elif c == SIGMOID:
            if x >= 0.0:
                v = 1.0 / (1.0 + math.exp(-x))
            else:
                e = math.exp(x)
                v = e / (1.0 + e)
        elif c == RELU:
            v = 0.0 if x <= 0.0 else x
        elif c == SQRT:
            refused = x < 0.0
            v = math.sqrt(x)
        elif c == SIN:
            v = math.sin(x) if _finite(x) else math.nan
        elif c == COS:
            v = math.cos(x) if _finite(x) else math.nan
        elif c == ABS:
            v = abs(x)
        elif c == STEP:
            v = _step(x)
        elif c == SIGN:
            v = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else math.nan))
        elif c == MAX:
            v = _larger(x, values[operands[j + 1]])
        elif c == LOG0:
            refused = x < 0.0
            v = math.log(x) if x > 0.0 else (0.0 if x == 0.0 else math.nan)
        elif c == LOG_FLOOR:
            v = _floored_log(x)
        elif c == POWER or c == POW:  # x ** k (k a recorded constant) and x ** y
            y = values[operands[j + 1]]
            refused = _pow_refused(x, y)
            v = x**y
        elif c == SUM:
            v = 0.0
            for m in range(j, first[i + 1]):
                v += values[operands[m]]
        elif c == DOT or c == SSE:
            half = (first[i + 1] - j) // 2
            v = 0.0
            for m in range(j, j + half):
                p, q = values[operands[m]], values[operands[m + half]]
                v += p * q if c == DOT else (p - q) * (p - q)
        elif c == BCE:
            t = values[operands[j + 1]]
            refused = (not 0.0 <= x <= 1.0 and x == x) or (not 0.0 <= t <= 1.0 and t == t)
            v = -(t * _floored_log(x) + (1.0 - t) * _floored_log(1.0 - x))
        elif c == XENT or c == XENT_OF_CLASS:  # ln(e**z_1 + ... + e**z_n) - z_c, the largest logit taken out first
            last = first[i + 1] - 1  # the class c sits in the last operand; the logits before it
            if c == XENT_OF_CLASS:  # a fed class must be a whole number in range, or it would index past the logits
                label = values[operands[last]]
                if not (0.0 <= label < last - j and math.floor(label) == label):
                    return i
            top = x
            for logit in range(j + 1, last):  # as Python's max(): the first of equal logits is kept
                if values[operands[logit]] > top:
                    top = values[operands[logit]]
            exps = 0.0
            for logit in range(j, last):
                exps += math.exp(values[operands[logit]] - top)
            v = (top - values[operands[j + int(values[operands[last]])]]) + math.log(exps)
        elif c == SOFTMAX:  # e**(z_i - top) / (e**(z_1 - top) + ... + e**(z_n - top)), top the largest logit
            last = first[i + 1] - 1  # the output i sits in the last operand; the logits before it
            top, exps = _shift_and_sum(values, operands, j, last)
            v = math.exp(values[operands[j + int(values[operands[last]])]] - top) / exps
        elif c == LABEL:
            refused = x != 1.0 and x != -1.0
            v = x
        else:
            return i  # a code this loop does not know: record.py refuses such graphs when recording
        if refused:
            return i
        if not _finite(v):
            # The policy of ops.py: finite inputs giving inf or nan are refused; a nan or inf
            # that was already there flows on. (x ** k: k is part of the op, not an input.)
            if c == FUSED_DOT:
                if _chain_refused(values, operands, j, first[i + 1]):
                    return i
            elif _operands_finite(values, operands, j, first[i + 1]):  # a constant operand (k, c) counts too
                return i
        values[i] = v
    return OK


@njit(cache=True, error_model="numpy")
def backward(codes, first, operands, values, grads, start):
    """d output / d slot into `grads` (which holds 1.0 at the output and 0.0 elsewhere).

    Returns (OK, 0), or (slot, operand position) where the engine's backward would raise.
    Each gradient passed back is `_add`ed and checked; only if it is not finite does
    `_settle` apply the policy (called from here, not from `_add`: see its docstring).
    """
    return _backward(codes, first, operands, values, grads, start, True)


@njit(cache=True, error_model="numpy")
def backward_unchecked(codes, first, operands, values, grads, start):
    """The same pass without checking each gradient passed back: a third faster.

    Exact wherever every gradient comes out finite: an inf or nan met on the way stays in
    the slot it was added to (inf + x is inf, nan + x is nan), so the caller scans `grads`
    once (`all_finite`) and runs the checked pass only if something is not finite. The
    checked pass is called from Python (autograd/tape/passes.py), so it is compiled only
    the first time a replay meets an inf or nan: a normal run never waits for it.
    """
    return _backward(codes, first, operands, values, grads, start, None)


@njit(error_model="numpy")
def _backward(codes, first, operands, values, grads, start, checked):
    """The backward loop: `checked` is True in the checked pass, None in the unchecked one.

    Why None and not False: Numba prunes an `if checked is not None:` branch while compiling,
    from the argument's type alone, so the unchecked pass compiles without any check in it.
    A False would be tested at run time. Inlining this loop into its two callers instead took
    its intermediate code one deep copy per caller: 1.1 s more of a first run.
    """
    for i in range(len(codes) - 1, start - 1, -1):
        g = grads[i]
        c = codes[i]
        j = first[i]
        end = first[i + 1]
        a = operands[j]
        x = values[a]
        out = values[i]
        if c == ADD or c == SUB or c == MUL or c == DIV or c == POW or c == MAX:
            b = operands[j + 1]
            y = values[b]
            if c == ADD:
                slope_a, slope_b = 1.0, 1.0
            elif c == SUB:
                slope_a, slope_b = 1.0, -1.0
            elif c == MUL:
                slope_a, slope_b = y, x
            elif c == DIV:
                slope_a, slope_b = 1.0 / y, -out / y
            elif c == MAX:
                slope_a = _step(x - y)
                slope_b = 1.0 - slope_a
            else:  # x ** y; C's pow gives the infinity where ops.pow_of gives one
                if x < 0.0:  # d/dy is undefined there: the rule raises, whatever comes from above
                    return i, 1
                slope_a = y * x ** (y - 1.0)
                slope_b = out * math.log(x) if x > 0.0 else (0.0 if x == 0.0 else math.nan)
            if checked is not None:
                if not _add(grads, a, slope_a * g) and not _settle(
                        grads, a, slope_a * g, g, out, values, operands, j, end):
                    return i, 0
            else:
                grads[a] += slope_a * g
            if checked is not None:
                if not _add(grads, b, slope_b * g) and not _settle(
                        grads, b, slope_b * g, g, out, values, operands, j, end):
                    return i, 1
            else:
                grads[b] += slope_b * g
        elif c == FUSED_DOT:
            # The chain it replaces, backward: the last product first, the start term just
            # before the first product (where the first add passes it on).
            for m in range(end - 2, j, -2):
                w, z = operands[m], operands[m + 1]
                if m == j + 1:
                    if checked is not None:
                        if not _add(grads, a, 1.0 * g) and not _settle(
                                grads, a, 1.0 * g, g, out, values, operands, j, end):
                            return i, 0
                    else:
                        grads[a] += 1.0 * g
                # The policy looks at the chain's own product node: inputs w and z, output w * z.
                if checked is not None:
                    if not _add(grads, w, values[z] * g) and not _settle(
                            grads, w, values[z] * g, g, values[w] * values[z], values, operands, m, m + 2):
                        return i, m - j
                else:
                    grads[w] += values[z] * g
                if checked is not None:
                    if not _add(grads, z, values[w] * g) and not _settle(
                            grads, z, values[w] * g, g, values[w] * values[z], values, operands, m, m + 2):
                        return i, m + 1 - j
                else:
                    grads[z] += values[w] * g
        elif c == DOT:  # d/dw_k = x_k, then d/dx_k = w_k: the halves swap (in operand order, as backward() adds)
            half = (end - j) // 2
            for m in range(j, end):
                p = operands[m]
                other = m + half if m < j + half else m - half
                if checked is not None:
                    if not _add(grads, p, values[operands[other]] * g) and not _settle(
                            grads, p, values[operands[other]] * g, g, out, values, operands, j, end):
                        return i, m - j
                else:
                    grads[p] += values[operands[other]] * g
        elif c == SUM or c == SSE:
            half = (end - j) // 2
            for m in range(j, end):
                if c == SUM:
                    slope = 1.0
                elif m < j + half:  # sse: d/dp_k = 2 (p_k - t_k)
                    slope = 2.0 * (values[operands[m]] - values[operands[m + half]])
                else:  # d/dt_k = -2 (p_k - t_k)
                    slope = -(2.0 * (values[operands[m - half]] - values[operands[m]]))
                p = operands[m]
                if checked is not None:
                    if not _add(grads, p, slope * g) and not _settle(
                            grads, p, slope * g, g, out, values, operands, j, end):
                        return i, m - j
                else:
                    grads[p] += slope * g
        elif c == BCE:
            t_slot = operands[j + 1]
            t = values[t_slot]
            spread = x * (1.0 - x)
            spread = BCE_EPS if spread <= BCE_EPS else spread
            slope = (x - t) / spread
            if checked is not None:
                if not _add(grads, a, slope * g) and not _settle(
                        grads, a, slope * g, g, out, values, operands, j, end):
                    return i, 0
            else:
                grads[a] += slope * g
            slope = _floored_log(1.0 - x) - _floored_log(x)
            if checked is not None:
                if not _add(grads, t_slot, slope * g) and not _settle(
                        grads, t_slot, slope * g, g, out, values, operands, j, end):
                    return i, 1
            else:
                grads[t_slot] += slope * g
        elif c == XENT or c == XENT_OF_CLASS:  # d/dz_i = softmax(z)_i - [i = c], the softmax afresh from the logits
            target = j + int(values[operands[end - 1]])
            top, exps = _shift_and_sum(values, operands, j, end - 1)
            for m in range(j, end - 1):
                p = operands[m]
                slope = math.exp(values[p] - top) / exps
                if m == target:
                    slope = slope - 1.0
                if checked is not None:
                    if not _add(grads, p, slope * g) and not _settle(
                            grads, p, slope * g, g, out, values, operands, j, end):
                        return i, m - j
                else:
                    grads[p] += slope * g
            if c == XENT_OF_CLASS:  # the class's slope is 0, added as backward() adds it (0 * g is nan for g nan)
                p = operands[end - 1]
                if checked is not None:
                    if not _add(grads, p, 0.0 * g) and not _settle(
                            grads, p, 0.0 * g, g, out, values, operands, j, end):
                        return i, end - 1 - j
                else:
                    grads[p] += 0.0 * g
        elif c == SOFTMAX:  # d p_i / d z_m = p_i ([i = m] - p_m), each p_m afresh from the logits
            which = j + int(values[operands[end - 1]])
            top, exps = _shift_and_sum(values, operands, j, end - 1)
            for m in range(j, end - 1):
                p = operands[m]
                slope = out * ((1.0 if m == which else 0.0) - math.exp(values[p] - top) / exps)
                if checked is not None:
                    if not _add(grads, p, slope * g) and not _settle(
                            grads, p, slope * g, g, out, values, operands, j, end):
                        return i, m - j
                else:
                    grads[p] += slope * g
        elif c == LABEL:  # the label itself: slope 1
            if checked is not None:
                if not _add(grads, a, 1.0 * g) and not _settle(
                        grads, a, 1.0 * g, g, out, values, operands, j, end):
                    return i, 0
            else:
                grads[a] += 1.0 * g
        else:  # one input: the slope d out / dx
            if c == TANH:
                slope = 1.0 - out * out
            elif c == SIGMOID:
                slope = out * (1.0 - out)
            elif c == RELU:  # a nan falls through both tests to nan, as in floats.step
                slope = _step(x)
            elif c == NEG:
                slope = -1.0
            elif c == EXP:
                slope = out
            elif c == LOG:
                slope = 1.0 / x
            elif c == SQRT:
                slope = 0.5 / out  # inf at 0, as floats.divide gives
            elif c == SIN:
                slope = math.cos(x) if _finite(x) else math.nan
            elif c == COS:
                slope = -(math.sin(x) if _finite(x) else math.nan)
            elif c == ABS:
                slope = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else math.nan))
            elif c == STEP or c == SIGN:
                slope = 0.0
            elif c == LOG0:
                slope = _step(x) / _larger(x, LEAST_SUBNORMAL)
            elif c == LOG_FLOOR:
                slope = _step(x - BCE_FLOOR_AT) / _larger(x, BCE_FLOOR_AT)
            elif c == POWER:  # x ** k; k sits in the second operand, a recorded constant
                k = values[operands[j + 1]]
                slope = k * x ** (k - 1.0) if k != 0.0 else 0.0
            else:
                return i, 0
            if checked is not None:
                if not _add(grads, a, slope * g) and not _settle(
                        grads, a, slope * g, g, out, values, operands, j, end):
                    return i, 0
            else:
                grads[a] += slope * g
    return OK, 0


@njit(cache=True)
def replay(codes, first, operands, values, grads, start, output, wrt, before, alone):
    """One run on the fast path, in one call from Python: forward, then the unchecked backward pass.

    `before` holds each wrt leaf's .grad. `alone` gets this run's d output / d wrt[m] from a pass
    that starts every slot from 0; when the leaves held +0.0 that pass gives the totals too (0.0 + a
    is a, to the bit), else a second pass starts the wrt slots from `before`, so each leaf's total
    adds up path by path in backward()'s order, and `grads` ends holding the leaves' new .grad.
    Returns (OK, 0); (slot, -1) where the forward pass stopped; or (OK, LOOK_CLOSELY) if a backward
    pass needs the checked pass, which Python then runs (autograd/tape/passes.py).
    """
    failed = forward(codes, first, operands, values, start)
    if failed != OK:
        return failed, -1
    grads[:] = 0.0
    grads[output] += 1.0
    # The loop itself with checked=None, not the backward_unchecked wrapper: that one is compiled
    # only when Python calls it, which leaves a first run a quarter of a second shorter.
    failed, _ = _backward(codes, first, operands, values, grads, start, None)
    if failed != OK or not all_finite(grads):
        return OK, LOOK_CLOSELY
    for m in range(len(wrt)):
        alone[m] = grads[wrt[m]]
    for m in range(len(wrt)):
        if before[m] != 0.0 or math.copysign(1.0, before[m]) < 0.0:  # the totals need a pass of their own
            grads[:] = 0.0
            for n in range(len(wrt)):
                grads[wrt[n]] = before[n]
            grads[output] += 1.0
            failed, _ = _backward(codes, first, operands, values, grads, start, None)
            if failed != OK or not all_finite(grads):
                return OK, LOOK_CLOSELY
            break
    return OK, 0


@njit
def all_finite(xs) -> bool:
    """Whether no number in xs is inf or nan: the one look the fast path takes after an unchecked pass."""
    for x in xs:
        if not _finite(x):
            return False
    return True
