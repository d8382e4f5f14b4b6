"""The graph of one data point's loss term, as the explorer page draws it: one path through the network at a time.

The point's loss term is built on the network of a recorded step, exactly as training builds it,
and `backward()` runs on it alone: each box then shows the value (data) and the gradient of this
one point's loss term with respect to it (grad), the texts draw_dot writes.

What is kept. A graph of at most MAX_DRAWN values keeps all of them: for the yin-yang network,
MLP(2, [8, 3]), that is the point's whole graph, 84 values from its two coordinates to its loss.
The two-moons network, MLP(2, [16, 16, 1]), makes 442 values per point (337 of them parameters);
their numbers for every point at every 5th step would make the page about 8 MB. So a larger graph
is cut at the last hidden layer's outputs: the loss term, the output neuron with its weights and
bias, and the 16 hidden outputs it reads, each kept without the graph behind it.

What is drawn. Even 40 boxes do not read at once in a browser pane beside two plots: drawn whole,
they must shrink to 6 px text. So the page draws one path at a time, one neuron of each layer (a
`Path`): for yin-yang, from the inputs through hidden neuron j to output z[k] (24 paths); for two
moons, from hidden output h[1][j] through the output neuron (16 paths). A neuron on the path is
drawn with the weight and input of the path's term of its weighted sum, and a note saying how
many terms are not drawn; the outputs off the path, which the loss still reads, are drawn without
their graphs. Every box's numbers are the whole graph's: a value used by several neurons holds
the sum of all its uses' shares, drawn or not.

One drawing per path serves every point: their graphs have the same shape (checked), only the
numbers differ, and the page fills them in.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import graphviz

from autograd import Value, topological_order
from autograd.draw import _escape, draw_values, number_text
from nn import MLP
from nn.layers import inputs_as_values

MAX_DRAWN = 120  # values whose numbers the page keeps for every point at every recorded step
MAX_PATHS = 48  # drawings per page: each is a few kB of SVG
CUT_FILL = "#e3f1dc"  # pale green: a value drawn without the graph behind it


class PointNumbers(NamedTuple):
    """One point's graph at one step: the texts of its boxes (see PointGraphs.texts), the text of each
    kept op (None where no op is drawn), its loss term and the network's outputs."""

    texts: dict[str, list[str]]
    ops: list[str | None]
    loss: float
    outputs: list[float]


class Path(NamedTuple):
    """One drawing: the neuron chosen in each layer that offers a choice, and what is drawn of the kept values."""

    key: tuple[int, ...]  # the neuron chosen in each choice layer
    values: list[int]  # the kept values drawn, as positions in PointGraphs.kept (topological order)
    notes: dict[int, int]  # a weighted sum drawn in part (its position) -> how many of its terms are not drawn
    cut: list[int]  # values drawn without the graph behind them


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


def label_values(layers: list[list[Value]], root: Value) -> None:
    """Name the values a learner looks for: x1, x2; h[l][j], the output of layer l's neuron j; the outputs.

    The parameters carry nn's names already: w[l][j][i] is layer l's neuron j's weight for input i.

    >>> model = MLP(2, [3, 2], seed=0)
    >>> root, layers = point_graph(model, [0.5, -1.0], 0, lambda outputs, c: outputs[c].relu())
    >>> label_values(layers, root)
    >>> [v.label for v in (*layers[0], layers[1][2], layers[2][1], model.layers[1].neurons[1].w[2], root)]
    ['x1', 'x2', 'h[0][2]', 'z[1]', 'w[1][1][2]', 'loss term']
    """
    for i, x in enumerate(layers[0], start=1):
        x.label = f"x{i}"
    for number, values in enumerate(layers[1:-1]):
        for j, h in enumerate(values):
            h.label = f"h[{number}][{j}]"
    outputs = layers[-1]
    if len(outputs) == 1:
        outputs[0].label = "score"
    else:
        for j, z in enumerate(outputs):
            z.label = f"z[{j}]"  # the logits
    root.label = "loss term"


def values_to_keep(root: Value, layers: list[list[Value]]) -> tuple[list[Value], int]:
    """The values kept (topological order), and the layer the path starts from: 0 (all), or the last hidden one.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> root, layers = point_graph(model, [0.5, -1.0], 1.0, lambda outputs, y: (1 - y * outputs[0]).relu())
    >>> kept, start = values_to_keep(root, layers)
    >>> len(topological_order(root)), len(kept), start
    (442, 40, 2)
    """
    order = topological_order(root)
    if len(order) <= MAX_DRAWN or len(layers) < 3:
        return order, 0
    cut = set(layers[-2])  # kept, but not what is behind them
    kept, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in kept:
            kept.add(node)
            if node not in cut:
                stack.extend(node.parents)
    return [node for node in order if node in kept], len(layers) - 2


