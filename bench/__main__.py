"""Benchmark W1-W5 (DESIGN.md) for this engine and its peers, in one run, alternating, GC on.

    make bench                               # everything: about 7 minutes
    python -m bench --only W2                # one workload (W1, W2, W3, W4 or W5)
    python -m bench --only W1 --repeat 7     # more repetitions; medians are reported

Before anything is timed, every engine's W2 weights and W3 losses are checked against NumPy's.
Each measurement runs in a fresh interpreter (bench/worker.py); the engines take turns, in a
rotating order, so that a slow spell of the machine falls on all of them alike. The table is
printed and written to out/bench.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench import peers, worker

COMPILE_CACHE = Path(tempfile.gettempdir()) / "scalar-autograd-bench-numba-cache"
CHECK_RTOL = 1e-9  # engines doing the same float64 arithmetic in other orders agree far closer
COLUMNS = ["engine", "engine (scalar code)", "tape", "tape (scalar code)", "micrograd", "torch", "torch vectorized",
           "numpy"]
# The ratio columns: (heading, numerator column, denominator column). "scalar code" is the like-for-like
# comparison: the same loops of + and * a learner writes, eager or recorded once as a tape.
RATIOS = [("engine / micrograd", "engine", "micrograd"), ("engine / numpy", "engine", "numpy"),
          ("tape / engine", "tape", "engine"), ("tape (scalar code) / numpy", "tape (scalar code)", "numpy")]


def check_same_numbers(steps_w2: int = 20, steps_w3: int = 3) -> list[str]:
    """Every installed engine's W2 weights and W3 losses against NumPy's; stops the run if any differs."""
    lines = []
    for workload, runners, steps, what in (
        ("W2", worker.w2_runners(), steps_w2, "weights after"),
        ("W3", worker.w3_runners(), steps_w3, "losses over"),
    ):
        expected = [np.asarray(v, dtype=float) for v in runners["numpy"](steps)]
        for name, run in runners.items():
            if name == "numpy" or not peers.installed(name):
                continue
            got = [np.asarray(v, dtype=float) for v in run(steps)]
            gap = max(float(np.max(np.abs(a - b) / np.abs(b))) for a, b in zip(got, expected))
            if not gap < CHECK_RTOL:
                raise SystemExit(f"{workload}: {name} differs from NumPy by {gap:.1e} relative; not timing")
            lines.append(f"{workload} {what} {steps} steps, {name} vs NumPy: max relative difference {gap:.1e}")
    return lines


def measure(*args: str) -> dict:
    """One measurement in a fresh interpreter."""
    env = None
    if args[0] == "compile":  # a Numba cache folder of the run's own: empty at first, then filled
        env = {**os.environ, "NUMBA_CACHE_DIR": str(COMPILE_CACHE)}
        if args[1] == "cold":
            shutil.rmtree(COMPILE_CACHE, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", *args], capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"bench.worker {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def plan(todo: list[str]) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(row, column, worker arguments, result key) for every measurement to take."""
    have_micrograd, have_torch = peers.micrograd_engine is not None, peers.torch is not None
    scalar = ["engine"] + (["micrograd"] if have_micrograd else [])
    items = []
    have_tape = peers.tape_available()
    if "W1" in todo:
        for e in scalar + (["torch"] if have_torch else []) + (["tape"] if have_tape else []):
            items.append(("W1 µs per op, forward + backward", e, ("W1", e), "total_us"))
            items.append(("W1 µs per op, forward", e, ("W1", e), "forward_us"))
        for e in scalar:
            items.append(("W1 bytes per node", e, ("W1-memory", e), "bytes_per_node"))
        if have_tape:
            items.append(("W1 bytes per node", "tape", ("W1", "tape"), "bytes_per_node"))
            row = "W1 ms: engine forward + backward; tape: recording"
            items.append((row, "engine", ("W1", "engine"), "step_ms"))
            items.append((row, "tape", ("W1", "tape"), "record_ms"))
            items.append(("s to a first tape run: empty Numba cache", "tape", ("compile", "cold"), "seconds"))
            items.append(("s to a first tape run: cache on disk", "tape", ("compile", "warm"), "seconds"))
    if "W2" in todo:
        w2 = ["engine", "engine (scalar code)", *(["tape (scalar code)"] if have_tape else []), *scalar[1:], "numpy"]
        w2 += ["torch", "torch vectorized"] if have_torch else []
        items += [("W2 µs per step, 3-4-1 net", e, ("W2", e), "step_us") for e in w2]
    if "W3" in todo:
        w3 = ["engine", "engine (scalar code)", *(["tape (scalar code)"] if have_tape else []), *scalar[1:], "numpy"]
        w3 += ["torch", "torch vectorized"] if have_torch else []
        items += [("W3 ms per step, two moons", e, ("W3", e), "step_ms") for e in w3]
    if "W5" in todo and have_tape:
        items.append(("W5 ms per epoch, digits", "tape (scalar code)", ("W5", "tape (scalar code)"), "epoch_ms"))
        items.append(("W5 test accuracy after 10 epochs", "tape (scalar code)", ("W5", "tape (scalar code)"),
                      "test_accuracy"))
    if "W4" in todo:
        for size in (1_000, 10_000, 100_000, 1_000_000):
            row = f"W4 ms backward, chain of {size:,}"
            items.append((row, "engine", ("W4", "engine", str(size)), "backward_ms"))
            if have_tape:
                items.append((row, "tape", ("W4", "tape", str(size)), "backward_ms"))
            if have_micrograd and size == 1_000:  # as its users run it: default recursion limit
                items.append((row, "micrograd", ("W4", "micrograd", str(size)), "backward_ms"))
            elif have_micrograd and size <= 100_000:
                limit = str(10 * size)
                items.append((row, "micrograd", ("W4", "micrograd", str(size), limit), "backward_ms"))
            if have_torch and size <= 100_000:
                items.append((row, "torch", ("W4", "torch", str(size)), "backward_ms"))
    return items


