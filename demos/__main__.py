"""List and run the demos: `python -m demos` lists them, `python -m demos NAME [args]` runs one,
`python -m demos --all` runs every one (add --quick to shorten the 60,000-step tutorial run)."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from demos.common import out_dir

# name -> (what it teaches, extra arguments under --quick)
DEMOS = {
    "engine_tour": ("build an expression, backward, read the gradients and the op table", []),
    "delta_rule_networks": (
        "the iamtrask 3-1 and 3-4-1 nets: the delta rule is gradient descent",
        ["--steps", "20001"],
    ),
    "cross_entropy_curve": ("watch the cross-entropy loss fall; saves out/cross_entropy_loss.png", []),
    "backprop_by_hand": ("the hand-worked 2-2-1 example, number by number, and its slip", []),
    "regression_linear_output": (
        "a 2-4-1 regression net; engine vs NumPy reference vs the tutorial",
        ["--steps", "3000"],
    ),
    "buggy_sigmoid_derivative": ("a derivative bug that still trains, reproduced with a custom op", []),
    "graph_rendering": ("an expression, a neuron and an MLP drawn with Graphviz; saves out/graph_*.svg", []),
    "walkthrough": (
        "backprop step by step in pages you click through; saves out/walkthrough_neuron.html and _used_twice.html",
        [],
    ),
    "gradient_checking": ("gradcheck catches the tutorials' derivative slips; their fixes pass", []),
    "newton_second_derivative": ("Newton's method with second derivatives from grad(create_graph=True)", []),
    "two_moons": ("micrograd's two-moons classifier; saves out/two_moons_boundary.png", []),
    "yin_yang": ("EurekaLabs micrograd's 3-class yin-yang run; saves out/yin_yang_regions.png", []),
    "digits": (
        "an MLP learns scikit-learn's handwritten digits in mini-batches; saves out/digits_*.png",
        ["--epochs", "3"],
    ),
    "training_explorer": (
        "play through two_moons' and yin_yang's training, a point's graph at each step; saves out/*_training.html",
        [],
    ),
}


def list_demos() -> None:
    print(__doc__)
    for name, (what, _) in DEMOS.items():
        print(f"  {name:<26} {what}")


def run(name: str, args: list[str]) -> None:
    print(f"\n=== {name}: {DEMOS[name][0]}\n")
    start = time.perf_counter()
    importlib.import_module(f"demos.{name}").main(args)
    print(f"\n=== {name} done in {time.perf_counter() - start:.1f} s")


def main(argv: list[str]) -> None:
    if argv and argv[0] in DEMOS:  # a demo's own options follow its name: python -m demos two_moons --steps 50
        run(argv[0], argv[1:])
        return
    listing = "\n".join(f"  {name:<26} {what}" for name, (what, _) in DEMOS.items())
    parser = argparse.ArgumentParser(
        prog="python -m demos",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"demos (`python -m demos NAME --help` for one's options):\n{listing}",
    )
    parser.add_argument("name", nargs="?", choices=list(DEMOS), metavar="NAME", help="the demo to run")
    parser.add_argument("--all", action="store_true", help="run every demo, one after another")
    parser.add_argument("--quick", action="store_true", help="with --all: shorten the 60,000-step tutorial run")
    parser.add_argument("--list", action="store_true", help="list the demos (also what no arguments do)")
    args = parser.parse_args(argv)
    if args.quick and not args.all:
        parser.error("--quick shortens `--all`; give both (python -m demos --all --quick)")
    if args.all:
        for name, (_, quick_args) in DEMOS.items():
            run(name, quick_args if args.quick else [])
        pictures = sorted(str(p) for p in out_dir().iterdir() if p.suffix in (".png", ".svg", ".html"))
        print("\nPictures and pages written:\n  " + "\n  ".join(pictures))
    else:
        list_demos()


if __name__ == "__main__":
    main(sys.argv[1:])
