"""The benchmark's own code: a tiny run of each piece, so `make bench` never rots. No timing is asserted."""

from __future__ import annotations

import time

import numpy as np

from bench import peers, w3_peers, worker
from bench.__main__ import format_table, plan


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


def test_w5_tape_trains_the_digits_classifier_on_the_split_design_md_names():
    import pytest

    if not peers.tape_available():
        pytest.skip("the tape needs Numba: pip install 'scalar-autograd[fast]'")
    from bench import w5_tape

    x_train, y_train, x_test, y_test = w5_tape.digits_split()
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64) and x_train.max() == 1.0
    assert set(y_train) == set(y_test) == set(range(10))
    seconds, accuracy = w5_tape.w5_tape(1)
    assert len(seconds) == 1 and accuracy > 0.5  # one epoch learns far past chance (0.1); ten reach 97%


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

    def fake_measure(*args):  # stands in for a fresh interpreter: returns the call's number
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
