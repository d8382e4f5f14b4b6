"""What the walkthrough writes, the way the lecture writes it on the board: in the graph's own names.

Three things: a name for every value (its label, or the formula that made it: `x1*w1`), each
value's formula (`n = x1*w1 + x2*w2 + b`), and each op's local slope, written as the rule in the
graph's names and then worked with the graph's numbers:

    do/dn = 1 - o**2 = 1 - 0.7071**2 = 0.5

The rule is the op table's (autograd/ops.py), written out for the value at hand; the number it
ends in is the one the op table's rule returns, so the board and `backward()` never disagree.
Numbers are shown with 4 significant digits (`number_text`), so the worked middle part is the
rule at the rounded numbers: it lands on the result to within that rounding.
"""

from __future__ import annotations

import re

from autograd.draw import label_text, number_text
from autograd.ops import BUILTIN_NAMES, CrossEntropy, Power, exponent_text
from autograd.value import Value

MAX_NAME = 16  # characters: a longer formula would crowd its box; the value is called v<k> instead
# How tightly each kind of formula binds, as in Python: a + b < a * b < -a < a ** b < a name or a call.
SUM, PRODUCT, NEGATION, POWER, ATOM = 1, 2, 3, 4, 5
ATOM_NAME = re.compile(r"[\w.\[\]']+")  # x1, w[0][1][2], b', 2.5: never needs parentheses


def op_name(node: Value) -> str:
    """The row of the op table that made `node`: "+", "tanh", "**k" (any power), "xent[c]", or a custom op's name."""
    made_by = node._made_by
    if isinstance(made_by, Power):
        return "**k"
    if isinstance(made_by, CrossEntropy):
        return "xent[c]"
    return node.op if node.op in BUILTIN_NAMES else "custom"


def precedence(name: str, formulas: dict[str, int]) -> int:
    """How tightly a name binds: a formula we built knows its own; a user's label is an atom when it looks like one."""
    if name in formulas:
        return formulas[name]
    return ATOM if ATOM_NAME.fullmatch(name) else SUM  # a label such as "x1*w1 + x2*w2": wrap it to be safe


def wrap(name: str, least: int, formulas: dict[str, int] | None = None) -> str:
    """`name` in parentheses when it binds less tightly than `least` requires (a user's formula-like label: always)."""
    return f"({name})" if precedence(name, formulas or {}) < least else name


def formula(
    node: Value, args: list[str], formulas: dict[str, int] | None = None, spaced: bool = True
) -> tuple[str, int]:
    """The formula that made `node`, over the names (or numbers) `args` of its parents, and how tightly it binds.

    spaced=False writes products and powers tight, as names are written (`x1*w1`); spaced=True
    puts spaces around every operator, as the forward step's equation reads (`x1 * w1`).

    >>> x, w = Value(2.0), Value(-3.0)
    >>> formula(x * w, ["x1", "w1"], spaced=False), formula(-(x * w), ["x1*w1"], {"x1*w1": PRODUCT})
    (('x1*w1', 2), ('-(x1*w1)', 3))
    """
    formulas = formulas or {}
    kind = op_name(node)
    star = " * " if spaced else "*"

    def at(i: int, least: int) -> str:
        return wrap(args[i], least, formulas)

    if kind in ("+", "-"):
        return f"{at(0, SUM)} {kind} {at(1, SUM + (kind == '-'))}", SUM
    if kind == "sum":
        return " + ".join(at(i, SUM) for i in range(len(args))), SUM
    if kind in ("*", "/"):
        operator = star if kind == "*" else star.replace("*", "/")
        return f"{at(0, PRODUCT)}{operator}{at(1, PRODUCT + (kind == '/'))}", PRODUCT
    if kind == "dot":  # w_1*x_1 + ... + w_n*x_n: the first half of the parents are the w's
        n = len(args) // 2
        return " + ".join(f"{at(i, PRODUCT)}{star}{at(n + i, PRODUCT)}" for i in range(n)), SUM
    if kind == "neg":
        return f"-{at(0, POWER)}", NEGATION
    if kind == "**k":
        return f"{at(0, ATOM)}**{exponent_text(node._made_by.k)}", POWER
    if kind == "**":
        return f"{at(0, ATOM)}**{at(1, POWER)}", POWER
    return f"{node.op}({', '.join(args)})", ATOM


