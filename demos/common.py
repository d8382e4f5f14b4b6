"""What every demo shares: the output folder, progress lines, and the tutorials' datasets."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from autograd import Value

# The dataset of the iamtrask tutorials (seeds 000 and 002): the output is the first column.
TRASK_X = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]
TRASK_Y = [0, 0, 1, 1]


def example_expression() -> Value:
    """micrograd's first example, L = (a * b + c) * f, with every node labelled."""
    a, b, c, f = (Value(v, label=n) for v, n in ((2.0, "a"), (-3.0, "b"), (10.0, "c"), (-2.0, "f")))
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


def out_dir() -> Path:
    """The folder the demos write pictures to (`out/`, or $DEMO_OUT), created if missing."""
    path = Path(os.environ.get("DEMO_OUT", "out"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class Progress:
    """A one-line progress counter for long training loops, printed at most ~10 times a second."""

    def __init__(self, total: int, what: str = "step") -> None:
        self.total, self.what = total, what
        self.start = self.last = time.perf_counter()

    def __call__(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        end = "\n" if done >= self.total else ""
        print(f"\r  {self.what} {done:,}/{self.total:,} ({now - self.start:.1f} s)", end=end, file=sys.stderr)


def show_rows(rows: list[tuple], headers: tuple) -> None:
    """Print a small aligned table."""
    cells = [[str(c) for c in headers]] + [[f"{c:.10g}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for k, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)))
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths))
