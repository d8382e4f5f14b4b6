"""Watch backprop: one HTML page that steps through the forward pass, then the backward pass, node by node.

Everything a step shows is computed here, in Python, with the engine's own rules and in the
engine's own order; the page's JavaScript (`autograd/pages/web/walkthrough.js`) only displays step k.

Steps: step 0 is the start (inputs and parameters hold their numbers, everything else is "?").
Steps 1..F are the forward pass, one op node each in topological order: its data appears.
Steps F+1..N are the backward pass, one op node each in the order `backward()` visits them
(newest first; a root that is a leaf gets one step of its own). The node's gradient is complete,
and it sends each parent its share, local slope × upstream (the node's gradient): the slope is
written as the lecture writes it on the board, in the graph's own names and numbers
(autograd/pages/board.py). A parent's gradient shows as soon as a share reaches it: the running
sum, marked partial while some of its uses have not sent theirs yet; at the end every value holds
what `backward()` leaves in it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from types import SimpleNamespace

from autograd.draw import STYLE, _escape, draw_dot, drawable, number_text, record_fields
from autograd.explain import explain_backward
from autograd.graph import newest_first
from autograd.pages.board import ATOM, derivative_of, formula, grad_of, number, slope_texts, value_names
from autograd.pages.page import Page, graph_svg, page_html
from autograd.value import Value

UNKNOWN = "?"  # what a box shows for a number not computed yet


def walkthrough(root: Value, *, params: Iterable[Value] = (), rankdir: str = "LR", max_nodes: int = 200) -> Page:
    """A self-contained page that steps through the forward and backward pass behind `root`.

    `.html` is the page, `.save(path)` writes it, and in Jupyter it shows inline. Parameters are
    drawn in amber, as by `draw_dot`. Every value is named in its box: its label, or the formula
    that made it (`x1*w1`), or v0, v1, ... No `.grad` is changed. Needs Graphviz's `dot`.

    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = (x * w).tanh()
    >>> page = walkthrough(y, params=[w])
    >>> len(page.data["steps"]), x.grad   # start, 2 forward, 2 backward; x.grad untouched
    (5, 0.0)
    """
    order, _ = drawable("walkthrough", root, rankdir, max_nodes, params)
    ids = {node: f"v{i}" for i, node in enumerate(order)}  # the node names of draw_dot's SVG
    names = value_names(order)
    initial = {ids[n]: [_field("data", None if n.parents else n.data), _field("grad", None)] for n in order}
    steps = [_start_step(order, names)]
    steps += _forward_steps(order, ids, names)
    steps += _backward_steps(root, ids, names)
    steps[-1]["story"] += (
        "<p class='done'>Done: every gradient is complete. These are the numbers "
        "<code>backward()</code> leaves in <code>.grad</code>.</p>"
    )
    for step in steps:  # what #explain shows: the story of the step, then its chain-rule table
        step["explain"] = f"<div class='story'>{step.pop('story')}</div>{step.pop('table', '')}"
    data = {"initial": initial, "steps": steps}

    dot = draw_dot(root, rankdir=rankdir, max_nodes=max_nodes, params=params)
    # Tighter than draw_dot's defaults (ranks 0.5 inch apart, wide margins in each field): the graph
    # shares the window with the explanation, and a narrower graph is drawn with larger text.
    dot.graph_attr.update(ranksep="0.22", nodesep="0.15")
    dot.node_attr.update(margin="0.06,0.04")
    # Lay the graph out with the widest text each field will show, so every step's text fits
    # its box. A second statement for a node in DOT text replaces only the attributes it gives.
    for node, (data_text, grad_text) in _widest_texts(initial, steps, ids).items():
        dot.node(ids[node], "{ " + " | ".join(map(_escape, [names[node], data_text, grad_text])) + " }")
    svg = graph_svg(dot)
    title = f"Backprop step by step: {names[root]}"
    page = page_html(title, _body(title, svg, len(steps) - 1), data, ["graph.js", "player.js", "walkthrough.js"],
                     ["page.css"])
    return Page(page, data, height=_notebook_height(svg))


def _field(name: str, number: float | None) -> str:
    """The text of a box's data or grad field, exactly as draw_dot writes it; "?" when not known yet."""
    if number is None:
        return f"{name} {UNKNOWN}"
    data_text, grad_text = record_fields(SimpleNamespace(label="", data=number, grad=number))
    return data_text if name == "data" else grad_text


