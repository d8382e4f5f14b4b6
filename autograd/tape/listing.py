"""A tape printed as the program it runs: `v7 = v3 * v5` forward, `g3 += g7 * v5` backward.

This is what "compiled" means here: the graph has become a straight list of steps over
numbered slots, and the backward pass is the same list read bottom-up with the chain rule.
"""

from __future__ import annotations

from typing import Any

from autograd.draw import number_text
from autograd.floats import BCE_EPS, BCE_FLOOR_AT, BCE_LOG_FLOOR
from autograd.tape import kernels as k

# Forward: how slot o is computed from its operands a, b. Backward: what each operand gets.
ONE_INPUT = {
    k.NEG: ("-{a}", "{go} * -1"),
    k.EXP: ("exp({a})", "{go} * {o}"),
    k.LOG: ("log({a})", "{go} * (1 / {a})"),
    k.TANH: ("tanh({a})", "{go} * (1 - {o}**2)"),
    k.SIGMOID: ("sigmoid({a})", "{go} * {o} * (1 - {o})"),
    k.RELU: ("relu({a})", "{go} * step({a})"),
    k.SQRT: ("sqrt({a})", "{go} * (0.5 / {o})"),
    k.SIN: ("sin({a})", "{go} * cos({a})"),
    k.COS: ("cos({a})", "{go} * -sin({a})"),
    k.ABS: ("abs({a})", "{go} * sign({a})"),
    k.STEP: ("step({a})", "{go} * 0"),
    k.SIGN: ("sign({a})", "{go} * 0"),
    k.LOG0: ("log0({a})", "{go} * step({a}) / max({a}, 5e-324)"),
    k.LOG_FLOOR: ("log_floor({a})", f"{{go}} * step({{a}} - {BCE_FLOOR_AT!r}) / max({{a}}, {BCE_FLOOR_AT!r})"),
    k.LABEL: ("label±1({a})", "{go}"),
}
TWO_INPUTS = {
    k.ADD: ("{a} + {b}", "{go}", "{go}"),
    k.SUB: ("{a} - {b}", "{go}", "{go} * -1"),
    k.MUL: ("{a} * {b}", "{go} * {b}", "{go} * {a}"),
    k.DIV: ("{a} / {b}", "{go} * (1 / {b})", "{go} * (-{o} / {b})"),
    k.POW: ("{a} ** {b}", "{go} * {b} * {a}**({b} - 1)", "{go} * {o} * log0({a})"),
    k.MAX: ("max({a}, {b})", "{go} * step({a} - {b})", "{go} * (1 - step({a} - {b}))"),
    # bce's floors, as in autograd/ops.py: the spread a(1 - a) at least BCE_EPS, each log at least BCE_LOG_FLOOR
    k.BCE: (
        "bce({a}, {b})",
        "{go} * ({a} - {b}) / max({a} * (1 - {a}), " + repr(BCE_EPS) + ")",
        "{go} * (max(log(1 - {a}), FLOOR) - max(log({a}), FLOOR))".replace("FLOOR", number_text(BCE_LOG_FLOOR)),
    ),
}


def _name(slot: int) -> str:
    return f"v{slot}"


def _grad(slot: int) -> str:
    return f"g{slot}"  # the gradient of v{slot}: d output / d v{slot}


