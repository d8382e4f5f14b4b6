"""What every demo shares: the output folder, progress bars, and the tutorials' datasets."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from autograd import Value

T = TypeVar("T")

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


def lecture_neuron() -> tuple[Value, list[Value]]:
    """The lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), one op per node and every value named: (o, parameters).

    Its numbers are the ones a learner from the lecture knows: b makes n = 0.8814, so o = 0.7071, and
    after o.backward(), x1.grad = -1.5, w1.grad = 1, x2.grad = 0.5, w2.grad = 0, b.grad = 0.5.

    >>> o, params = lecture_neuron()
    >>> o.backward()
    >>> round(o.data, 4), [round(p.grad, 4) for p in params]
    (0.7071, [1.0, 0.0, 0.5])
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")  # the inputs
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")  # the weights
    b = Value(6.8813735870195432, label="b")  # the bias, chosen so that o comes out at 1/sqrt(2)
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]


def used_twice() -> Value:
    """The lecture's value used twice, f = (a*b) * (a+b) at a = -2, b = 3: a.grad = -6 + 3 = -3 adds up two uses.

    >>> f = used_twice()
    >>> f.backward()
    >>> [(v.label, v.grad) for v in (f.parents[0].parents)]
    [('a', -3.0), ('b', -8.0)]
    """
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    return f


def demo_arguments(name: str, doc: str) -> argparse.ArgumentParser:
    """The argument parser of `python -m demos NAME`: --help shows the demo's docstring; anything unknown is refused."""
    first, _, rest = doc.strip().partition("\n")
    return argparse.ArgumentParser(prog=f"python -m demos {name}", description=first, epilog=rest.strip() or None,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def whole_number(least: int):
    """An argparse type: a whole number >= least, or argparse's error naming what was given.

    >>> whole_number(1)("3")
    3
    >>> whole_number(1)("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a whole number >= 1, got '0'
    """

    def parse(text: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", text.strip()) or int(text) < least:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {least}, got {text!r}")
        return int(text)

    parse.__name__ = f"whole number >= {least}"  # what argparse names the type in its messages
    return parse


def out_dir() -> Path:
    """The folder the demos write pictures to (`out/`, or $DEMO_OUT), created if missing."""
    path = Path(os.environ.get("DEMO_OUT", "out"))
    path.mkdir(parents=True, exist_ok=True)
    return path


# In a log a progress line is written at most this often (seconds): a minute's run leaves a dozen lines.
LOG_INTERVAL = 5.0


class LogLines(tqdm):
    """tqdm for a file or a pipe: each update is a line of its own, not a redraw of one line with "\\r"."""

    @staticmethod
    def status_printer(file):
        started = []

        def print_line(text: str) -> None:
            if not text:  # tqdm clears a bar it leaves behind; a log keeps what it wrote
                return
            sys.stdout.flush()  # a log collects stdout and stderr: keep their lines in order
            # Each line ends when the next begins; tqdm ends the last one when it closes.
            file.write(("\n" if started else "") + text.strip())
            file.flush()
            started.append(True)

        return print_line


def with_progress(steps: Iterable[T], what: str, show: bool = True) -> Iterable[T]:
    """Iterate over `steps` with a progress bar on stderr, labelled `what`; with show=False, silently.

    On a terminal tqdm redraws one bar in place; in a log (stderr a file or a pipe) it writes a
    line every LOG_INTERVAL seconds, and the final count, so the log reads line by line.
    """
    if not show:
        return steps
    if sys.stderr.isatty():
        return tqdm(steps, desc=what, unit="step", file=sys.stderr)
    return LogLines(steps, desc=what, unit="step", file=sys.stderr, ascii=True, ncols=80, mininterval=LOG_INTERVAL)


def show_rows(rows: list[tuple], headers: tuple) -> None:
    """Print a small aligned table."""
    cells = [[str(c) for c in headers]] + [[f"{c:.10g}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for k, row in enumerate(cells):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)))
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths))
