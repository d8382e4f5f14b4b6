"""The graph of one data point's loss term, as the explorer page draws it: draw_dot's boxes, the engine's numbers.

The point's loss term is built on the network of a recorded step, exactly as training builds it,
and `backward()` runs on it alone: each box then shows the value (data) and the gradient of this
one point's loss term with respect to it (grad), the texts draw_dot writes.

What is drawn. A graph of at most MAX_DRAWN values is drawn whole: for the yin-yang network,
MLP(2, [8, 3]), that is the point's whole path, 84 values from its two coordinates to its loss.
The two-moons network, MLP(2, [16, 16, 1]), makes 442 values per point (337 of them parameters),
far too many to read, and their numbers for every point at every 5th step would make the page
about 8 MB. So a larger graph is cut at the last hidden layer's outputs: the
loss term, the output neuron with its weights and bias, and the 16 hidden outputs it reads, each
drawn without the graph behind it (relu(w · h1 + b), over the first layer's outputs, which are
relu(w · x + b)). That is where a point's gradient is decided (its margin: all zero, or not) and
where it splits into the output weights' gradients (upstream × h) and the hidden outputs' (upstream
× w); the layers behind repeat the pattern of the output neuron. Each output weight is drawn next
to the hidden output it multiplies, so those two products can be read off side by side.

One drawing serves every point: their graphs have the same shape (checked), only the numbers
differ, and the page fills them in.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import graphviz

from autograd import Value, topological_order
from autograd.draw import _escape, draw_values, number_text, record_fields
from nn import MLP
from nn.layers import inputs_as_values

MAX_DRAWN = 120  # values; a graph this size still reads in a browser pane (scrolling some)
CUT_FILL = "#e3f1dc"  # pale green: a value drawn without the graph behind it


class PointNumbers(NamedTuple):
    """One point's graph at one step: the texts of its boxes (see PointGraphs.texts), the text of each
    drawn op (None where no op is drawn), its loss term and the network's outputs."""

    texts: dict[str, list[str]]
    ops: list[str | None]
    loss: float
    outputs: list[float]


def point_graph(model: MLP, x: Any, target: Any, loss_term: Any) -> tuple[Value, list[list[Value]]]:
    """The point's loss term on `model`, and the values of each layer (the inputs first): the nodes model(x) makes.

    >>> model = MLP(2, [3, 1], seed=0)
    >>> root, layers = point_graph(model, [0.5, -1.0], 1.0, lambda outputs, y: (1 - y * outputs[0]).relu())
    >>> [len(values) for values in layers], root.op
    ([2, 3, 1], 'relu')
    """
    layers = [inputs_as_values("MLP", model.nin, list(x))]
    for layer in model.layers:  # what MLP.__call__ does, keeping each layer's outputs
        layers.append(layer.forward(layers[-1]))
    return loss_term(layers[-1], target), layers


def label_values(model: MLP, layers: list[list[Value]], root: Value) -> None:
    """Name the values a learner looks for: x1, x2; w2[j,i] (layer 2, neuron j, input i), b2[j]; h1[j]; the outputs.

    >>> model = MLP(2, [3, 2], seed=0)
    >>> root, layers = point_graph(model, [0.5, -1.0], 0, lambda outputs, c: outputs[c].relu())
    >>> label_values(model, layers, root)
    >>> [v.label for v in (*layers[0], layers[1][2], layers[2][1], model.layers[1].neurons[1].w[2], root)]
    ['x1', 'x2', 'h1[2]', 'z[1]', 'w2[1,2]', 'loss term']
    """
    for i, x in enumerate(layers[0], start=1):
        x.label = f"x{i}"
    for number, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.label = f"w{number}[{j},{i}]"
            neuron.b.label = f"b{number}[{j}]"
    for number, values in enumerate(layers[1:-1], start=1):
        for j, h in enumerate(values):
            h.label = f"h{number}[{j}]"
    outputs = layers[-1]
    if len(outputs) == 1:
        outputs[0].label = "score"
    else:
        for j, z in enumerate(outputs):
            z.label = f"z[{j}]"  # the logits
    root.label = "loss term"


def values_to_draw(model: MLP, root: Value, layers: list[list[Value]]) -> list[Value]:
    """The values drawn, in drawing order: all, or, past MAX_DRAWN, those after the last hidden layer (see above).

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> root, layers = point_graph(model, [0.5, -1.0], 1.0, lambda outputs, y: (1 - y * outputs[0]).relu())
    >>> len(topological_order(root)), len(values_to_draw(model, root, layers))
    (442, 40)
    """
    order = topological_order(root)
    if len(order) <= MAX_DRAWN or len(layers) < 3:
        return order
    cut = set(layers[-2])  # drawn, but not what is behind them
    kept, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in kept:
            kept.add(node)
            if node not in cut:
                stack.extend(node.parents)
    drawn = [node for node in order if node in kept]
    if len(model.layers[-1].neurons) == 1:  # one output neuron: each weight beside the hidden output it multiplies
        pairs = [v for w, h in zip(model.layers[-1].neurons[0].w, layers[-2]) for v in (w, h)]
        drawn = pairs + [node for node in drawn if node not in set(pairs)]
    return drawn