def _start_step(order: list[Value], names: dict) -> dict:
    """Step 0: only the leaves' numbers are known."""
    text = ("<p class='headline'>Start: the inputs and parameters hold their numbers; every other value and "
            f"every gradient is still unknown ({UNKNOWN}).</p>"
            "<p>Press <kbd>→</kbd> or <b>Next</b> to compute the values one by one (the forward pass), "
            "then the gradients (the backward pass).</p>")
    holding = [names[n] for n in order if not n.parents and n.grad != 0.0]
    if holding:
        text += (f"<p class='note'>{_h(', '.join(holding))} already hold a gradient from an earlier "
                 "<code>backward()</code>. <code>backward()</code> adds to it, and so does this page "
                 "(call <code>zero_grad()</code> first to start from 0).</p>")
    return {"phase": "start", "current": None, "parents": [], "changes": [], "story": text}


def _forward_steps(order: list[Value], ids: dict, names: dict) -> list[dict]:
    """One step per op node, in topological order: its value is computed from its parents'."""
    computed = [node for node in order if node.parents]
    steps = []
    for k, node in enumerate(computed, start=1):
        parents = node.parents
        by_name, _ = formula(node, [names[p] for p in parents])
        numbers = [number(p.data) for p in parents]  # -3 as (-3): 2 * (-3)
        if node.op in ("+", "-", "sum"):  # but -6 + 0: a sum's first term needs no parentheses
            numbers[0] = number_text(parents[0].data)
        by_number, _ = formula(node, numbers, {text: ATOM for text in numbers if text.startswith("(")})
        text = (f"<p class='headline'>Forward {k} of {len(computed)}: "
                f"<b>{_h(names[node])}</b> = {_h(by_name)}</p>"
                f"<p class='equation'>= {_h(by_number)} = <b>{number_text(node.data)}</b></p>")
        steps.append({"phase": "forward", "current": ids[node], "parents": [ids[p] for p in parents],
                      "changes": [[ids[node], "data", _field("data", node.data), False]], "story": text})
    return steps


def _backward_steps(root: Value, ids: dict, names: dict) -> list[dict]:
    """One step per op node, in backward's order: its gradient is complete, and it passes shares back."""
    me = names[root]
    if not root.parents:  # a leaf root: backward() adds d root / d root = 1 to its grad, and that is all
        total = root.grad + 1.0
        text = (f"<p class='headline'>Backward 1 of 1: <b>{_h(me)}</b> is a leaf</p>"
                f"<p class='equation'>{_h(grad_of(me))} = {_sum_text([root.grad, 1.0])} = <b>{number_text(total)}"
                f"</b>: {_h(derivative_of(me, me))} = 1, with no parents to pass it on to.</p>")
        return [{"phase": "backward", "current": ids[root], "parents": [],
                 "changes": [[ids[root], "grad", _field("grad", total), False]], "story": text}]
    visiting = newest_first(root, leaves=False)  # the order backward() visits op nodes
    explained = explain_backward(root)  # the same order: each op's local slopes, from the op table
    uses = {}  # how many shares each value will receive: one per use as an operand
    for node in visiting:
        for parent in node.parents:
            uses[parent] = uses.get(parent, 0) + 1
    # What each value has received so far, added up the way backward() adds: an op node starts
    # from its first share, a leaf adds to the gradient it already holds.
    grads = {root: 1.0}
    shares = {root: [1.0]}  # the shares received, for the explanation
    steps = []
    for k, (node, explanation) in enumerate(zip(visiting, explained), start=1):
        assert explanation.op == node.op, "explain_backward visits op nodes in backward()'s order"
        upstream = grads[node]
        changes = [[ids[root], "grad", _field("grad", 1.0), False]] if node is root else []
        rows = []
        slopes = slope_texts(node, names, explanation.local)
        for parent, local, slope in zip(node.parents, explanation.local, slopes):
            share = local * upstream  # the chain rule
            if parent in grads:
                grads[parent] = grads[parent] + share
            else:
                grads[parent] = share if parent.parents else parent.grad + share
            shares.setdefault(parent, []).append(share)
            complete = len(shares[parent]) == uses[parent]
            changes.append([ids[parent], "grad", _field("grad", grads[parent]), not complete])
            rows.append(f"<tr><td class='equation'>{_h(slope)}</td><td class='equation'>{_h(grad_of(names[parent]))} "
                        f"+= {number_text(local)} × {number_text(upstream)} = {number_text(share)}</td>"
                        f"<td>{_received_text(parent, shares[parent], grads[parent], uses[parent])}</td></tr>")
        here = _h(grad_of(names[node]))  # the upstream gradient of this step
        if node is root:
            why = (f"backward starts here, since {_h(derivative_of(me, me))} = 1. Each backward step takes a "
                   "value whose gradient is complete and sends each parent its share, against the arrows")
        elif len(shares[node]) > 1:
            why = f"complete: the sum over its {len(shares[node])} uses, {_sum_text(shares[node])}"
        else:
            why = "complete, since the one value that uses it has sent its share"
        text = (f"<p class='headline'>Backward {k} of {len(visiting)}: through <b>{_h(names[node])}</b> = "
                f"{_h(formula(node, [names[p] for p in node.parents])[0])}</p>"
                f"<p>{here} = <b>{number_text(upstream)}</b>, the upstream gradient: {why}.</p>")
        table = ("<table class='chain'><tr><th>local slope: the op's rule in this graph's names</th>"
                 f"<th>chain rule: local × upstream</th><th>received</th></tr>{''.join(rows)}</table>")
        steps.append({"phase": "backward", "current": ids[node], "parents": [ids[p] for p in node.parents],
                      "changes": changes, "story": text, "table": table})
    return steps


