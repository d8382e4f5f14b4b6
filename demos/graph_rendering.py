"""See the graph: an expression and one neuron rendered with Graphviz, before and after backward.

Each box is a Value (label, data, grad); each ellipse is the op that made it. Amber boxes are
parameters, blue boxes inputs and constants. Before backward every grad is 0; after it, each box
holds d(output)/d(box). The SVGs go to out/ (Graphviz's `dot` program is needed to render them).
"""

from __future__ import annotations

from autograd import Value, draw_dot, explain_backward, render
from autograd.draw import GraphvizNotInstalled
from demos.common import example_expression, out_dir
from nn import Neuron


def expression():
    return example_expression(), []


def neuron():
    n = Neuron(2, activation="tanh", seed=0)
    # micrograd's example numbers: the output is tanh(0.8813735870195432) = 0.7071
    for w, name, value in zip(n.w, ("w1", "w2"), (-3.0, 1.0)):
        w.label, w.data = name, value
    n.b.label, n.b.data = "b", 6.8813735870195432
    x = [Value(2.0, label="x1"), Value(0.0, label="x2")]
    out = n(x)
    out.label = "out"
    return out, n.parameters()


def save(root: Value, params: list[Value], name: str) -> str:
    """Render to SVG; without Graphviz installed, keep the DOT text and say how to get pictures."""
    dot = draw_dot(root, params=params)
    try:
        return render(dot, out_dir() / f"{name}.svg")
    except GraphvizNotInstalled as missing:
        path = out_dir() / f"{name}.dot"
        path.write_text(dot.source)
        print(f"  {missing}\n  The graph's DOT text is in {path} instead.")
        return str(path)


def main(argv: list[str] | None = None) -> None:
    print(__doc__)
    for name, build in (("expression", expression), ("neuron", neuron)):
        root, params = build()
        before = save(root, params, f"graph_{name}_before")
        print(f"\n{name}: the steps backward will take:\n{explain_backward(root)}")
        root.backward()
        after = save(root, params, f"graph_{name}_after")
        print(f"  saved {before} and {after}")


if __name__ == "__main__":
    main()