def value_names(order: list[Value]) -> dict[Value, str]:
    """A name for every value (in topological order): its label; else the formula that made it, if short; else v<k>.

    A formula name is used once: a second value made the same way is called v<k>, so no two values share a name.

    >>> x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    >>> y = (x1 * w1 + 1.0).tanh()
    >>> from autograd import topological_order
    >>> list(value_names(topological_order(y)).values())
    ['x1', 'w1', 'x1*w1', 'v3', 'x1*w1 + v3', 'tanh(x1*w1 + v3)']
    """
    names: dict[Value, str] = {}
    formulas: dict[str, int] = {}  # the names we made from formulas, and how tightly each binds
    for k, node in enumerate(order):
        if node.label:
            names[node] = label_text(node.label)
            continue
        name = f"v{k}"
        if node.parents:
            text, tightness = formula(node, [names[p] for p in node.parents], formulas, spaced=False)
            if len(text) <= MAX_NAME and text not in formulas and text not in names.values():
                name, formulas[text] = text, tightness
        names[node] = name
    return names


def derivative_of(out: str, wrt: str) -> str:
    """ "do/dn", or "d(x1*w1)/dx1" for names that are formulas."""
    def part(name: str) -> str:
        return name if ATOM_NAME.fullmatch(name) else f"({name})"

    return f"d{part(out)}/d{part(wrt)}"


def grad_of(name: str) -> str:
    """ "n.grad", or "(x1*w1).grad" for a name that is a formula."""
    return f"{name if ATOM_NAME.fullmatch(name) else f'({name})'}.grad"


def number(x: float) -> str:
    """A number inside a worked formula: in parentheses when negative, so 1 - (-0.5)**2 reads right."""
    text = number_text(x)
    return f"({text})" if text.startswith("-") else text


