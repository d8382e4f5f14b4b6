"""One measurement in a fresh process: `python -m bench.worker W1 engine` prints a JSON result.

`python -m bench.worker --smoke W1 engine` shrinks the workload a hundredfold, to check that the
bench runs (its figures mean nothing).

Each measurement gets its own interpreter so that no engine pays for another's objects: with the
garbage collector on (as for any user), a collection scans every live object, and importing
PyTorch alone adds hundreds of thousands of them.
"""

from __future__ import annotations

import functools
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

W1_OPS = 200_000
W2_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
W2_Y = [0.0, 0.0, 1.0, 1.0]
W2_STEPS = {"engine": 2000, "engine (scalar code)": 1000, "tape (scalar code)": 20000, "micrograd": 400,
            "torch": 150, "torch vectorized": 2000, "numpy": 20000}
W3_STEPS = {"engine": 5, "engine (scalar code)": 3, "tape (scalar code)": 300, "tape": 500, "micrograd": 2, "torch": 2,
            "torch vectorized": 200, "numpy": 500}
# W5: the engines fast enough train all 10 epochs (ms per epoch, and the test accuracy at the end); the eager
# engine (seconds per epoch) and micrograd (minutes) are timed on the first batches and scaled to an epoch.
W5_EPOCHS = 10
W5_SAMPLED_BATCHES = {"engine": 3, "micrograd": 1}
W5_SAMPLED_ROWS: int | None = None  # all of each sampled batch; a smoke run takes the first few only
W5_WARM_UP_BATCHES = 3  # run untimed first by the engines that train in full (first calls allocate, load, dispatch)
W5_THREADS = (1, 2)  # PyTorch is timed with each and reported at its best
SMOKE_DIVISOR = 100
# W3's learning rate 1 - 0.9 k / 100 turns negative after 111 steps: longer runs are timed in chunks
# of at most this many steps, each from the same start, so no engine is timed on a diverging run.
W3_CHUNK = 100


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def loop_seconds(run: Callable[[int, list], object], steps: int, chunk: int) -> float:
    """Seconds spent in `run`'s training loops over `steps` steps, in chunks, without set-up before a loop.

    A runner that records a tape marks where its loop starts and ends (bench.peers.loop_started,
    loop_ended): recording the graph before, and freeing it after, are no training steps.
    """
    seconds, done = 0.0, 0
    while done < steps:
        n = min(chunk, steps - done)
        marks: list[float] = []
        start = time.perf_counter()
        run(n, marks)
        end = time.perf_counter()
        seconds += (marks[1] if len(marks) > 1 else end) - (marks[0] if marks else start)
        done += n
    return seconds


def scalar_class(engine: str):
    """The Value class of a scalar engine (micrograd gets its tanh and sigmoid from bench.peers)."""
    if engine == "engine":
        from autograd import Value

        return Value
    from bench import peers

    return peers.micrograd_engine.Value