def structure(order: list[Value]) -> list[tuple[int, ...]]:
    """The shape of a graph: for each node in topological order, the positions of its parents.

    >>> a = Value(2.0)
    >>> structure(topological_order(a * a + 1.0))
    [(), (0, 0), (), (1, 2)]
    """
    position = {node: k for k, node in enumerate(order)}
    return [tuple(position[p] for p in node.parents) for node in order]


def path_through(root: Value, on_path: set[Value], layer_values: set[Value], stop: set[Value]) -> tuple:
    """Walk back from the loss term along one path: (values drawn, {weighted sum: terms not drawn}, values cut).

    A weighted sum (a `dot` node) keeps only its terms whose input is on the path; a layer's output
    off the path that the loss reads (another logit) is drawn, cut; the values in `stop` are cut too.
    """
    drawn, notes, cut = set(), {}, set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in drawn:
            continue
        drawn.add(node)
        if node in stop or (node in layer_values and node not in on_path):
            cut.add(node)
        elif node.op == "dot":  # w_1*x_1 + ... + w_n*x_n: the parents are the w's, then the x's
            n = len(node.parents) // 2
            terms = [i for i in range(n) if node.parents[n + i] in on_path]
            stack.extend(node.parents[i] for i in terms)
            stack.extend(node.parents[n + i] for i in terms)
            if len(terms) < n:
                notes[node] = n - len(terms)
        else:
            stack.extend(node.parents)
    return drawn, notes, cut


