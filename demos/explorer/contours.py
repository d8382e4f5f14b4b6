"""Contour lines of a function sampled on a grid (marching squares), as SVG path data.

The training explorer draws its decision boundaries with these: the line where a model's score is 0
(and, for the hinge loss, the margins where it is -1 and +1). Each grid cell whose corners lie on
both sides of the level gets a segment between the points, on its edges, where the level is
crossed (found by linear interpolation along the edge). A point on an edge is computed once for
that edge, so the segments of neighbouring cells share their ends exactly and join into lines.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# The cell's corners, counterclockwise from the lower left: 0 (i, j), 1 (i, j+1), 2 (i+1, j+1), 3 (i+1, j);
# its edges: 0 bottom (corners 0-1), 1 right (1-2), 2 top (3-2), 3 left (0-3).
# Case = the sum of 2**corner over the corners at or above the level -> the pairs of edges joined.
SEGMENTS = {
    1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)],
    9: [(2, 0)], 11: [(2, 1)], 12: [(1, 3)], 13: [(1, 0)], 14: [(0, 3)],
}
# Saddles (two opposite corners above): the average of the four corners decides. Centre above: the
# corners above are joined through it, and the line cuts off each corner below; centre below: the other way.
SADDLES = {5: ([(0, 1), (2, 3)], [(3, 0), (1, 2)]), 10: ([(3, 0), (1, 2)], [(0, 1), (2, 3)])}


def contour_lines(values: np.ndarray, level: float) -> list[list[tuple[float, float]]]:
    """The lines where `values` (rows i, columns j) crosses `level`, as lists of (j, i) points in grid units.

    >>> contour_lines(np.array([[0.0, 1.0], [0.0, 1.0]]), 0.5)
    [[(0.5, 0.0), (0.5, 1.0)]]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or min(values.shape) < 2:
        raise ValueError(f"contour_lines needs a 2-D grid of at least 2 x 2 values, got shape {values.shape}")
    above = (values >= level).astype(int)
    cases = above[:-1, :-1] + 2 * above[:-1, 1:] + 4 * above[1:, 1:] + 8 * above[1:, :-1]
    segments = []
    for i, j in zip(*np.nonzero((cases > 0) & (cases < 15))):  # only the cells the line passes through
        i, j, case = int(i), int(j), int(cases[i, j])
        if case in SADDLES:
            centre = values[i:i + 2, j:j + 2].mean() >= level
            pairs = SADDLES[case][0] if centre else SADDLES[case][1]
        else:
            pairs = SEGMENTS[case]
        segments += [(_edge(i, j, a), _edge(i, j, b)) for a, b in pairs]
    return [[_crossing(values, level, edge) for edge in line] for line in _join(segments)]


def _edge(i: int, j: int, side: int) -> tuple[int, int, str]:
    """The name of one side of cell (i, j), shared with the neighbour on that side: (i, j, 'h' or 'v')."""
    return [(i, j, "h"), (i, j + 1, "v"), (i + 1, j, "h"), (i, j, "v")][side]


def _crossing(values: np.ndarray, level: float, edge: tuple[int, int, str]) -> tuple[float, float]:
    """Where the level is crossed along an edge: 'h' runs from (i, j) to (i, j+1), 'v' from (i, j) to (i+1, j)."""
    i, j, direction = edge
    start = values[i, j]
    end = values[i, j + 1] if direction == "h" else values[i + 1, j]
    t = float((level - start) / (end - start))  # the edge is crossed, so start and end differ
    return (j + t, float(i)) if direction == "h" else (float(j), i + t)


def _join(segments: list[tuple]) -> list[list]:
    """Chain segments that share an end into lines (each edge belongs to at most two segments)."""
    ends: dict = {}
    for k, (a, b) in enumerate(segments):
        ends.setdefault(a, []).append(k)
        ends.setdefault(b, []).append(k)
    used = [False] * len(segments)
    lines = []
    # Open lines first (they start at an end used once), then closed loops.
    starts = [k for k, (a, _b) in enumerate(segments) if len(ends[a]) == 1]
    starts += [k for k, (_a, b) in enumerate(segments) if len(ends[b]) == 1]
    for first in [*starts, *range(len(segments))]:
        if used[first]:
            continue
        a, b = segments[first]
        line = [b, a] if len(ends[b]) == 1 and len(ends[a]) > 1 else [a, b]
        used[first] = True
        while True:
            following = [k for k in ends[line[-1]] if not used[k]]
            if not following:
                break
            used[following[0]] = True
            a, b = segments[following[0]]
            line.append(b if a == line[-1] else a)
        lines.append(line)
    return lines


def svg_path(lines: list[list[tuple[float, float]]], to_page: Callable[[float, float], tuple[float, float]]) -> str:
    """The lines as an SVG path's `d`, each point mapped by `to_page` and written to 0.1 unit.

    >>> svg_path([[(0.0, 0.0), (1.0, 0.5)]], lambda j, i: (10 * j, 10 * i))
    'M0.0 0.0L10.0 5.0'
    """
    parts = []
    for line in lines:
        points = [to_page(j, i) for j, i in line]
        parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points))
    return "".join(parts)