def _received_text(node: Value, shares: list[float], total: float, uses: int) -> str:
    """What a value holds after this step's share, and whether all of its uses have sent theirs."""
    numbers = shares if node.parents or node.grad == 0.0 else [node.grad, *shares]  # a leaf's earlier gradient
    text = _sum_text(numbers) + (f" = {number_text(total)}" if len(numbers) > 1 else "")
    if len(shares) < uses:
        return f"{text} so far: {len(shares)} of its {uses} uses"
    if uses == 1:
        return f"{text}: complete (its only use)"
    return f"{text}: {'both' if uses == 2 else f'all {uses}'} uses in, complete"


def _sum_text(numbers: list[float]) -> str:
    """ "0.5 + 0.25" for a list of shares; "-6 + (-2)": a negative term after the first in parentheses."""
    return " + ".join([number_text(numbers[0]), *(number(x) for x in numbers[1:])])


def _h(text: str) -> str:
    """Text escaped for HTML (labels are the user's and may hold < or &)."""
    return html.escape(text)


def _widest_texts(initial: dict, steps: list[dict], ids: dict) -> dict:
    """For each value, the longest data text and grad text any step shows: what to lay the graph out with."""
    widest = {name: list(texts) for name, texts in initial.items()}
    for step in steps:
        for name, field, text, _partial in step["changes"]:
            i = 0 if field == "data" else 1
            widest[name][i] = max(widest[name][i], text, key=len)
    return {node: widest[name] for node, name in ids.items()}


def _body(title: str, svg: str, last: int) -> str:
    """The page's HTML: controls and explanation on top, the graph below, a legend at the bottom."""
    return f"""<header>
<h1>{_h(title)}</h1>
<nav class="controls">
<button id="prev" title="previous step (← key)">← Prev</button>
<button id="play" title="play the steps one after another">▶ Play</button>
<button id="next" title="next step (→ key)">Next →</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<span id="step">0 / {last}</span>
<span id="phase"></span>
</nav>
<div id="explain" aria-live="polite"></div>
</header>
<main id="graph">
{svg}
</main>
<footer class="legend">
<span><i class="swatch current"></i>current node</span>
<span><i class="swatch parent"></i>its parents</span>
<span><i class="swatch" style="background: {STYLE["parameter"]}"></i>parameter</span>
<span><i class="swatch" style="background: {STYLE["leaf"]}"></i>input or constant</span>
<span><i class="swatch" style="background: {STYLE["result"]}"></i>computed by an op</span>
<span><code>{UNKNOWN}</code> not computed yet</span>
<span><span class="partial">grad</span> a running sum, still waiting for some of its uses</span>
<span><b class="changed-key">red</b> (blue going forward): what this step wrote</span>
</footer>
"""


def _notebook_height(svg: str) -> int:
    """Pixels for the notebook iframe: the controls, plus the graph at its natural size, within reason."""
    view_box = svg[svg.index('viewBox="') + 9:].split('"', 1)[0].split()
    height_in_points = float(view_box[3])
    return int(260 + min(height_in_points * 4 / 3, 640))
