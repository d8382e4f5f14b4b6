"""The explorer page's two plots, computed here and drawn by the page: the decision boundary and the loss curve.

The decision boundary at a step: the network of that step evaluated on a grid of points over the
plot (by the NumPy reference, `nn.reference.ReferenceMLP`: the same network on a whole batch), as
a class and a confidence per grid cell, which the page paints; and the boundary lines, found here
by marching squares (demos/explorer/contours.py), which the page draws as SVG paths. For a single score
(two moons) the boundary is where the score is 0 and the margins where it is -1 and +1; for
several logits, where the largest one changes hands.
"""

from __future__ import annotations

import base64
import math
from html import escape

import numpy as np

from demos.explorer.contours import contour_lines, svg_path
from demos.explorer.runs import Recording
from nn.reference import ReferenceMLP

PLOT_WIDTH = 380  # SVG units (CSS pixels at scale 1) of the data plot
CELL = 4  # units per grid cell of the boundary: 95 cells across
CURVE_WIDTH, CURVE_HEIGHT = 380, 150  # the loss curve's SVG
CURVE_MARGIN = (54, 10, 10, 36)  # left, right, top, bottom: room for the tick labels and the axes' names
MARKERS = {"train": "circle", "val": "square", "test": "triangle"}
SCORE_FOR_FULL_COLOUR = 2.0  # a cell whose score is this far from 0 (two margins) gets the full colour


class Plane:
    """The plot's geometry: where a point of the data plane lands in the SVG, and the grid of the boundary.

    >>> plane = Plane((-1.0, 1.0, -0.5, 0.5))
    >>> plane.width, plane.height, plane.columns, plane.rows, plane.to_svg(0.0, 0.5)
    (380, 190, 95, 47, (190.0, 0.0))
    """

    def __init__(self, region: tuple[float, float, float, float]) -> None:
        self.x0, self.x1, self.y0, self.y1 = region
        self.width = PLOT_WIDTH
        self.height = round(PLOT_WIDTH * (self.y1 - self.y0) / (self.x1 - self.x0))  # equal scales on both axes
        self.columns, self.rows = self.width // CELL, self.height // CELL
        # The centres of the grid cells, bottom row first (row i is y0 + (i + 1/2) cell heights up).
        xs = self.x0 + (np.arange(self.columns) + 0.5) * (self.x1 - self.x0) / self.columns
        ys = self.y0 + (np.arange(self.rows) + 0.5) * (self.y1 - self.y0) / self.rows
        grid_x, grid_y = np.meshgrid(xs, ys)
        self.grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])

    def to_svg(self, x: float, y: float) -> tuple[float, float]:
        """A point of the data plane in SVG units (y grows downwards in SVG)."""
        return ((x - self.x0) / (self.x1 - self.x0) * self.width, (self.y1 - y) / (self.y1 - self.y0) * self.height)

    def cell_to_svg(self, j: float, i: float) -> tuple[float, float]:
        """Grid coordinates (column j, row i from the bottom, at cell centres) in SVG units."""
        return (j + 0.5) * self.width / self.columns, self.height - (i + 0.5) * self.height / self.rows


def boundary(recording: Recording, index: int, plane: Plane) -> dict[str, str]:
    """The boundary at recorded step `index`: "cells" (base64 bytes: class, confidence 0-255 per cell, top row
    first), "boundary" and "margins" (SVG path data).

    >>> from demos.explorer.runs import record_two_moons
    >>> run = record_two_moons(every=1, steps=1)
    >>> plane = Plane(run.region)
    >>> [len(base64.b64decode(boundary(run, k, plane)["cells"])) == 2 * plane.rows * plane.columns for k in (0, 1)]
    [True, True]
    >>> boundary(run, 0, plane)["boundary"], boundary(run, 1, plane)["boundary"][:1]  # at first all on one side
    ('', 'M')
    """
    weights, biases = recording.arrays[index]
    net = ReferenceMLP(weights, biases, activation=recording.activation, output_activation=recording.output_activation)
    outputs = net.forward(plane.grid).reshape(plane.rows, plane.columns, -1)
    if outputs.shape[2] == 1:  # one score: its sign is the class
        score = outputs[:, :, 0]
        classes = (score > 0).astype(np.uint8)
        confidence = np.minimum(np.abs(score) / SCORE_FOR_FULL_COLOUR, 1.0)
        lines = contour_lines(score, 0.0)
        margins = contour_lines(score, -1.0) + contour_lines(score, 1.0)
    else:  # logits: the largest wins; confidence from its softmax probability, 1/n (a tie) to 1
        shifted = np.exp(outputs - outputs.max(axis=2, keepdims=True))
        probabilities = shifted / shifted.sum(axis=2, keepdims=True)
        classes = outputs.argmax(axis=2).astype(np.uint8)
        n = outputs.shape[2]
        confidence = (probabilities.max(axis=2) - 1 / n) / (1 - 1 / n)
        lines, margins = [], []
        for c in range(n):  # class c's region is where z_c beats the largest of the others
            others = np.delete(outputs, c, axis=2).max(axis=2)
            lines += contour_lines(outputs[:, :, c] - others, 0.0)
    cells = np.stack([classes, np.round(confidence * 255).astype(np.uint8)], axis=2)[::-1]  # top row first
    return {"cells": base64.b64encode(cells.tobytes()).decode("ascii"),
            "boundary": svg_path(lines, plane.cell_to_svg), "margins": svg_path(margins, plane.cell_to_svg)}