def structure(order: list[Value]) -> list[tuple[int, ...]]:
    """The shape of a graph: for each node in topological order, the positions of its parents.

    >>> a = Value(2.0)
    >>> structure(topological_order(a * a + 1.0))
    [(), (0, 0), (), (1, 2)]
    """
    position = {node: k for k, node in enumerate(order)}
    return [tuple(position[p] for p in node.parents) for node in order]


class PointGraphs:
    """The drawing of a point's loss graph, and how to read the numbers of any point's graph into its boxes."""

    def __init__(self, model: MLP, x: Any, target: Any, loss_term: Any) -> None:
        root, layers = point_graph(model, x, target, loss_term)
        label_values(model, layers, root)
        self.loss_term = loss_term
        self.drawn = values_to_draw(model, root, layers)
        self.parameters = set(model.parameters())
        order = topological_order(root)
        self.shape = structure(order)
        self.hidden = len(order) - len(self.drawn)  # values not drawn
        where = {node: k for k, node in enumerate(order)}
        self.positions = [where[node] for node in self.drawn]  # where each drawn value sits in topological order
        self.outputs = [self.drawn.index(z) for z in layers[-1]]
        self.root = self.drawn.index(root)
        self.kinds = [self.kind(node) for node in self.drawn]
        self.labels = [node.label for node in self.drawn]
        drawn = set(self.drawn)
        self.ops = [node.op if any(p in drawn for p in node.parents) else None for node in self.drawn]
        self.cut = [k for k, node in enumerate(self.drawn) if node.parents and self.ops[k] is None]

    def kind(self, node: Value) -> str:
        """"parameter", "constant" (an input or a number in the formula), or "result" (made by an op)."""
        if node in self.parameters:
            return "parameter"
        return "result" if node.parents else "constant"

    def numbers(self, model: MLP, x: Any, target: Any) -> PointNumbers:
        """Build this point's loss term on `model`, run backward on it alone, and read the drawn boxes.

        The model's .grad is zeroed before and left at zero after.
        """
        root, layers = point_graph(model, x, target, self.loss_term)
        order = topological_order(root)
        if structure(order) != self.shape:
            raise ValueError("explorer: this point's loss graph has another shape than the one drawn; "
                             "every point's graph must be built by the same loss_term")
        model.zero_grad()
        root.backward()
        drawn = [order[k] for k in self.positions]
        texts = self.texts(drawn)
        ops = [node.op if op is not None else None for node, op in zip(drawn, self.ops)]
        model.zero_grad()
        return PointNumbers(texts, ops, root.data, [z.data for z in layers[-1]])

    def texts(self, drawn: list[Value]) -> dict[str, list[str]]:
        """The numbers of the drawn boxes as draw_dot writes them, split by what they change with.

        "parameter": parameters' data (the same for every point at a step); "constant": inputs' and
        constants' data (the same at every step); "moving": the rest, each result's data, then every grad.
        """
        texts = {"parameter": [], "constant": [], "moving": []}
        for node, kind in zip(drawn, self.kinds):
            texts["moving" if kind == "result" else kind].append(number_text(node.data))
            texts["moving"].append(number_text(node.grad))
        return texts

    def drawing(self, widest: list[tuple[str, str]]) -> graphviz.Digraph:
        """draw_values' picture of the drawn values, each box laid out with the widest (data, grad) it will show."""
        dot = draw_values(self.drawn, self.parameters)
        # Compact (boxes 0.3 inch high, closer together): the graph shares the window with two plots.
        dot.graph_attr.update(nodesep="0.08", ranksep="0.25")
        dot.node_attr.update(height="0.3")
        for k, (node, (data, grad)) in enumerate(zip(self.drawn, widest)):
            fields = [*record_fields(node)[:-2], f"data {data}", f"grad {grad}"]  # the label, if any, then the numbers
            # A second statement of a node in DOT replaces only the attributes it gives.
            extra = {"style": "filled,dashed", "fillcolor": CUT_FILL} if k in self.cut else {}
            dot.node(f"v{k}", "{ " + " | ".join(map(_escape, fields)) + " }", **extra)
        return dot
