"""Watch a network learn: the two-moons and yin-yang training runs as pages you can play and step through.

Each page (out/two_moons_training.html, out/yin_yang_training.html) opens in any browser from the
file system. Press Play, or → and ←, to move through the recorded training steps: the loss curve
grows, the decision boundary moves over the data, and the graph on the right shows one data
point's loss term at that step, with each value's data and gradient: that point's share of the
step. The graph is drawn one path at a time, one neuron per layer (choose which above it). Click a
point (or choose it in the list) to see its graph. Screenshots go next to the pages when
Playwright and Chromium are installed.
"""

from __future__ import annotations

import time

from autograd.draw import GraphvizNotInstalled
from demos import browser
from demos.common import demo_arguments, out_dir, whole_number
from demos.explorer.page import explorer_page
from demos.explorer.runs import RECORDINGS

EVERY = 5  # record every 5th step (21 of 101 states): two moons' page is 1.0 MB, yin-yang's 2.9 MB


def main(argv: list[str] | None = None) -> None:
    parser = demo_arguments("training_explorer", __doc__)
    parser.add_argument("--every", type=whole_number(1), default=EVERY, help="record every k-th step (and the last)")
    parser.add_argument("--runs", nargs="+", choices=list(RECORDINGS), default=list(RECORDINGS))
    args = parser.parse_args(argv)
    print(__doc__)
    saved = []
    for name in args.runs:
        start = time.perf_counter()
        recording = RECORDINGS[name](every=args.every)
        try:
            page = explorer_page(recording)
        except GraphvizNotInstalled as missing:
            print(f"  no page: {missing}")
            return
        path = page.save(out_dir() / f"{name}_training.html")
        saved.append((path, len(recording.steps)))
        print(f"  saved {path} ({len(recording.steps)} recorded steps of {recording.steps[-1]}, "
              f"{len(recording.points)} points, {len(page.html.encode()) / 1e6:.2f} MB, "
              f"{time.perf_counter() - start:.1f} s): open it in a browser")
    why_not = browser.missing()
    if why_not:
        print(f"  no screenshots: {why_not}")
        return
    for path, steps in saved:
        # A quarter of the way in (points still misclassified, gradients flowing), and at the end.
        shots = {(steps - 1) // 4: path.replace(".html", ".png"), steps - 1: path.replace(".html", "_end.png")}
        browser.screenshot_steps(path, shots, width=1280, height=720, full_page=False)  # a laptop's window
        for index, png in sorted(shots.items()):
            print(f"  screenshot at recorded step {index} of {steps - 1}: {png}")


if __name__ == "__main__":
    main()