def plot_svg(recording: Recording, plane: Plane) -> str:
    """The data plot's SVG: the boundary's paths (filled in by the page) and one marker per point, clickable.

    >>> from demos.explorer.runs import record_yin_yang
    >>> svg = plot_svg(record_yin_yang(every=1, steps=1), Plane((-2.1, 2.1, -2.1, 2.1)))
    >>> svg.count('class="point'), svg.count("<rect"), svg.count('<path d="M')  # 100 points: 10 val, 10 test
    (100, 10, 10)
    """
    shapes = []
    for i, ((x, y), c, split) in enumerate(zip(recording.points, recording.classes, recording.splits)):
        cx, cy = plane.to_svg(x, y)
        marker = MARKERS[split]
        if marker == "circle":
            shape = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5"'
        elif marker == "square":
            shape = f'<rect x="{cx - 4.5:.1f}" y="{cy - 4.5:.1f}" width="9" height="9"'
        else:
            shape = f'<path d="M{cx:.1f} {cy - 6:.1f}L{cx + 5.5:.1f} {cy + 4:.1f}L{cx - 5.5:.1f} {cy + 4:.1f}Z"'
        title = f"point {i} ({escape(recording.class_names[c])}, {split}): ({x:.3g}, {y:.3g})"
        shapes.append(f'{shape} class="point c{c}" data-index="{i}"><title>{title}</title></{marker_tag(marker)}>')
    return (f'<svg id="plot" viewBox="0 0 {plane.width} {plane.height}" width="{plane.width}" '
            f'height="{plane.height}" role="img" aria-label="the data and the decision boundary">'
            '<path id="margins" d=""/><path id="boundary" d=""/>'
            f'<g id="points">{"".join(shapes)}</g><circle id="chosen-ring" r="10"/></svg>')


def marker_tag(marker: str) -> str:
    """The SVG element that draws a marker: circle, rect (a square) or path (a triangle)."""
    return {"circle": "circle", "square": "rect", "triangle": "path"}[marker]


def loss_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log-scaled loss axis from `low` to `high`: 1, 2 and 5 times powers of ten.

    >>> loss_ticks(0.011, 0.9)
    [0.02, 0.05, 0.1, 0.2, 0.5]
    """
    ticks = []
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for factor in (1, 2, 5):
            tick = round(factor * 10.0**power, 12)
            if low <= tick <= high:
                ticks.append(tick)
    return ticks


def loss_curve(recording: Recording) -> tuple[str, list[list[float]], dict[int, list[float]]]:
    """The loss curve's SVG (axes, ticks), each step's loss as an SVG point, and each validation loss's point.

    The loss axis is logarithmic: losses fall by orders of magnitude, and the last ones still matter.

    >>> from demos.explorer.runs import record_yin_yang
    >>> svg, points, checked = loss_curve(record_yin_yang(every=10, steps=20))
    >>> len(points), sorted(checked), points[0][0], points[-1][0]  # from the left edge to the right one
    (21, [0, 10, 20], 54.0, 370.0)
    """
    left, right, top, bottom = CURVE_MARGIN
    losses = recording.losses + list(recording.checked.values())
    low, high = min(losses) / 1.2, max(losses) * 1.2
    last = len(recording.losses) - 1

    def at(step: float, loss: float) -> list[float]:
        x = left + step / last * (CURVE_WIDTH - left - right)
        y = top + (math.log(high) - math.log(loss)) / (math.log(high) - math.log(low)) * (CURVE_HEIGHT - top - bottom)
        return [round(x, 1), round(y, 1)]

    parts = [f'<rect class="frame" x="{left}" y="{top}" width="{CURVE_WIDTH - left - right}" '
             f'height="{CURVE_HEIGHT - top - bottom}"/>']
    for tick in loss_ticks(low, high):
        _, y = at(0, tick)
        parts.append(f'<line class="grid" x1="{left}" x2="{CURVE_WIDTH - right}" y1="{y}" y2="{y}"/>'
                     f'<text class="tick" x="{left - 4}" y="{y + 4}" text-anchor="end">{tick:g}</text>')
    for step in range(0, last + 1, max(1, last // 5)):
        x, _ = at(step, high)
        parts.append(f'<text class="tick" x="{x}" y="{CURVE_HEIGHT - bottom + 14}" text-anchor="middle">{step}</text>')
    middle = top + (CURVE_HEIGHT - top - bottom) / 2
    parts.append(f'<text class="axis-name" x="{(left + CURVE_WIDTH - right) / 2}" y="{CURVE_HEIGHT - 4}" '
                 'text-anchor="middle">training step</text>'
                 f'<text class="axis-name" transform="translate(12 {middle}) rotate(-90)" text-anchor="middle">'
                 'loss (log scale)</text>')
    parts.append('<polyline id="loss-so-far" points=""/><line id="now" x1="0" x2="0" '
                 f'y1="{top}" y2="{CURVE_HEIGHT - bottom}"/><g id="checked"></g><circle id="loss-dot" r="3.5"/>')
    svg = (f'<svg id="loss-curve" viewBox="0 0 {CURVE_WIDTH} {CURVE_HEIGHT}" width="{CURVE_WIDTH}" '
           f'height="{CURVE_HEIGHT}" role="img" aria-label="the training loss so far">{"".join(parts)}</svg>')
    return svg, [at(k, loss) for k, loss in enumerate(recording.losses)], {
        k: at(k, loss) for k, loss in recording.checked.items()}