def steps(rec: Any, i: int) -> tuple[str, list[str]]:
    """Slot i's forward line and its backward lines."""
    code = int(rec.codes[i])
    slots = rec.operands[rec.first[i] : rec.first[i + 1]].tolist()
    names = [_name(s) for s in slots]
    g = [_grad(s) for s in slots]
    o, go = _name(i), _grad(i)
    fill = {"o": o, "go": go, "a": names[0], "b": names[1] if len(names) > 1 else ""}
    if code in ONE_INPUT:
        forward, slope = ONE_INPUT[code]
        return f"{o} = {forward.format(**fill)}", [f"{g[0]} += {slope.format(**fill)}"]
    if code == k.POWER:
        power = number_text(float(rec.values[slots[1]]))
        return f"{o} = {names[0]} ** {power}", [f"{g[0]} += {go} * {power} * {names[0]}**({power} - 1)"]
    if code == k.XENT_OF_CLASS:  # the logits, then the slot holding the class c, fed each run
        logits, c = names[:-1], names[-1]
        back = [f"{gz} += {go} * (exp({z} - z[{c}] - {o}) - ({n} == {c}))" for n, (z, gz) in enumerate(zip(logits, g))]
        return f"{o} = log(" + " + ".join(f"exp({z})" for z in logits) + f") - z[{c}]", [*back, f"{g[-1]} += {go} * 0"]
    if code == k.XENT:  # the logits, then the class c (a constant): softmax minus one-hot backward
        c = int(rec.values[slots[-1]])
        logits, zc = names[:-1], names[c]
        every = ", ".join(logits)
        back = [f"{gz} += {go} * (softmax({every})[{n}] - 1)" if n == c else f"{gz} += {go} * softmax({every})[{n}]"
                for n, gz in enumerate(g[:-1])]
        return f"{o} = log(" + " + ".join(f"exp({z})" for z in logits) + f") - {zc}", back
    if code == k.SOFTMAX:  # the logits, then the output i (a constant)
        i = int(rec.values[slots[-1]])
        every = ", ".join(names[:-1])
        back = [f"{gz} += {go} * {o} * ({int(n == i)} - softmax({every})[{n}])" for n, gz in enumerate(g[:-1])]
        return f"{o} = softmax({every})[{i}]", back
    if code in TWO_INPUTS:
        forward, slope_a, slope_b = TWO_INPUTS[code]
        return f"{o} = {forward.format(**fill)}", [
            f"{g[0]} += {slope_a.format(**fill)}", f"{g[1]} += {slope_b.format(**fill)}"]
    half = len(names) // 2
    if code == k.SUM:
        return f"{o} = " + " + ".join(names), [f"{gn} += {go}" for gn in g]
    if code == k.DOT:
        pairs = list(zip(names[:half], names[half:], g[:half], g[half:]))
        return f"{o} = " + " + ".join(f"{w}*{x}" for w, x, _, _ in pairs), [
            line for w, x, gw, gx in pairs for line in (f"{gw} += {go} * {x}", f"{gx} += {go} * {w}")]
    if code == k.SSE:
        pairs = list(zip(names[:half], names[half:], g[:half], g[half:]))
        back = [(f"{gp} += {go} * 2*({p} - {t})", f"{gt} += {go} * -2*({p} - {t})") for p, t, gp, gt in pairs]
        return f"{o} = " + " + ".join(f"({p} - {t})**2" for p, t, _, _ in pairs), [line for two in back for line in two]
    if code == k.FUSED_DOT:  # backward runs the chain it stands for in reverse
        pairs = list(zip(names[1::2], names[2::2], g[1::2], g[2::2]))
        back = [f"{gw} += {go} * {x}" if n == 0 else f"{gx} += {go} * {w}"
                for w, x, gw, gx in reversed(pairs[1:]) for n in range(2)]
        back += [f"{g[0]} += {go}", f"{pairs[0][2]} += {go} * {pairs[0][1]}", f"{pairs[0][3]} += {go} * {pairs[0][0]}"]
        return f"{o} = {names[0]} + " + " + ".join(f"{w}*{x}" for w, x, _, _ in pairs), back
    return f"{o} = <op code {code}>", []


def listing(tape: Any, max_lines: int = 80) -> str:
    """The leaves, the forward steps, then the backward steps, each part cut after `max_lines` lines."""
    rec = tape.recording
    ops = len(rec.codes) - rec.start
    roles = {s: f"wrt[{n}]" for n, s in enumerate(rec.wrt.tolist())}
    roles.update((s, f"inputs[{n}]") for n, s in enumerate(rec.inputs.tolist()) if s not in roles)
    leaves = [f"{_name(s)} = {number_text(float(rec.values[s]))}  ({roles.get(s, 'constant')})"
              for s in range(min(rec.start, max_lines))]
    # Only the steps shown are written out: a tape can have a million.
    forward = [steps(rec, i)[0] for i in range(rec.start, rec.start + min(ops, max_lines))]
    backward = [f"{_grad(rec.output)} = 1"]
    cut = False
    for i in range(len(rec.codes) - 1, rec.start - 1, -1):
        if len(backward) >= max_lines:
            cut = True
            break
        backward += steps(rec, i)[1]
    parts = [
        ("leaves", leaves, f"({rec.start:,} leaves in all)" if rec.start > max_lines else None),
        ("forward", forward, f"({ops:,} ops in all)" if ops > max_lines else None),
        ("backward", backward, "(and the rest, op by op)" if cut or len(backward) > max_lines else None),
    ]
    text = [repr(tape)]
    for title, lines, more in parts:
        text.append(f"{title}:")
        text += ["  " + line for line in lines[:max_lines]]
        if more:
            text.append(f"  ... {more}")
    return "\n".join(text)
