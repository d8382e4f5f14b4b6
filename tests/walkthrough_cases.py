"""Graphs the walkthrough page is tested on, and how to read what the page shows at step k.

Shared by tests/test_walkthrough.py (pure Python) and tests/test_walkthrough_browser.py.
"""

from __future__ import annotations

import re

from autograd import Value, draw_dot, op, sum_values
from demos.common import lecture_neuron, used_twice
from nn import MLP, Neuron


def nn_neuron():
    """nn's Neuron on the lecture's numbers: one fused dot node for x1*w1 + x2*w2, its parameters named by nn."""
    n = Neuron(2, activation="tanh", seed=0)
    for w, value in zip(n.w, (-3.0, 1.0)):
        w.data = value
    n.b.data = 6.8813735870195432
    out = n([Value(2.0, label="x1"), Value(0.0, label="x2")])
    out.label = "out"
    return out, []


def fan_out():
    """STYLE.md's fan-out case, b = a + a; c = b + b, and then `a` feeds one more op."""
    a = Value(1.5, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    return c * a, []


def a_times_a():
    """One op that uses the same leaf twice: two edges, two contributions in one step."""
    a = Value(-2.0, label="a")
    return a * a, []


def shared_interior():
    """An interior value used twice by one op (d * d) and a leaf used by three ops."""
    a, b = Value(2.0, label="a"), Value(-0.5, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d * d
    e.label = "e"
    f = (e + a).tanh()
    f.label = "f"
    return f, []


def interior_used_twice():
    """An interior value used by two different ops, whose shares arrive at two different steps."""
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    c = a * b
    c.label = "c"
    d = c.exp()
    d.label = "d"
    e = d + c * 2.0
    e.label = "e"
    return e, []


def negative_zero():
    """relu of a negative number passes back -0.0 (0 x a negative upstream), which draw_dot shows as "grad 0"."""
    x, w = Value(-1.0, label="x"), Value(2.0, label="w")
    h = x * w
    h.label = "h"
    r = h.relu()
    r.label = "r"
    return r * -1.0, [w]


def earlier_gradients():
    """Leaves that already hold gradients from an earlier backward(): the page adds to them, as backward() does."""
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    y = (x * w + 0.25).sigmoid()
    y.label = "y"
    y.backward()
    return y, [w]


def leaf_root():
    """A root that is a leaf: no op at all, one backward step (d x / d x = 1)."""
    return Value(3.0, label="x"), []


def many_ops():
    """A custom op, n-ary sums, division, powers with number and Value exponents, exp, log, neg."""
    cube = op("walkthrough_cube", lambda x: x**3, lambda x, out: 3 * x**2)
    a, b = Value(1.25, label="a"), Value(0.5, label="b")
    s = sum_values([cube(a), a / b, (-b) ** 2, 2 ** b])
    s.label = "s"
    return (s.exp() + b.log()) * a, []


def small_mlp():
    """An MLP(2, [3, 1]) with tanh and a squared-error loss: 26 steps, many unlabelled values."""
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss, model.parameters()


GRAPHS = {
    "neuron": lecture_neuron,
    "used_twice": lambda: (used_twice(), []),
    "nn_neuron": nn_neuron,
    "fan_out": fan_out,
    "a_times_a": a_times_a,
    "shared_interior": shared_interior,
    "interior_used_twice": interior_used_twice,
    "negative_zero": negative_zero,
    "earlier_gradients": earlier_gradients,
    "leaf_root": leaf_root,
    "many_ops": many_ops,
    "small_mlp": small_mlp,
}


def states(page) -> list[dict]:
    """What every box shows at each step k, replayed from the page's data: {node: (data, grad, partial)}."""
    shown = {name: (data, grad, False) for name, (data, grad) in page.data["initial"].items()}
    result = [dict(shown)]
    for step in page.data["steps"][1:]:
        for name, field, text, partial in step["changes"]:
            data, grad, _ = shown[name]
            shown[name] = (text, grad, False) if field == "data" else (data, text, partial)
        result.append(dict(shown))
    return result


def draw_dot_texts(root: Value) -> dict:
    """The data and grad text of every box in draw_dot's DOT source: {node name: (data, grad)}."""
    texts = {}
    for name, label in re.findall(r'^\s*(v\d+) \[label="\{ (.*) \}"', draw_dot(root).source, flags=re.MULTILINE):
        data, grad = label.rsplit(" | ", 2)[-2:]
        texts[name] = (data, grad)
    return texts