def slope_texts(node: Value, names: dict[Value, str], local: list[float]) -> list[str]:
    """For each parent of `node` (one per operand: a * a has two), its local slope: the rule, worked, and its value.

    >>> n = Value(0.8813735870195432, label="n")
    >>> o = n.tanh(); o.label = "o"
    >>> slope_texts(o, {n: "n", o: "o"}, [0.5])
    ['do/dn = 1 - o**2 = 1 - 0.7071**2 = 0.5']
    """
    out, parents = names[node], node.parents
    ins = [names[p] for p in parents]
    xs = [number(p.data) for p in parents]
    o = number(node.data)
    kind = op_name(node)
    rules: list[tuple[str, str]]  # per parent: (the rule in names, the rule in numbers); "" when there is none
    if kind in ("+", "sum"):
        rules = [("1", "")] * len(parents)
    elif kind == "-":
        rules = [("1", ""), ("-1", "")]
    elif kind == "*":
        rules = [(ins[1], ""), (ins[0], "")]  # d(a*b)/da = b: the other factor, whose number is the slope
    elif kind == "/":
        rules = [(f"1/{wrap(ins[1], PRODUCT + 1)}", f"1/{xs[1]}"),
                 (f"-{wrap(ins[0], POWER)}/{wrap(ins[1], POWER + 1)}**2", f"-{xs[0]}/{xs[1]}**2")]
    elif kind == "neg":
        rules = [("-1", "")]
    elif kind == "exp":
        rules = [(out, "")]  # e**x: the output itself
    elif kind == "log":
        rules = [(f"1/{wrap(ins[0], POWER)}", f"1/{xs[0]}")]
    elif kind == "tanh":
        rules = [(f"1 - {wrap(out, POWER + 1)}**2", f"1 - {o}**2")]
    elif kind == "sigmoid":
        rules = [(f"{wrap(out, PRODUCT)}*(1 - {wrap(out, SUM + 1)})", f"{o}*(1 - {o})")]
    elif kind in ("relu", "abs"):
        rules = [(_piecewise(kind, ins[0], parents[0].data), "")]
    elif kind == "sqrt":
        rules = [(f"1/(2*{wrap(out, PRODUCT + 1)})", f"1/(2*{o})")]
    elif kind == "sin":
        rules = [(f"cos({ins[0]})", f"cos({xs[0]})")]
    elif kind == "cos":
        rules = [(f"-sin({ins[0]})", f"-sin({xs[0]})")]
    elif kind == "**k":
        k = node._made_by.k
        rules = [_power_rule(ins[0], xs[0], k)]
    elif kind == "**":
        base, exponent = wrap(ins[0], POWER + 1), wrap(ins[1], POWER)
        rules = [(f"{exponent}*{base}**({ins[1]} - 1)", f"{xs[1]}*{xs[0]}**({xs[1]} - 1)"),
                 (f"{wrap(out, PRODUCT)}*log({ins[0]})", f"{o}*log({xs[0]})")]
    elif kind == "dot":  # d/dw_i = x_i and d/dx_i = w_i: the partner in the same product
        n = len(parents) // 2
        rules = [(ins[(i + n) % (2 * n)], "") for i in range(2 * n)]
    elif kind == "sse":
        n = len(parents) // 2
        rules = [(f"2*({ins[i]} - {ins[i + n]})", f"2*({xs[i]} - {xs[i + n]})") for i in range(n)]
        rules += [(f"-2*({ins[i]} - {ins[i + n]})", f"-2*({xs[i]} - {xs[i + n]})") for i in range(n)]
    elif kind == "xent[c]":  # softmax(z)_i - [i = c]: the slope plus the one-hot gives the probability
        c = node._made_by.target
        rules = [(f"softmax[{i}] - 1", f"{number_text(d + 1.0)} - 1") if i == c else (f"softmax[{i}]", "")
                 for i, d in enumerate(local)]
    elif kind == "bce":
        rules = [(f"({ins[0]} - {ins[1]})/({ins[0]}*(1 - {ins[0]}))", f"({xs[0]} - {xs[1]})/({xs[0]}*(1 - {xs[0]}))"),
                 (f"log(1 - {ins[0]}) - log({ins[0]})", f"log(1 - {xs[0]}) - log({xs[0]})")]
    else:  # a custom op: its rule is Python code, not a formula to write out
        rules = [("", "")] * len(parents)
    texts = []
    for wrt, (rule, worked), slope in zip(ins, rules, local):
        if kind in ("relu", "abs"):  # the rule names the piece that applies, and its number
            steps = [rule]
        elif kind == "custom":
            steps = [f"{number_text(slope)}, from the derivative rule of the op {node.op!r}"]
        else:
            steps = [rule] + ([worked] if worked else []) + [number_text(slope)]
            if steps[0] == steps[-1]:  # d(a + b)/da = 1: the rule is the number
                steps = steps[-1:]
        texts.append(f"{derivative_of(out, wrt)} = {' = '.join(steps)}")
    return texts


def _piecewise(kind: str, name: str, x: float) -> str:
    """relu's and abs's slope, with the piece that applies: "1, since n = 0.5 > 0"."""
    at = f"{name} = {number_text(x)}"
    if x > 0:
        return f"1, since {at} > 0"
    if x < 0:
        return f"{'0' if kind == 'relu' else '-1'}, since {at} < 0"
    if x == 0:
        return f"0, since {at} (the slope at the kink is 0 by convention)"
    return f"nan, since {at}"


def _power_rule(base: str, x: str, k: float) -> tuple[str, str]:
    """d(x**k)/dx = k*x**(k-1), in names and in numbers: `2*a` for k = 2, `3*a**2` for k = 3."""
    if k in (0.0, 1.0):
        return exponent_text(k), ""
    name, kk = wrap(base, POWER + 1), exponent_text(k)
    if k == 2.0:
        return f"2*{name}", f"2*{x}"
    return f"{kk}*{name}**{exponent_text(k - 1.0)}", f"{kk}*{x}**{exponent_text(k - 1.0)}"