class PointGraphs:
    """The drawings of a point's loss graph, one per path, and how to read any point's numbers into their boxes."""

    def __init__(self, model: MLP, x: Any, target: Any, loss_term: Any) -> None:
        root, layers = point_graph(model, x, target, loss_term)
        label_values(layers, root)
        self.loss_term = loss_term
        self.kept, start = values_to_keep(root, layers)
        self.parameters = set(model.parameters())
        order = topological_order(root)
        self.shape = structure(order)
        self.hidden = len(order) - len(self.kept)  # values not kept
        where = {node: k for k, node in enumerate(order)}
        self.positions = [where[node] for node in self.kept]  # where each kept value sits in topological order
        self.outputs = [self.kept.index(z) for z in layers[-1]]
        self.root = self.kept.index(root)
        self.kinds = [self.kind(node) for node in self.kept]
        self.labels = [node.label for node in self.kept]
        kept = set(self.kept)
        self.ops = [node.op if any(p in kept for p in node.parents) else None for node in self.kept]
        self.choices, self.paths = self.make_paths(root, layers, start)

    def kind(self, node: Value) -> str:
        """"parameter", "constant" (an input or a number in the formula), or "result" (made by an op)."""
        if node in self.parameters:
            return "parameter"
        return "result" if node.parents else "constant"

    def make_paths(self, root: Value, layers: list[list[Value]], start: int) -> tuple[list[tuple], list[Path]]:
        """Every path, and what each choice offers: [(which layer, its values' labels)], [Path, ...]."""
        # A path chooses one value of each layer from `start` on (the inputs are all drawn when the path
        # starts there), except a layer of one value.
        choice_layers = [number for number in range(max(start, 1), len(layers)) if len(layers[number]) > 1]
        choices = [(number, [value.label for value in layers[number]]) for number in choice_layers]
        if len(list(itertools.product(*(range(len(layers[n])) for n in choice_layers)))) > MAX_PATHS:
            raise ValueError(f"explorer: this network has more than {MAX_PATHS} paths to draw; "
                             "draw a smaller one, or cut its graph further")
        layer_values = {value for values in layers[1:] for value in values}
        stop = set(layers[start]) if start else set()
        position = {node: k for k, node in enumerate(self.kept)}
        paths = []
        for key in itertools.product(*(range(len(layers[n])) for n in choice_layers)):
            chosen = dict(zip(choice_layers, key))
            on_path = set(layers[0]) if start == 0 else set()
            for number in range(max(start, 1), len(layers)):
                on_path |= {layers[number][chosen.get(number, 0)]}
            drawn, notes, cut = path_through(root, on_path, layer_values, stop)
            paths.append(Path(key, sorted(position[node] for node in drawn),
                              {position[node]: n for node, n in notes.items()}, sorted(position[node] for node in cut)))
        return choices, paths

    def numbers(self, model: MLP, x: Any, target: Any) -> PointNumbers:
        """Build this point's loss term on `model`, run backward on it alone, and read the kept boxes.

        The model's .grad is zeroed before and left at zero after.
        """
        root, layers = point_graph(model, x, target, self.loss_term)
        order = topological_order(root)
        if structure(order) != self.shape:
            raise ValueError("explorer: this point's loss graph has another shape than the one drawn; "
                             "every point's graph must be built by the same loss_term")
        model.zero_grad()
        root.backward()
        kept = [order[k] for k in self.positions]
        texts = self.texts(kept)
        ops = [node.op if op is not None else None for node, op in zip(kept, self.ops)]
        model.zero_grad()
        return PointNumbers(texts, ops, root.data, [z.data for z in layers[-1]])

    def texts(self, kept: list[Value]) -> dict[str, list[str]]:
        """The numbers of the kept boxes as draw_dot writes them, split by what they change with.

        "parameter": parameters' data (the same for every point at a step); "constant": inputs' and
        constants' data (the same at every step); "moving": the rest, each result's data, then every grad.
        """
        texts = {"parameter": [], "constant": [], "moving": []}
        for node, kind in zip(kept, self.kinds):
            texts["moving" if kind == "result" else kind].append(number_text(node.data))
            texts["moving"].append(number_text(node.grad))
        return texts

    def drawing(self, path: Path, widest: list[tuple[str, str]]) -> graphviz.Digraph:
        """One path, top to bottom (the loss at the bottom), each box laid out with the widest (data, grad) it shows.

        Named v0, v1, ... in the order of path.values; the notes n0, n1, ... point at the sum they belong to.
        """
        nodes = [self.kept[k] for k in path.values]
        dot = draw_values(nodes, self.parameters, rankdir="TB")
        # Compact, top to bottom: a path is a chain of neurons, and a column of boxes fits the pane beside the plots.
        dot.graph_attr.update(nodesep="0.12", ranksep="0.1")
        dot.node_attr.update(height="0.3", margin="0.06,0.02")
        for p, k in enumerate(path.values):
            data, grad = widest[k]
            numbers = "{ " + " | ".join(map(_escape, (f"data {data}", f"grad {grad}"))) + " }"
            extra = {"style": "filled,dashed", "fillcolor": CUT_FILL} if k in path.cut else {}
            if self.kinds[k] == "result" and k not in path.cut:  # the chain from the inputs to the loss: one column
                extra["group"] = "path"
                dot.node(f"v{p}_op", group="path", height="0.22")  # flat ellipses: a path has six ops
            # Top to bottom, a record without braces is a row, and braces stack their fields: the label, then
            # data over grad. Narrow boxes: a layer's weights and inputs side by side still fit the pane.
            label = f"{_escape(self.labels[k])} | {numbers}" if self.labels[k] else numbers
            dot.node(f"v{p}", label, **extra)
            if k in path.notes:
                node = self.kept[k]
                inputs = "h" if node.parents[len(node.parents) // 2].label.startswith("h[") else "x"
                dot.node(f"n{p}", f"+{path.notes[k]} more\\nterms w·{inputs}", shape="box",
                         style="dashed,rounded", color="#888888", fontcolor="#555555")
                dot.edge(f"n{p}", f"v{p}_op", style="dashed", color="#888888")
        return dot

    def best_path(self, models: list[MLP], x: Any, target: Any) -> int:
        """The path to show first for this point: the one whose weakest parameter gradient, added over the
        networks of every recorded step, is largest: the gradient flows along it all the way, not into a
        saturated neuron."""
        scores = [0.0] * len(self.paths)
        for model in models:
            root, _ = point_graph(model, x, target, self.loss_term)
            model.zero_grad()
            root.backward()
            order = topological_order(root)
            grads = {k: abs(order[position].grad) for k, (position, kind) in enumerate(zip(self.positions, self.kinds))
                     if kind == "parameter"}
            model.zero_grad()
            for p, path in enumerate(self.paths):
                scores[p] += min(grads[k] for k in path.values if k in grads)
        return max(range(len(self.paths)), key=scores.__getitem__)
