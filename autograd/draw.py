"""Graphviz pictures of the graph behind a Value: one record per Value, one small node per op."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import graphviz

from autograd.graph import topological_order
from autograd.value import Value

INSTALL_HINT = (
    "Graphviz's `dot` program is needed to render pictures: install it with "
    "`sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`; building the graph and reading its .source work without it."
)


class GraphvizNotInstalled(RuntimeError):
    """Rendering needs Graphviz's `dot` program, and it is not on this machine."""


STYLE = {  # fill colour by role, so parameters, inputs/constants and results are told apart at a glance
    "parameter": "#f6d68b",
    "leaf": "#cfe3f7",
    "result": "#ffffff",
}


def _escape(text: str) -> str:
    """Escape the characters that mean something inside a Graphviz record label."""
    return re.sub(r"([{}|<>\\\"])", r"\\\1", text)


def draw_dot(
    root: Value, *, rankdir: str = "LR", max_nodes: int = 500, params: Iterable[Value] = ()
) -> graphviz.Digraph:
    """A graphviz.Digraph of the graph behind `root` (shows inline in Jupyter; `.source` is the DOT text).

    Each Value is a record (label, data, grad); each op is a small ellipse; edges run in data-flow
    direction, one per operand (so `a * a` has two). Leaves in `params` are drawn in amber, other
    leaves in blue. Node names come from a counter in topological order: stable across runs.

    >>> a = Value(2.0, label="a")
    >>> print(draw_dot(a * a).source.count("->"))
    3
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} values, more than max_nodes={max_nodes}; "
            f"pass draw_dot(root, max_nodes={len(order)}) to draw it anyway (large graphs render slowly)"
        )
    parameters = set(params)
    names = {node: f"v{i}" for i, node in enumerate(order)}
    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica", "fontsize": "11"})
    for node in order:
        name = names[node]
        role = "parameter" if node in parameters else ("leaf" if not node.parents else "result")
        fields = [_escape(node.label)] if node.label else []
        fields += [f"data {node.data:.4f}", f"grad {node.grad:.4f}"]
        dot.node(name, "{ " + " | ".join(fields) + " }", shape="record", style="filled", fillcolor=STYLE[role])
        if node.parents:
            dot.node(f"{name}_op", node.op, shape="ellipse", width="0.3", height="0.3")
            for parent in node.parents:
                dot.edge(names[parent], f"{name}_op")
            dot.edge(f"{name}_op", name)
    return dot


def render(dot: graphviz.Digraph, path: str | Path, format: str = "svg") -> str:
    """Write `dot` to `path` with the given extension added (svg, png, pdf) and return the file's name."""
    path = Path(path)
    try:
        return dot.render(filename=path.stem, directory=str(path.parent), format=format, cleanup=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalled(INSTALL_HINT) from None
