"""Watch backprop step by step: the lecture's neuron, and a value used twice, as pages you click through.

out/walkthrough_neuron.html is the lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), one op per box:
5 forward steps, then 5 backward steps. Each backward step works out its local slope as the lecture
does on the board, in the graph's own names and numbers ("do/dn = 1 - o**2 = 1 - 0.7071**2 = 0.5"),
then the chain rule, local slope x upstream gradient ("n.grad += 0.5 x 1 = 0.5").
out/walkthrough_used_twice.html is the lecture's f = (a*b) * (a+b) at a = -2, b = 3: a is used
twice, and its gradient adds up the shares of both uses (-6 + 3 = -3). The pages open in any
browser from the file system: press -> or Next. Screenshots go next to them when Playwright and
Chromium are installed.
"""

from __future__ import annotations

import argparse

from autograd import walkthrough
from autograd.draw import GraphvizNotInstalled
from demos import browser
from demos.common import lecture_neuron, out_dir, used_twice

# Screenshots at a laptop's window: the page is made to fit it whole.
SCREEN = (1280, 720)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demos walkthrough", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    print(__doc__)
    root, params = lecture_neuron()
    try:
        pages = {"neuron": walkthrough(root, params=params), "used_twice": walkthrough(used_twice())}
    except GraphvizNotInstalled as missing:
        print(f"  no page: {missing}")
        return
    saved = {}
    for name, page in pages.items():
        path = page.save(out_dir() / f"walkthrough_{name}.html")
        steps = len(page.data["steps"]) - 1
        saved[name] = (path, steps)
        print(f"  saved {path} ({steps} steps, {len(page.html) / 1000:.0f} kB): open it in a browser")

    why_not = browser.missing()
    if why_not:
        print(f"  no screenshots: {why_not}")
        return
    # The neuron at its first backward step (o = tanh(n): the slope worked on the board) and at the
    # end; the other page where a's second share arrives (its last step).
    path, steps = saved["neuron"]
    tanh_step = steps // 2 + 1  # one forward and one backward step per op: the first backward step
    neuron_shots = {tanh_step: out_dir() / "walkthrough_neuron.png", steps: out_dir() / "walkthrough_neuron_end.png"}
    browser.screenshot_steps(path, neuron_shots, *SCREEN, full_page=False)
    path, steps = saved["used_twice"]
    twice_shots = {steps: out_dir() / "walkthrough_used_twice.png"}
    browser.screenshot_steps(path, twice_shots, *SCREEN, full_page=False)
    for png in [*neuron_shots.values(), *twice_shots.values()]:
        print(f"  screenshot ({SCREEN[0]}x{SCREEN[1]}): {png}")

if __name__ == "__main__":
    main()
