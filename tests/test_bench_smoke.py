"""The benchmark's own code: a tiny run of each piece, so `make bench` never rots. No timing is asserted."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bench import peers, w3_peers, w5_peers, worker
from bench.__main__ import format_table, plan, relative_gap
from tests.optional import import_torch

# W5's engines do the same float64 operations as the NumPy loop in other orders (fused dot nodes, BLAS,
# Python's left-to-right sums): a few units in the last place apart, far below this.
W5_RTOL = 1e-12


def test_w4_worker_backpropagates_a_chain_and_reports_milliseconds():
    result = worker.w4("engine", 1_000, None)
    assert set(result) == {"backward_ms"} and result["backward_ms"] > 0


def test_w2_engine_and_scalar_code_compute_the_tutorial_update():
    rng = np.random.RandomState(1)
    weights = [2 * rng.random_sample((3, 4)) - 1, 2 * rng.random_sample((4, 1)) - 1]
    expected = peers.w2_numpy(weights, worker.W2_X, worker.W2_Y, 3)
    runs = [peers.w2_engine(weights, worker.W2_X, worker.W2_Y, 3),
            peers.w2_scalar(worker.scalar_class("engine"), weights, worker.W2_X, worker.W2_Y, 3)]
    if peers.tape_available():
        marks: list[float] = []
        runs.append(peers.w2_tape(weights, worker.W2_X, worker.W2_Y, 3, marks))
        assert len(marks) == 2 and marks[0] <= marks[1]  # the loop's start, after recording, and its end
    for got in runs:
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-12)  # same float64 operations, other order


def test_w3_scalar_code_eager_and_taped_compute_the_numpy_losses():
    problem = w3_peers.two_moons_problem()
    expected = w3_peers.w3_numpy(*problem, 3)
    runs = [w3_peers.w3_scalar(*problem, 3)] + ([w3_peers.w3_tape(*problem, 3)] if peers.tape_available() else [])
    for got in runs:
        np.testing.assert_allclose(got, expected, rtol=1e-12)  # same float64 operations, other order


def test_loop_seconds_times_only_the_loop_and_runs_in_chunks():
    calls = []

    def run(n, marks):
        calls.append(n)
        peers.loop_started(marks)
        peers.loop_ended(marks)
        time.sleep(0.01)  # freeing a graph after the loop: not timed

    assert worker.loop_seconds(run, 250, 100) < 0.01 and calls == [100, 100, 50]


def test_table_has_ratio_columns_and_plan_covers_every_workload():
    table = format_table({("W2 µs", "engine"): 10.0, ("W2 µs", "micrograd"): 50.0, ("W2 µs", "numpy"): 1.0,
                          ("W2 µs", "tape (scalar code)"): 0.5}, ["n"])
    assert "engine / micrograd" in table and "0.200" in table and "10.000" in table
    assert "tape (scalar code) / numpy" in table and "0.500" in table
    rows = {row for row, *_ in plan(["W1", "W2", "W3", "W4", "W5"])}
    assert all(any(r.startswith(w) for r in rows) for w in ("W1", "W2", "W3", "W4"))
    assert any(r.startswith("W5") for r in rows) or not peers.tape_available()


def test_run_plan_takes_medians_and_samples_the_compared_chains_more_often(monkeypatch):
    import bench.__main__ as driver

    calls: list[tuple[str, ...]] = []

    def fake_measure(*args, smoke=False):  # stands in for a fresh interpreter: returns the call's number
        calls.append(args)
        return {"backward_ms": float(len(calls)), "bytes_per_node": 1.0}

    monkeypatch.setattr(driver, "measure", fake_measure)
    items = [("chain", "engine", ("W4", "engine", "100000"), "backward_ms"),
             ("big chain", "engine", ("W4", "engine", "1000000"), "backward_ms"),
             ("memory", "engine", ("W1-memory", "engine"), "bytes_per_node")]
    results = driver.run_plan(items, repeat=3)
    counts = {args: calls.count(args) for args in set(calls)}
    assert counts == {("W4", "engine", "100000"): 3 * driver.W4_EXTRA_SAMPLES,
                      ("W4", "engine", "1000000"): 3, ("W1-memory", "engine"): 1}
    numbers = [i + 1.0 for i, args in enumerate(calls) if args == ("W4", "engine", "100000")]
    assert results["chain", "engine"] == sorted(numbers)[len(numbers) // 2]  # an odd count: the middle one


def test_relative_gap_counts_equal_zeros_as_no_gap_and_a_zero_against_a_number_as_all():
    assert relative_gap(np.array([0.0, 2.0]), np.array([0.0, 2.0])) == 0.0
    assert relative_gap(np.array([1e-300]), np.array([0.0])) == float("inf")


def tiny_batches() -> list[np.ndarray]:
    """Two short steps (4 and 3 digits): every runner accepts any rows, so micrograd's step takes milliseconds."""
    return [np.array([0, 1, 2, 3]), np.array([4, 5, 6])]


