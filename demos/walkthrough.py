"""Watch backprop step by step: the tanh neuron as a page you click through, forward then backward.

The page (out/walkthrough_neuron.html) opens in any browser from the file system: press → or
Next. Each forward step computes one value from its parents; each backward step takes one node
whose gradient is complete and sends each parent its share, upstream x local = contribution.
Screenshots of the page (the end, and midway through the backward pass) go next to it when
Playwright and Chromium are installed.
"""

from __future__ import annotations

from autograd import walkthrough
from autograd.draw import GraphvizNotInstalled
from demos import browser
from demos.common import out_dir
from demos.graph_rendering import neuron


def main(argv: list[str] | None = None) -> None:
    print(__doc__)
    root, params = neuron()
    try:
        page = walkthrough(root, params=params)
    except GraphvizNotInstalled as missing:
        print(f"  no page: {missing}")
        return
    path = page.save(out_dir() / "walkthrough_neuron.html")
    steps = len(page.data["steps"]) - 1
    print(f"  saved {path} ({steps} steps, {len(page.html) / 1000:.0f} kB): open it in a browser")

    why_not = browser.missing()
    if why_not:
        print(f"  no screenshots: {why_not}")
        return
    forward = steps // 2  # one forward and one backward step per op
    midway = forward + (steps - forward + 1) // 2  # midway through the backward pass
    shots = {steps: out_dir() / "walkthrough_neuron.png", midway: out_dir() / "walkthrough_neuron_midway.png"}
    browser.screenshot_steps(path, shots, width=1280, height=600)
    for step, png in sorted(shots.items()):
        print(f"  screenshot at step {step} / {steps}: {png}")


if __name__ == "__main__":
    main()
