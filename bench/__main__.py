"""Benchmark workloads W1-W5 for this engine and its peers, in one run, alternating, GC on.

    W1  expression throughput: 200,000 ops x = (x * a + b).tanh(), a and b reused; forward and
        backward time per op, bytes per node
    W2  the iamtrask tutorial's 3-4-1 sigmoid network (it trains 60,000 full-batch steps): time per step
    W3  micrograd's two-moons demo: MLP(2, [16, 16, 1]), hinge loss + 1e-4 L2, SGD; time per step
    W4  a chain x = x * 1.0001 + 0.0001 of 10^3 to 10^6 nodes: does backward work, and how long
    W5  scikit-learn's handwritten digits: MLP(64, [32, 10]), batches of 32, Adam lr 0.01; time per
        epoch of 1,437 digits, test accuracy after 10 epochs

    make bench                               # everything: 10-17 minutes (PyTorch installed: the longer)
    python -m bench --only W5                # one workload (W1, W2, W3, W4 or W5)
    python -m bench --only W1 --repeat 7     # more repetitions; medians are reported
    python -m bench --smoke                  # every workload a hundredth of its size, once: does it run?

Before anything is timed, every engine's W2 weights, W3 losses and W5 losses and weights are
checked against NumPy's.
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

WORKLOADS = ["W1", "W2", "W3", "W4", "W5"]
CHECKED = ("W2", "W3", "W5")  # the workloads whose numbers are checked against NumPy's before timing
COMPILE_CACHE = Path(tempfile.gettempdir()) / "scalar-autograd-bench-numba-cache"
CHECK_RTOL = 1e-9  # engines doing the same float64 arithmetic in other orders agree far closer
COLUMNS = ["engine", "engine (scalar code)", "tape", "tape (scalar code)", "micrograd", "torch", "torch vectorized",
           "numpy"]
# The ratio columns: (heading, numerator column, denominator column). "scalar code" is the like-for-like
# comparison: the same loops of + and * a learner writes, eager or recorded once as a tape.
RATIOS = [("engine / micrograd", "engine", "micrograd"), ("engine / numpy", "engine", "numpy"),
          ("tape / engine", "tape", "engine"), ("tape (scalar code) / numpy", "tape (scalar code)", "numpy"),
          ("tape / numpy", "tape", "numpy"), ("tape / torch vectorized", "tape", "torch vectorized")]
W5_TIME = "W5 ms per epoch, digits"
NOT_TIMES = ("W5 test accuracy",)  # rows with no ratios (they begin so): a ratio of accuracies is not a speed


def relative_gap(got: np.ndarray, expected: np.ndarray) -> float:
    """The largest |got - expected| / |expected| over the entries (0 where both are equal, even both 0).

    >>> relative_gap(np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    0.5
    """
    difference = np.abs(got - expected)
    with np.errstate(divide="ignore"):  # a number where 0 was expected: an infinite gap, as it should be
        gaps = np.divide(difference, np.abs(expected), out=np.zeros_like(difference), where=difference > 0)
    return float(np.max(gaps, initial=0.0))


def check_same_numbers(todo: list[str], steps_w2: int = 20, steps_w3: int = 3, steps_w5: int = 2) -> list[str]:
    """Each installed engine's W2 weights, W3 losses, W5 losses and weights against NumPy's; stops on a difference."""
    checks = {"W2": (worker.w2_runners, steps_w2, "weights after"), "W3": (worker.w3_runners, steps_w3, "losses over"),
              "W5": (worker.w5_runners, steps_w5, "losses and weights over")}
    lines = []
    for workload, (runners, steps, what) in checks.items():
        if workload not in todo:
            continue
        runners = runners()
        expected = [np.asarray(v, dtype=float) for v in runners["numpy"](steps)]
        for name, run in runners.items():
            if name == "numpy" or not peers.installed(name):
                continue
            got = [np.asarray(v, dtype=float) for v in run(steps)]
            gap = max(relative_gap(a, b) for a, b in zip(got, expected))
            if not gap < CHECK_RTOL:
                raise SystemExit(f"{workload}: {name} differs from NumPy by {gap:.1e} relative; not timing")
            lines.append(f"{workload} {what} {steps} steps, {name} vs NumPy: max relative difference {gap:.1e}")
    return lines


def measure(*args: str, smoke: bool = False) -> dict:
    """One measurement in a fresh interpreter (with --smoke: the workload a hundredth of its size)."""
    env = None
    if args[0] == "compile":  # a Numba cache folder of the run's own: empty at first, then filled
        env = {**os.environ, "NUMBA_CACHE_DIR": str(COMPILE_CACHE)}
        if args[1] == "cold":
            shutil.rmtree(COMPILE_CACHE, ignore_errors=True)
    command = [sys.executable, "-m", "bench.worker", *(["--smoke"] if smoke else []), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"bench.worker {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def plan(todo: list[str], smoke: bool = False) -> list[tuple[str, str, tuple[str, ...], str]]:
    """(row, column, worker arguments, result key) for every measurement to take.

    A smoke run leaves out what no shrinking makes quick: compiling the tape's loops from nothing
    (5-8 s), and the chains longer than 1,000 nodes.
    """
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
            if not smoke:
                items.append(("s to a first tape run: empty Numba cache", "tape", ("compile", "cold"), "seconds"))
                items.append(("s to a first tape run: cache on disk", "tape", ("compile", "warm"), "seconds"))
    if "W2" in todo:
        w2 = ["engine", "engine (scalar code)", *(["tape (scalar code)"] if have_tape else []), *scalar[1:], "numpy"]
        w2 += ["torch", "torch vectorized"] if have_torch else []
        items += [("W2 µs per step, 3-4-1 net", e, ("W2", e), "step_us") for e in w2]
    if "W3" in todo:
        w3 = ["engine", "engine (scalar code)", *(["tape", "tape (scalar code)"] if have_tape else []), *scalar[1:],
              "numpy"]
        w3 += ["torch", "torch vectorized"] if have_torch else []
        items += [("W3 ms per step, two moons", e, ("W3", e), "step_ms") for e in w3]
    if "W4" in todo:
        for size in (1_000,) if smoke else (1_000, 10_000, 100_000, 1_000_000):
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
    if "W5" in todo:
        w5 = ["engine", *(["tape"] if have_tape else []), *scalar[1:], "numpy"]
        w5 += ["torch vectorized"] if have_torch else []
        items += [(W5_TIME, e, ("W5", e), "epoch_ms") for e in w5]
        trained = [e for e in w5 if e not in worker.W5_SAMPLED_BATCHES]  # all 10 epochs: an accuracy to show
        row = f"W5 test accuracy after {worker.W5_EPOCHS} epoch{'s' * (worker.W5_EPOCHS > 1)}, %"
        items += [(row, e, ("W5", e), "test_accuracy_percent") for e in trained]
    return items


# A W4 figure is one backward call, where W1-W3 figures each average many steps, so W4's
# figures scatter most (micrograd's chain of 100,000: 135-350 ms across fresh interpreters).
# The W4 runs that give a ratio to micrograd are therefore taken this many times as often.
W4_EXTRA_SAMPLES = 3


def run_plan(items, repeat: int, smoke: bool = False) -> dict[tuple[str, str], object]:
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
            cache.setdefault(args, []).append(measure(*args, smoke=smoke))
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
        for _, top, bottom in [] if row.startswith(NOT_TIMES) else RATIOS:
            a, b = values.get(top), values.get(bottom)
            ratios.append(f"{a / b:.3f}" if isinstance(a, float) and isinstance(b, float) else "-")
        ratios += ["-"] * (len(RATIOS) - len(ratios))
        lines.append([row, *(cell(values[c]) for c in columns), *ratios])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*text, "", *notes])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n    make bench")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=WORKLOADS, action="append", help="run only these")
    parser.add_argument("--repeat", type=positive_int, default=5, help="repetitions per measurement (median reported)")
    parser.add_argument("--output", help="where the table is written (out/bench.txt; out/bench_smoke.txt with --smoke)")
    parser.add_argument("--smoke", action="store_true",
                        help="every workload a hundredth of its size, measured once: checks that the bench runs")
    args = parser.parse_args(argv)
    todo = args.only or WORKLOADS
    repeat = 1 if args.smoke else args.repeat
    if args.smoke:
        worker.use_smoke_sizes()  # here too: the plan and the notes give the sizes the workers run
    output = Path(args.output or ("out/bench_smoke.txt" if args.smoke else "out/bench.txt"))
    notes = [f"Python {sys.version.split()[0]}, NumPy {np.__version__}, garbage collector on, "
             f"median of {repeat} runs ({W4_EXTRA_SAMPLES * repeat} for W4's compared chains),"
             " each in a fresh interpreter"]
    if args.smoke:
        notes.insert(0, "SMOKE RUN: every workload a hundredth of its size, once; the figures mean nothing")
    if peers.torch:
        notes.append(f"PyTorch {peers.torch.__version__}, float64, one thread per op as it chooses"
                     " (W5 torch vectorized: the faster of 1 and 2 threads, torch.set_num_threads)")
    if not peers.micrograd_engine:
        notes.append("micrograd is not installed (pip install micrograd==0.1.0, or `make bench`)")
    if peers.tape_available():
        notes.append("tape: W1 and W4 rows time one replay (forward and backward) of the graph recorded once;"
                     " a W2 step is a replay plus the plain Python update loop over the parameters; a W3 step of"
                     " tape (scalar code) a replay of the whole batch's graph plus nn.SGD's step on the tape's arrays"
                     " (inside tape.training(opt)), of tape one point's graph replayed over the 100 rows, the L2"
                     " term as SGD's weight decay; W5 one sample's graph replayed over each batch, Adam on the"
                     " tape's arrays")
    else:
        notes.append("Numba is not installed, so the tape is not measured (pip install numba, or `make bench`)")
    if "W5" in todo:
        sampled = ", ".join(f"{engine} {n} batch{'es' * (n > 1)}" for engine, n in worker.W5_SAMPLED_BATCHES.items())
        rows = f" (their first {worker.W5_SAMPLED_ROWS} digits)" if worker.W5_SAMPLED_ROWS else ""
        notes.append(f"W5: {worker.W5_EPOCHS} epoch{'s' * (worker.W5_EPOCHS > 1)} of 45 batches of the 1,437 training"
                     f" digits (the last batch 29); scaled from the first batches{rows} to an epoch's 1,437 digits:"
                     f" {sampled}")
    if any(w in todo for w in CHECKED):
        notes += check_same_numbers(todo, *((1, 1, 1) if args.smoke else ()))
        print("\n".join(notes), flush=True)
    table = format_table(run_plan(plan(todo, args.smoke), repeat, args.smoke), notes)
    print("\n" + table)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table + "\n")
    print(f"\nwritten to {output}")


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return number


if __name__ == "__main__":
    main(sys.argv[1:])