def test_w5_numpy_loop_matches_the_reference_mlp_and_adamw():
    from nn.reference import ReferenceAdamW, ReferenceMLP

    problem = w5_peers.digits_problem()
    batches = problem.batches()[:3]
    losses, params = w5_peers.w5_numpy(problem, batches)
    net = ReferenceMLP([w.copy() for w in problem.weights], [b.copy() for b in problem.biases], "tanh", "linear")
    adam = ReferenceAdamW(net.weights + net.biases, lr=w5_peers.LR, weight_decay=0.0)  # AdamW without decay: Adam
    expected = []
    for batch in batches:
        loss, d_weights, d_biases = net.loss_and_grads(problem.pixels[batch], problem.classes[batch], "cross_entropy")
        adam.step(d_weights + d_biases)
        expected.append(loss)
    assert relative_gap(np.array(losses), np.array(expected)) < W5_RTOL
    for got, want in zip(params, [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]):
        assert relative_gap(got, want) < W5_RTOL


@pytest.mark.parametrize("engine", ["engine", "micrograd", "torch vectorized", "tape"])
def test_w5_runners_compute_the_numpy_losses_and_weights(engine):
    if engine == "torch vectorized":
        import_torch()
    if engine == "tape" and not peers.tape_available():
        pytest.skip("the tape needs Numba: pip install 'scalar-autograd[fast]'")
    runner = {"engine": w5_peers.w5_engine, "micrograd": w5_peers.w5_micrograd, "tape": w5_peers.w5_tape,
              "torch vectorized": w5_peers.w5_torch_vectorized}[engine]
    problem = w5_peers.digits_problem()
    expected_losses, expected_params = w5_peers.w5_numpy(problem, tiny_batches())
    losses, params = runner(problem, tiny_batches())
    assert relative_gap(np.array(losses), np.array(expected_losses)) < W5_RTOL
    for got, want in zip(params, expected_params):
        assert relative_gap(np.asarray(got), want) < W5_RTOL


def test_w5_worker_reports_ms_per_epoch_and_the_accuracy_of_the_engines_that_train_in_full(monkeypatch):
    monkeypatch.setattr(worker, "W5_EPOCHS", 1)
    monkeypatch.setitem(worker.W5_SAMPLED_BATCHES, "engine", 1)
    full, sampled = worker.w5("numpy"), worker.w5("engine")
    assert set(full) == {"epoch_ms", "test_accuracy_percent"} and full["epoch_ms"] > 0
    assert 80 < full["test_accuracy_percent"] <= 100  # one epoch: about 90%, far above chance (10%)
    assert set(sampled) == {"epoch_ms"} and sampled["epoch_ms"] > 0


W5_ACCURACY = "W5 test accuracy after 10 epochs, %"


def test_w5_rows_in_the_plan_and_no_ratios_on_the_accuracy_row():
    rows = {(row, column) for row, column, *_ in plan(["W5"])}
    assert ("W5 ms per epoch, digits", "numpy") in rows and ("W5 ms per epoch, digits", "engine") in rows
    assert (W5_ACCURACY, "numpy") in rows and (W5_ACCURACY, "engine") not in rows  # the engine is scaled, not trained
    table = format_table({(W5_ACCURACY, "tape"): 98.0, (W5_ACCURACY, "numpy"): 98.0,
                          ("W5 ms per epoch, digits", "tape"): 5.0, ("W5 ms per epoch, digits", "numpy"): 10.0}, [])
    accuracy_line = next(line for line in table.splitlines() if line.startswith(W5_ACCURACY))
    assert "1.000" not in accuracy_line and "0.500" in table  # tape / numpy on the time row only


def test_a_smoke_plan_leaves_out_the_cold_compile_and_the_long_chains():
    smoke = {row for row, *_ in plan(["W1", "W4"], smoke=True)}
    assert not any("empty Numba cache" in row for row in smoke)
    assert [row for row in smoke if row.startswith("W4")] == ["W4 ms backward, chain of 1,000"]