def w1_graph(make: Callable[[float], object], tanh: Callable[[object], object]):
    a, b, x = make(0.5), make(0.1), make(0.3)
    leaves = (a, b, x)
    for _ in range(W1_OPS // 3):
        x = tanh(x * a + b)
    return x, leaves


def w1(engine: str) -> dict:
    """x = (x * a + b).tanh(), 200,000 ops: forward and backward µs per op."""
    if engine == "torch":
        import torch

        def make(v):
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        t_fwd, (out, leaves) = timed(lambda: w1_graph(make, torch.tanh))
        t_bwd, _ = timed(lambda: torch.autograd.grad(out, leaves))
    else:
        Value = scalar_class(engine)
        sys.setrecursionlimit(10 * W1_OPS)  # micrograd's recursive topological sort needs it
        t_fwd, (out, _) = timed(lambda: w1_graph(Value, Value.tanh))
        t_bwd, _ = timed(out.backward)
    return {"forward_us": t_fwd / W1_OPS * 1e6, "backward_us": t_bwd / W1_OPS * 1e6,
            "total_us": (t_fwd + t_bwd) / W1_OPS * 1e6, "step_ms": (t_fwd + t_bwd) * 1e3}


def w1_tape(runs: int = 10) -> dict:
    """The W1 graph recorded as a Tape: record time, then forward and forward + backward per op, and bytes."""
    from autograd import Tape, Value

    warm_up_numba()
    out, leaves = w1_graph(Value, Value.tanh)
    t_record, tape = timed(lambda: Tape(out, wrt=leaves))
    tape.run()
    t_forward = min(timed(tape.forward)[0] for _ in range(runs))
    t_run = min(timed(tape.run)[0] for _ in range(runs))
    return {"record_ms": t_record * 1e3, "forward_us": t_forward / W1_OPS * 1e6, "total_us": t_run / W1_OPS * 1e6,
            "bytes_per_node": tape.nbytes / W1_OPS}


def warm_up_numba() -> None:
    """Import Numba and load the compiled loops from the disk cache, so no timing includes either."""
    from autograd import Tape, Value

    x, w = Value(1.0), Value(2.0)
    Tape(x * x + 1.0, wrt=[x]).run()
    Tape((w * x).tanh(), wrt=[w], inputs=[x]).run_batch([[0.5], [1.5]])  # the batch replay's loops too


def w1_memory(engine: str) -> dict:
    """Bytes allocated while building the W1 graph, per op node (tracemalloc)."""
    Value = scalar_class(engine)
    gc.collect()
    tracemalloc.start()
    graph = w1_graph(Value, Value.tanh)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del graph
    return {"bytes_per_node": size / W1_OPS}


def w2_runners() -> dict[str, Callable[[int], list]]:
    """Each engine's W2 training from the tutorial's seed-1 weights: steps -> final weights."""
    from bench import peers

    rng = np.random.RandomState(1)
    weights = [2 * rng.random_sample((3, 4)) - 1, 2 * rng.random_sample((4, 1)) - 1]
    return {
        "engine": lambda n, marks=None: peers.w2_engine(weights, W2_X, W2_Y, n),
        "engine (scalar code)": lambda n, marks=None: peers.w2_scalar(scalar_class("engine"), weights, W2_X, W2_Y, n),
        "tape (scalar code)": lambda n, marks=None: peers.w2_tape(weights, W2_X, W2_Y, n, marks),
        "micrograd": lambda n, marks=None: peers.w2_scalar(scalar_class("micrograd"), weights, W2_X, W2_Y, n),
        "torch": lambda n, marks=None: peers.w2_torch_scalar(weights, W2_X, W2_Y, n),
        "torch vectorized": lambda n, marks=None: peers.w2_torch_vectorized(weights, W2_X, W2_Y, n),
        "numpy": lambda n, marks=None: peers.w2_numpy(weights, W2_X, W2_Y, n),
    }


def w3_runners() -> dict[str, Callable[[int], list]]:
    """Each engine's two-moons training from one shared initialisation: steps -> losses."""
    from bench import w3_peers

    problem = w3_peers.two_moons_problem()
    runs = {"engine": w3_peers.w3_engine, "engine (scalar code)": w3_peers.w3_scalar,
            "micrograd": w3_peers.w3_micrograd, "torch": w3_peers.w3_torch_scalar,
            "torch vectorized": w3_peers.w3_torch_vectorized, "numpy": w3_peers.w3_numpy}
    runners = {name: (lambda n, marks=None, run=run: run(*problem, n)) for name, run in runs.items()}
    runners["tape (scalar code)"] = lambda n, marks=None: w3_peers.w3_tape(*problem, n, marks)
    runners["tape"] = lambda n, marks=None: w3_peers.w3_tape_batch(*problem, n, marks)
    return runners


def w5_runners() -> dict[str, Callable[[int], list]]:
    """Each engine's digits training from one shared start: steps -> [losses, W1, b1, W2, b2]."""
    from bench import peers, w5_peers

    problem = w5_peers.digits_problem()
    runs = {"engine": w5_peers.w5_engine, "micrograd": w5_peers.w5_micrograd, "numpy": w5_peers.w5_numpy,
            "torch vectorized": w5_peers.w5_torch_vectorized}
    if peers.tape_available():
        runs["tape"] = w5_peers.w5_tape

    def runner(run):
        def first_steps(n: int, marks: list | None = None) -> list:
            losses, params = run(problem, [b[:W5_SAMPLED_ROWS] for b in problem.batches()[:n]], marks)
            return [np.array(losses), *params]

        return first_steps

    return {name: runner(run) for name, run in runs.items()}


def w2(engine: str) -> dict:
    """The iamtrask 3-4-1 net, full batch: µs per training step."""
    run, steps = w2_runners()[engine], W2_STEPS[engine]
    if engine.startswith("tape"):
        warm_up_numba()
    return {"step_us": loop_seconds(run, steps, steps) / steps * 1e6}


def w3(engine: str) -> dict:
    """micrograd's two-moons training step: ms per step."""
    run, steps = w3_runners()[engine], W3_STEPS[engine]
    if engine.startswith("tape"):
        warm_up_numba()
    return {"step_ms": loop_seconds(run, steps, W3_CHUNK) / steps * 1e3}


def w4(engine: str, size: int, recursion_limit: int | None) -> dict:
    """Backward through x = x * 1.0001 + 0.0001, `size` op nodes: ms, or the error it raised.

    For the tape: one replay, forward and backward, of the chain recorded once.
    """
    if engine == "tape":
        from autograd import Tape, Value

        warm_up_numba()
        x0 = x = Value(1.0)
        for _ in range(size // 2):
            x = x * 1.0001 + 0.0001
        tape = Tape(x, wrt=[x0])
        tape.run()
        return {"backward_ms": min(timed(tape.run)[0] for _ in range(3)) * 1e3}
    if engine == "torch":
        import torch

        x0 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        x = x0
        for _ in range(size // 2):
            x = x * 1.0001 + 0.0001
        return {"backward_ms": timed(lambda: torch.autograd.grad(x, [x0]))[0] * 1e3}
    Value = scalar_class(engine)
    x = Value(1.0)
    for _ in range(size // 2):
        x = x * 1.0001 + 0.0001
    if recursion_limit:
        sys.setrecursionlimit(recursion_limit)
    try:
        return {"backward_ms": timed(x.backward)[0] * 1e3}
    except RecursionError:
        return {"error": "RecursionError"}


def w5(engine: str) -> dict:
    """The digits epoch: ms per epoch (scaled from a few batches for the slow engines), and the test accuracy."""
    from bench import w5_peers

    if engine == "tape":
        warm_up_numba()
    problem = w5_peers.digits_problem()
    if engine in W5_SAMPLED_BATCHES:
        run = w5_peers.w5_engine if engine == "engine" else w5_peers.w5_micrograd
        batches = [b[:W5_SAMPLED_ROWS] for b in problem.batches()[:W5_SAMPLED_BATCHES[engine]]]
        seconds = loop_seconds(lambda n, marks: run(problem, batches, marks), 1, 1)
        return {"epoch_ms": seconds / sum(len(b) for b in batches) * len(problem.classes) * 1e3}
    if engine == "torch vectorized":  # PyTorch at its best of one and two threads
        runs = [functools.partial(w5_peers.w5_torch_vectorized, threads=n) for n in W5_THREADS]
    else:
        runs = [w5_peers.w5_numpy if engine == "numpy" else w5_peers.w5_tape]
    batches, timings = problem.batches(W5_EPOCHS), []
    for run in runs:
        run(problem, batches[:W5_WARM_UP_BATCHES])
        marks: list[float] = []
        _, params = run(problem, batches, marks)
        timings.append((time.perf_counter() - marks[0], params))
    seconds, params = min(timings, key=lambda timing: timing[0])
    return {"epoch_ms": seconds / W5_EPOCHS * 1e3, "test_accuracy_percent": 100 * problem.test_accuracy(params)}


def use_smoke_sizes() -> None:
    """Every workload a hundredth of its size (at least one step), W5 one epoch or 4 digits: the bench runs, fast."""
    global W1_OPS, W5_EPOCHS, W5_SAMPLED_ROWS
    W1_OPS //= SMOKE_DIVISOR
    for table in (W2_STEPS, W3_STEPS):
        for engine, steps in table.items():
            table[engine] = max(1, steps // SMOKE_DIVISOR)
    W5_EPOCHS = 1
    W5_SAMPLED_BATCHES.update(dict.fromkeys(W5_SAMPLED_BATCHES, 1))
    W5_SAMPLED_ROWS = 4


def first_run() -> dict:
    """Seconds from nothing imported to a first tape run: Numba's import, compiling or loading the loops, recording."""
    start = time.perf_counter()
    from autograd import Tape, Value

    x = Value(1.0)
    Tape((x * 2.0).tanh(), wrt=[x]).run()
    return {"seconds": time.perf_counter() - start}


def main(argv: list[str]) -> None:
    if argv[0] == "--smoke":
        use_smoke_sizes()
        argv = argv[1:]
    workload, engine, *rest = argv
    gc.enable()  # as for any user
    if workload == "compile":
        result = first_run()
    elif workload == "W1":
        result = w1_tape() if engine == "tape" else w1(engine)
    elif workload == "W1-memory":
        result = w1_memory(engine)
    elif workload == "W2":
        result = w2(engine)
    elif workload == "W3":
        result = w3(engine)
    elif workload == "W5":
        result = w5(engine)
    else:
        size, limit = int(rest[0]), int(rest[1]) if len(rest) > 1 else None
        result = w4(engine, size, limit)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
