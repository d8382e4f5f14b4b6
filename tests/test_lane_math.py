"""The batch replay's own tanh and e**x (autograd/tape/lane_math.py) against the C library's, and at their edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")

from numba import njit

from autograd.tape import lane_math
from tests.test_tape_batch import TANH_ULPS


@njit(error_model="numpy")
def lane_tanhs(xs, out):
    for s in range(len(xs)):  # the lanes' loop: the same inlined code, vectorized as in lanes.py
        out[s] = lane_math.tanh(xs[s])


@njit
def library_tanhs(xs, out):
    for s in range(len(xs)):
        out[s] = math.tanh(xs[s])


def applied(xs: np.ndarray, of=lane_tanhs) -> np.ndarray:
    """`of` (a compiled loop) over xs: lane_math.tanh unless told otherwise."""
    out = np.empty_like(xs)
    of(xs, out)
    return out


def test_within_a_few_ulp_of_the_c_librarys_tanh_from_tiny_to_saturated():
    rng = np.random.default_rng(0)
    scales = (1e-300, 1e-8, 1e-3, 0.1, 0.35, 0.5, 1.0, 3.0, 8.0, 15.0)  # each path: tiny, k = 0, k > 0, near 1
    xs = np.concatenate([rng.normal(0.0, s, 100_000) for s in scales] + [rng.uniform(-25.0, 25.0, 100_000)])
    library = applied(xs, library_tanhs)  # the C library's, which the one-sample passes and math.tanh call
    assert all(library[i] == math.tanh(xs[i]) for i in range(0, len(xs), 997))
    ulps = np.abs(applied(xs) - library) / np.spacing(np.abs(library))
    assert ulps.max() <= TANH_ULPS
    assert np.mean(ulps == 0) > 0.6  # most are the very same number (73% on this sample when written)


@pytest.mark.parametrize("x, expected", [
    (0.0, 0.0), (-0.0, -0.0), (5e-324, 5e-324), (-1e-310, -1e-310),  # tanh x = x to the last bit
    (20.0, 1.0), (20.5, 1.0), (-700.0, -1.0), (1e308, 1.0), (math.inf, 1.0), (-math.inf, -1.0),
])
def test_signs_tiny_numbers_and_saturation(x, expected):
    got = applied(np.array([x]))[0]
    assert got == expected and math.copysign(1.0, got) == math.copysign(1.0, expected)


def test_nan_stays_nan():
    assert math.isnan(applied(np.array([math.nan]))[0])


def test_odd_and_monotone_on_a_fine_grid():
    xs = np.linspace(0.0, 21.0, 200_001)
    t = applied(xs)
    assert np.array_equal(applied(-xs), -t)
    assert np.all(np.diff(t) >= 0.0) and t.max() == 1.0


@njit(error_model="numpy")
def lane_exps(xs, out):
    for s in range(len(xs)):
        out[s] = lane_math.exp_of_nonpositive(xs[s])


@njit
def library_exps(xs, out):
    for s in range(len(xs)):
        out[s] = math.exp(xs[s])


def test_exp_within_one_ulp_of_the_c_librarys_down_to_the_subnormals():
    rng = np.random.default_rng(1)
    scales = (1e-9, 1e-3, 0.3, 1.0, 5.0, 30.0, 200.0)  # softmax's z - largest z: 0 and below
    xs = -np.concatenate([np.abs(rng.normal(0.0, s, 100_000)) for s in scales] + [rng.uniform(0.0, 760.0, 100_000)])
    ours, library = applied(xs, lane_exps), applied(xs, library_exps)
    assert all(library[i] == math.exp(xs[i]) for i in range(0, len(xs), 997))
    normal = library >= np.finfo(float).tiny
    assert np.max(np.abs(ours - library)[normal] / np.spacing(library[normal])) <= 1.0
    assert np.max(np.abs(ours - library)[~normal]) <= 5e-324  # below 2.2e-308 a unit is the least subnormal
    assert np.mean(ours == library) > 0.9  # 92.6% on 8 million numbers when written


@pytest.mark.parametrize("x, expected", [
    (0.0, 1.0), (-0.0, 1.0), (-5e-324, 1.0), (-745.0, 5e-324), (-745.2, 0.0), (-746.0, 0.0), (-1e300, 0.0),
    (-math.inf, 0.0),
])
def test_exp_at_its_edges(x, expected):
    assert applied(np.array([x]), lane_exps)[0] == expected
