"""The training explorer: a training run as one self-contained page you can play, pause and step through.

At each recorded step the page shows the training loss so far, the decision boundary of the network
of that step over the data, and the graph of one data point's loss term (click a point, or choose it
in the list) with its data and gradients at that step. Every number is computed here, in Python,
by the engine (the graphs) or its NumPy reference (the boundary grid); the page's JavaScript
(`explorer.js` beside this file) only shows the step and the point chosen. Like `autograd.walkthrough`,
the page embeds everything (Graphviz's SVG, the scripts, the styles, the numbers as JSON), so it
opens from the file system with no server and fetches nothing.

This lives in demos/, not in the engine: it knows about networks, data sets and training runs,
which are nn's and the demos' business; the engine (autograd/) does not import nn.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from autograd.draw import number_text
from autograd.pages.page import Page, graph_svg, page_html
from demos.explorer.graph import PointGraphs
from demos.explorer.plots import Plane, boundary, loss_curve, plot_svg
from demos.explorer.runs import Recording


def explorer_page(recording: Recording) -> Page:
    """The explorer page of a recorded run: `.html`, `.save(path)`, inline in Jupyter; `.data` is its JSON.

    Needs Graphviz's `dot` (GraphvizNotInstalled says how to get it).

    >>> from demos.explorer.runs import record_two_moons
    >>> page = explorer_page(record_two_moons(every=1, steps=1))
    >>> page.data["steps"], len(page.data["moving"]), len(page.data["moving"][0])  # steps, points, steps
    ([0, 1], 100, 2)
    """
    graphs = PointGraphs(recording.model(0), recording.points[0], recording.targets[0], recording.loss_term)
    numbers = point_numbers(recording, graphs)
    plane = Plane(recording.region)
    curve_svg, curve, checked = loss_curve(recording)
    fields = [boundary(recording, index, plane) for index in range(len(recording.steps))]
    start = numbers["start"]
    data = {
        "steps": recording.steps,
        "status": [status(recording, k) for k in recording.steps],
        "curve": curve,
        "checked": checked,
        "field": {"columns": plane.columns, "rows": plane.rows, "steps": fields},
        "classNames": recording.class_names,
        "colours": [[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in recording.colours],  # "#rrggbb" -> [r, g, b]
        "points": [{"class": c, "split": s} for c, s in zip(recording.classes, recording.splits)],
        "graph": {"kinds": graphs.kinds, "labels": graphs.labels, "outputs": graphs.outputs, "root": graphs.root,
                  "paths": [{"key": list(path.key), "values": path.values} for path in graphs.paths],
                  "startPath": graphs.best_path([recording.model(index) for index in range(len(recording.steps))],
                                                recording.points[start], recording.targets[start])},
        **numbers,
    }
    widest = widest_texts(graphs, numbers)
    svgs = [graph_svg(graphs.drawing(path, widest)) for path in graphs.paths]  # their size is the page's to set (zoom)
    body = page_body(recording, plane, graphs, plot_svg(recording, plane), curve_svg, svgs)
    here = Path(__file__).parent  # the explorer's own script and style; the rest are autograd's page parts
    scripts, styles = ["graph.js", "player.js", here / "explorer.js"], ["page.css", here / "explorer.css"]
    html = page_html(recording.title, body, data, scripts, styles)
    return Page(html, data, height=760)


def point_numbers(recording: Recording, graphs: PointGraphs) -> dict:
    """Every point's graph at every recorded step, run by the engine: the texts of its boxes and its prediction.

    "parameters": per step, the drawn parameters' data; "constants": per point, its inputs' and constants'
    data; "moving": per point and step, the rest (see PointGraphs.texts), each list joined by spaces
    (number texts hold none). "ops": per point, the op texts that differ from the drawing's.
    "predicted": per step, each point's predicted class as one digit. "start": the point shown first.
    """
    parameters, constants, ops, moving, predicted = [], [], [], [[] for _ in recording.points], []
    losses = [[] for _ in recording.points]
    for index in range(len(recording.steps)):
        model = recording.model(index)
        guesses = []
        for p, (x, target) in enumerate(zip(recording.points, recording.targets)):
            point = graphs.numbers(model, x, target)
            if p == 0:
                parameters.append(" ".join(point.texts["parameter"]))
            if index == 0:
                constants.append(" ".join(point.texts["constant"]))
                ops.append({k: text for k, text in enumerate(point.ops) if text != graphs.ops[k]})
            moving[p].append(" ".join(point.texts["moving"]))
            guesses.append(str(predicted_class(point.outputs)))
            losses[p].append(point.loss)
        predicted.append("".join(guesses))
    # Shown first: the training point that sends a gradient back the longest (its loss term is not 0 at the
    # most recorded steps; then the largest summed loss term): a point near the boundary, learned late.
    start = max((p for p, split in enumerate(recording.splits) if split == "train"),
                key=lambda p: (sum(loss > 0 for loss in losses[p]), sum(losses[p])))
    return {"parameters": parameters, "constants": constants, "moving": moving, "ops": ops,
            "predicted": predicted, "start": start}


def predicted_class(outputs: list[float]) -> int:
    """The class a network's outputs predict: 1 for a positive score (0 otherwise), or the largest logit's index.

    >>> predicted_class([-0.3]), predicted_class([0.1, 2.0, -1.0])
    (0, 1)
    """
    if len(outputs) == 1:
        return int(outputs[0] > 0)
    return max(range(len(outputs)), key=outputs.__getitem__)


def box_texts(kinds: list[str], parameters: str, constants: str, moving: str) -> list[tuple[str, str]]:
    """The (data, grad) numbers of each drawn box, from the three strings of one point at one step.

    The page's JavaScript reads them the same way (boxTexts in explorer.js).

    >>> box_texts(["parameter", "constant", "result"], "0.5", "2", "1 0.25 3 1")
    [('0.5', '1'), ('2', '0.25'), ('3', '1')]
    """
    params, consts, rest = iter(parameters.split()), iter(constants.split()), iter(moving.split())
    sources = {"parameter": params, "constant": consts, "result": rest}
    return [(next(sources[kind]), next(rest)) for kind in kinds]


def widest_texts(graphs: PointGraphs, numbers: dict) -> list[tuple[str, str]]:
    """For each drawn box, the longest data text and grad text it shows at any step for any point."""
    widest = [("", "")] * len(graphs.kept)
    for p, steps in enumerate(numbers["moving"]):
        for index, moving in enumerate(steps):
            texts = box_texts(graphs.kinds, numbers["parameters"][index], numbers["constants"][p], moving)
            widest = [(max(a, data, key=len), max(b, grad, key=len)) for (a, b), (data, grad) in zip(widest, texts)]
    return widest


def status(recording: Recording, k: int) -> str:
    """The line under the controls at step k: the training loss and accuracy (and the validation loss)."""
    text = (f"training loss <b>{number_text(recording.losses[k])}</b> · training accuracy "
            f"<b>{recording.accuracies[k]:.0%}</b>")
    measured = [step for step in recording.checked if step <= k]
    if measured:
        text += f" · validation loss {number_text(recording.checked[measured[-1]])} (step {measured[-1]})"
    return text


def page_body(recording: Recording, plane: Plane, graphs: PointGraphs, plot: str, curve: str, graphs_svg: list) -> str:
    """The page's HTML: controls on top; the plots on the left; the chosen point and its graph on the right."""
    options = "".join(
        f'<option value="{i}">point {i}: {escape(recording.class_names[c])}'
        f'{"" if split == "train" else f" ({split})"}, ({x:.2f}, {y:.2f})</option>'
        for i, ((x, y), c, split) in enumerate(zip(recording.points, recording.classes, recording.splits)))
    classes = "".join(f'<span><i class="swatch c{c}"></i>{escape(name)}</span>'
                      for c, name in enumerate(recording.class_names))
    lines = '<span><i class="line boundary"></i>decision boundary</span>'
    if len(graphs.outputs) == 1:
        lines += '<span><i class="line margins"></i>margins: score −1 and +1</span>'
    splits = "".join(f'<span><i class="marker {marker}"></i>{split}</span>' for split, marker in
                     (("training point", "circle"), ("validation", "square"), ("test", "triangle"))
                     if split.split()[0][:3] in {s[:3] for s in recording.splits})
    choices = " ".join(
        f'<label>{"through" if n == 0 else "to"} <select id="choice-{n}" class="choice">'
        + "".join(f'<option value="{j}">{escape(label)}</option>' for j, label in enumerate(labels))
        + "</select></label>" for n, (_, labels) in enumerate(graphs.choices))
    paths = "\n".join(f'<div class="path" data-path="{p}" hidden>{svg}</div>' for p, svg in enumerate(graphs_svg))
    last = len(recording.steps) - 1
    colours = "; ".join(f"--c{c}: {colour}" for c, colour in enumerate(recording.colours))
    return f"""<header>
<h1>{escape(recording.title)}</h1>
<nav class="controls">
<button id="prev" title="previous recorded step (← key)">← Prev</button>
<button id="play" title="play the training">▶ Play</button>
<button id="next" title="next recorded step (→ key)">Next →</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="recorded step">
<span id="step">step {recording.steps[0]} / {recording.steps[-1]}</span>
<span id="status"></span>
</nav>
</header>
<div class="explorer" style="{colours}">
<section class="plots">
<div id="plot-box"><canvas id="field" width="{plane.columns}" height="{plane.rows}"></canvas>{plot}
<span class="axis x">x1 →</span><span class="axis y">x2 →</span></div>
<p class="key">{classes}{splits}<span><i class="swatch hollow"></i>misclassified at this step</span>{lines}
<span>shade: how sure the network is</span><span class="hint">Click a point to see its graph.</span></p>
{curve}
<p class="key"><span><i class="line loss"></i>training loss so far</span>
{'<span><i class="dot checked"></i>validation loss</span>' if recording.checked else ''}</p>
<p class="about">{recording.about_loss}</p>
<p class="about">{about_graph(recording, graphs)}</p>
</section>
<section class="point-pane">
<div class="point-bar"><label for="point">Data point</label> <select id="point">{options}</select>
<span class="path-bar">path: {choices}</span>
<span class="zoom"><button id="zoom-out" title="zoom out">−</button><span id="zoom">100%</span>
<button id="zoom-in" title="zoom in">+</button><button id="zoom-fit" title="the whole path">fit</button></span>
</div>
<p id="point-info" aria-live="polite"></p>
<main id="graph">
{paths}
</main>
</section>
</div>
"""


def about_graph(recording: Recording, graphs: PointGraphs) -> str:
    """What the graph on the right shows, and whose gradient its boxes hold (HTML)."""
    text = ("<b>The graph</b> is this one point's loss term, and each box's <b>grad</b> is d(loss term) / d(box): "
            "<b>this point's share</b> of the step. The step itself follows the gradient of the training loss, "
            f"which averages the shares of all {recording.splits.count('train')} training points. "
            "It is drawn one path at a time (choose above): one neuron per layer, each weighted sum with the term "
            "on the path and a note for the rest. A box's grad adds the shares of all its uses, drawn or not.")
    if graphs.hidden:
        text += (f' <i class="swatch cut"></i>Dashed green boxes are drawn without the graph behind them '
                 f"(the {graphs.hidden} values before the last hidden layer are not kept: they would make the "
                 "page several times larger).")
    return text
