"""See the graph: the lecture's expression, its neuron and a small MLP, drawn with Graphviz before and after backward.

Each box is a Value (label, data, grad); each ellipse is the op that made it. Amber boxes are
parameters, blue boxes inputs and constants, white boxes values an op computed (the legend at the
bottom of each picture says so). Before backward every grad is 0; after it, each box holds
d(output)/d(box). A model's weights and biases are named by where they sit, w[layer][neuron][input]
and b[layer][neuron], and drawn as parameters with no `params=` needed. The SVGs go to out/
(Graphviz's `dot` program is needed to render them).
"""

from __future__ import annotations

import argparse

import graphviz

from autograd import Value, draw_dot, explain_backward, render
from autograd.draw import STYLE, GraphvizNotInstalled
from demos.common import example_expression, lecture_neuron, out_dir
from nn import MLP


def expression():
    return example_expression(), []


def neuron():
    return lecture_neuron()


def small_mlp():
    """An MLP(2, [2, 1]) with tanh, on the inputs x1, x2: its parameters come named, w[0][1][0] and so on."""
    model = MLP(2, [2, 1], activation="tanh", output_activation="tanh", seed=3)
    out = model([Value(2.0, label="x1"), Value(-1.0, label="x2")])
    out.label = "out"
    return out, []


def save(root: Value, params: list[Value], name: str) -> str:
    """Render to SVG, with its key; without Graphviz installed, keep the DOT text and say how to get pictures."""
    dot = legend(draw_dot(root, params=params))
    try:
        return render(dot, out_dir() / f"{name}.svg")
    except GraphvizNotInstalled as missing:
        path = out_dir() / f"{name}.dot"
        path.write_text(dot.source)
        print(f"  {missing}\n  The graph's DOT text is in {path} instead.")
        return str(path)


def legend(dot: graphviz.Digraph) -> graphviz.Digraph:
    """The key to the colours: a small table of the three fills, beside the inputs."""
    rows = "".join(f'<tr><td bgcolor="{STYLE[role]}">{text}</td></tr>' for role, text in
                   (("parameter", "parameter"), ("leaf", "input or constant"), ("result", "computed by an op")))
    dot.node("key", f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3"><tr><td border="0"><b>key'
             f"</b></td></tr>{rows}</table>>", shape="plaintext", fontsize="10")
    return dot


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demos graph_rendering", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    print(__doc__)
    for name, build in (("expression", expression), ("neuron", neuron), ("mlp", small_mlp)):
        root, params = build()
        before = save(root, params, f"graph_{name}_before")
        print(f"\n{name}: the steps backward will take:\n{explain_backward(root)}")
        root.backward()
        after = save(root, params, f"graph_{name}_after")
        print(f"  saved {before} and {after}")


if __name__ == "__main__":
    main()