# A W4 figure is one backward call, where W1-W3 figures each average many steps, so W4's
# figures scatter most (micrograd's chain of 100,000: 135-350 ms across fresh interpreters).
# The W4 runs that give a ratio to micrograd are therefore taken this many times as often.
W4_EXTRA_SAMPLES = 3


def run_plan(items, repeat: int) -> dict[tuple[str, str], object]:
    """Take every measurement `repeat` times, engines alternating in a rotating order."""
    cache: dict[tuple[str, ...], list[dict]] = {}
    jobs = list(dict.fromkeys(args for _, _, args, _ in items))  # W1 rows share one run
    compared = [args for args in jobs if args[0] == "W4" and args[1] in ("engine", "micrograd")
                and 1_000 < int(args[2]) <= 100_000]
    for r in range(repeat):
        shift = r % len(jobs)
        round_jobs = jobs[shift:] + jobs[:shift] + compared * (W4_EXTRA_SAMPLES - 1)
        for args in round_jobs:
            if args[0] == "W1-memory" and r:  # allocation counts do not vary: measure once
                continue
            if args[0] == "compile" and args[1] == "warm" and ("compile", "cold") not in cache:
                continue  # the warm cache is the one the cold run filled
            cache.setdefault(args, []).append(measure(*args))
            print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    results: dict[tuple[str, str], object] = {}
    for row, column, args, key in items:
        runs = cache[args]
        errors = [run["error"] for run in runs if "error" in run]
        results[row, column] = errors[0] if errors else statistics.median(run[key] for run in runs)
    return results


def format_table(results: dict[tuple[str, str], object], notes: list[str]) -> str:
    rows = list(dict.fromkeys(row for row, _ in results))
    columns = [c for c in COLUMNS if any(col == c for _, col in results)]

    def cell(v):
        return "-" if v is None else (f"{v:,.4g}" if isinstance(v, float) else str(v))

    header = ["workload", *columns, *(heading for heading, _, _ in RATIOS)]
    lines = [header]
    for row in rows:
        values = {c: results.get((row, c)) for c in columns}
        ratios = []
        for _, top, bottom in RATIOS:
            a, b = values.get(top), values.get(bottom)
            ratios.append(f"{a / b:.3f}" if isinstance(a, float) and isinstance(b, float) else "-")
        lines.append([row, *(cell(values[c]) for c in columns), *ratios])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*text, "", *notes])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["W1", "W2", "W3", "W4", "W5"], action="append", help="run only these")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per measurement (median reported)")
    parser.add_argument("--output", default="out/bench.txt", help="where the table is written")
    args = parser.parse_args(argv)
    todo = args.only or ["W1", "W2", "W3", "W4", "W5"]
    notes = [f"Python {sys.version.split()[0]}, NumPy {np.__version__}, garbage collector on, "
             f"median of {args.repeat} runs ({W4_EXTRA_SAMPLES * args.repeat} for W4's compared chains),"
             " each in a fresh interpreter"]
    if peers.torch:
        notes.append(f"PyTorch {peers.torch.__version__}, float64, one thread per op as it chooses")
    if not peers.micrograd_engine:
        notes.append("micrograd is not installed (pip install micrograd==0.1.0, or `make bench`)")
    if peers.tape_available():
        notes.append("tape: W1 and W4 rows time one replay (forward and backward) of the graph recorded once;"
                     " a W2 step is a replay plus the plain Python update loop over the parameters, a W3 step a"
                     " replay plus nn.SGD's step on the tape's arrays (inside tape.training(opt))")
    else:
        notes.append("Numba is not installed, so the tape is not measured (pip install numba, or `make bench`)")
    if "W2" in todo or "W3" in todo:
        notes += check_same_numbers()
        print("\n".join(notes), flush=True)
    table = format_table(run_plan(plan(todo), args.repeat), notes)
    print("\n" + table)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(table + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
