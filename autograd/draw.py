"""Graphviz pictures of the graph behind a Value: one record per Value, one small node per op."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz

from autograd.arguments import count, shown, values
from autograd.files import write_atomically
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
    r"""Escape what means something inside a Graphviz record label: its own characters, and `&`.

    Graphviz reads `&amp;`, `&lt;` ... in any label as the character they stand for, so a label
    that holds "&amp;" would be drawn as "&": every `&` is written as `&amp;` to be drawn as itself.

    >>> _escape("a|b & é c")
    'a\\|b &amp; é\xa0c'
    """
    text = re.sub(r"([{}|<>\\\"])", r"\\\1", text).replace("&", "&amp;")
    # Graphviz (2.43) drops a space that follows a non-ASCII character in a record ("é b" is drawn
    # "éb"): such a space is written as a no-break space, which it keeps and which looks the same.
    return re.sub(r"(?<=[^\x00-\x7f]) ", "\u00a0", text)


def label_text(label: str) -> str:
    """A label as it is drawn: control characters and lone surrogates written as escapes (\\x00, \\ud800).

    Graphviz stops at a NUL ("syntax error"), drops tabs and newlines, and a lone surrogate cannot be
    written to a file at all; the escape shows the learner what the label holds.

    >>> label_text("a\\x00b"), label_text("tab\\there"), label_text("ok é")
    ('a\\\\x00b', 'tab\\\\there', 'ok é')
    """
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in label)


def number_text(x: float) -> str:
    """x with 4 significant digits, so 1e-7 is not shown as 0.0000 nor 1e20 as 21 digits; -0.0 shows as 0.

    (-0.0 comes from multiplying 0 by a negative number, e.g. relu passing back 0 x upstream: the same
    number as 0, and "-0" would only puzzle a reader.)

    >>> number_text(0.70710678), number_text(-3.0), number_text(1e-7), number_text(1e20), number_text(-0.0)
    ('0.7071', '-3', '1e-07', '1e+20', '0')
    """
    return f"{x + 0.0:.4g}"  # -0.0 + 0.0 is 0.0


def record_fields(node: Value) -> list[str]:
    """The text of a value's box: its label if any, then data and grad (shared with the walkthrough page)."""
    fields = [label_text(node.label)] if node.label else []
    return [*fields, f"data {number_text(node.data)}", f"grad {number_text(node.grad)}"]


def is_parameter(node: Value, params: set[Value]) -> bool:
    """Whether a value is drawn as a parameter (amber): a leaf in `params`, or a leaf that says it is one.

    A model's weights say so themselves: nn makes them as `nn.layers.Parameter`, a Value whose class sets
    `is_parameter = True`. That attribute is the whole agreement, so the engine never imports nn.

    >>> class Weight(Value):
    ...     __slots__ = ()
    ...     is_parameter = True
    >>> is_parameter(Weight(0.5), set()), is_parameter(Value(0.5), set())
    (True, False)
    """
    return node in params or (not node.parents and getattr(node, "is_parameter", False) is True)


def drawable(
    who: str, root: Any, rankdir: Any, max_nodes: Any, params: Any
) -> tuple[list[Value], set[Value]]:
    """Check a drawing's arguments (draw_dot, walkthrough); return the nodes in topological order and the params."""
    if not isinstance(root, Value):
        raise TypeError(f"{who} needs a Value to draw, got {shown(root)}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"{who}: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r:.40}")
    max_nodes = count(who, "max_nodes", max_nodes)
    parameters = set(values(who, "params", params))
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"{who}: the graph has {len(order)} values, more than max_nodes={max_nodes}; "
            f"pass {who}(root, max_nodes={len(order)}) to draw it anyway (large graphs render slowly)"
        )
    return order, parameters


def draw_dot(
    root: Value, *, rankdir: str = "LR", max_nodes: int = 500, params: Iterable[Value] = ()
) -> graphviz.Digraph:
    """A graphviz.Digraph of the graph behind `root` (shows inline in Jupyter; `.source` is the DOT text).

    Each Value is a record (label, data, grad); each op is a small ellipse; edges run in data-flow
    direction, one per operand (so `a * a` has two). Parameters are drawn in amber (leaves in `params`,
    and a model's own weights and biases, which nn makes as parameters: see is_parameter), other
    leaves in blue. Node names come from a counter in topological order: stable across runs.

    >>> a = Value(2.0, label="a")
    >>> print(draw_dot(a * a).source.count("->"))
    3
    """
    order, parameters = drawable("draw_dot", root, rankdir, max_nodes, params)
    return draw_values(order, parameters, rankdir)


def draw_values(nodes: list[Value], parameters: set[Value], rankdir: str = "LR") -> graphviz.Digraph:
    """draw_dot's picture of the given values only (listed in topological order): part of a graph.

    Named v0, v1, ... in the order given. Edges run between drawn values only; a value none of whose
    parents is drawn shows no op node (an op with no inputs would mislead), so it reads as where the
    drawing was cut. draw_dot passes every value behind its root.

    >>> a = Value(2.0, label="a")
    >>> b = a * a
    >>> print(draw_values([b, b + 1.0], set()).source.count("->"))  # b -> +, + -> the sum; b's op: a is not drawn
    2
    """
    names = {node: f"v{i}" for i, node in enumerate(nodes)}
    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica", "fontsize": "11"})
    for node in nodes:
        name = names[node]
        role = "parameter" if is_parameter(node, parameters) else ("leaf" if not node.parents else "result")
        label = "{ " + " | ".join(map(_escape, record_fields(node))) + " }"
        dot.node(name, label, shape="record", style="filled", fillcolor=STYLE[role])
        drawn = [parent for parent in node.parents if parent in names]
        if drawn:
            # escape(): an op named like `<a>` would otherwise be read as an HTML label, and `\N` as the node's name
            op_text = graphviz.escape(label_text(node.op).replace("&", "&amp;"))
            dot.node(f"{name}_op", op_text, shape="ellipse", width="0.3", height="0.3")
            for parent in drawn:
                dot.edge(names[parent], f"{name}_op")
            dot.edge(f"{name}_op", name)
    return dot


def render(dot: graphviz.Digraph, path: str | Path, format: str | None = None) -> str:
    """Render `dot` with Graphviz's `dot` program to exactly `path`, and return it as a str.

    The picture format comes from the file's extension (.svg, .png, .pdf, ...), or from
    `format` when given (then the extension does not matter); either in any case ("PNG" is png).
    Nothing else is written.
    """
    if not isinstance(dot, (graphviz.Graph, graphviz.Digraph, graphviz.Source)):
        raise TypeError(f"render: dot must be a graph from draw_dot (a graphviz.Digraph), got {shown(dot)}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"render: path must be a file name (str or Path), got {shown(path)}")
    if format is not None and not isinstance(format, str):
        raise TypeError(f"render: format must be a str such as 'svg' or 'png', got {shown(format)}")
    path = Path(path)
    if format is not None:
        format = format.lower()  # as for an extension: "PNG" and ".PNG" both mean png
    else:
        format = path.suffix[1:].lower()
        if not format:
            raise ValueError(f"render: {str(path)!r} has no extension to tell the format; end it in .svg, .png or .pdf")
    if format not in graphviz.FORMATS:
        raise ValueError(
            f"render: Graphviz cannot write {format!r} (from {str(path)!r}); use svg, png or pdf,"
            " or pass format= explicitly"
        )
    try:
        picture = dot.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalled(INSTALL_HINT) from None
    return str(write_atomically("render", path, picture))
