"""The yin-yang demo: EurekaLabs micrograd's generator, data, initialisation and run, checked independently."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from demos import yin_yang
from demos.yin_yang import XorShiftStar, accuracy, initial_arrays, setup, train, yin_yang_class, yin_yang_data
from nn.reference import ReferenceAdamW, ReferenceMLP, softmax_cross_entropy

# Engine (scalar nodes) and reference (NumPy arrays) compute the same float64 formulas in other
# orders; 100 AdamW steps carry those few-ulp differences along (they do not grow much: measured
# ~1e-14). 1e-10 relative is the bar of the other reference tests.
RTOL_TRAINED = 1e-10


def numpy_xorshift_star(seed: int, count: int) -> list[int]:
    """The same generator written with NumPy's wrapping uint64 arithmetic: an independent check of the masks."""
    state = np.array([seed], dtype=np.uint64)
    outputs = []
    for _ in range(count):
        state ^= state >> np.uint64(12)
        state ^= state << np.uint64(25)
        state ^= state >> np.uint64(27)
        outputs.append(int(((state * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(32))[0]))
    return outputs


def test_generator_matches_a_numpy_uint64_implementation():
    rng = XorShiftStar(42)
    assert [rng.next_u32() for _ in range(2000)] == numpy_xorshift_star(42, 2000)


def test_generator_floats_are_24_bit_fractions_in_the_unit_interval():
    rng, check = XorShiftStar(7), XorShiftStar(7)
    for _ in range(1000):
        x = rng.random()
        assert 0.0 <= x < 1.0 and x == (check.next_u32() >> 8) / 2**24
    assert XorShiftStar(1).uniform(-1.0, 1.0) == -1.0 + 2.0 * XorShiftStar(1).random()


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((0.75, 0.5), 2), ((0.25, 0.5), 2),  # the centres of the two dots
        ((0.5, 0.9), 0),  # top of the disc, far from the right dot: yin
        ((0.5, 0.1), 1),  # bottom: yang
        ((0.25, 0.65), 0),  # in the ring around the left dot: yin
        ((0.75, 0.35), 1),  # in the ring around the right dot: yang
    ],
)
def test_yin_yang_classes_of_points_whose_class_the_picture_makes_plain(point, expected):
    assert yin_yang_class(*point) == expected


def test_data_has_the_splits_classes_and_disc_of_the_design():
    data = yin_yang_data(XorShiftStar(42), 100)
    assert [len(data[s][1]) for s in ("train", "val", "test")] == [80, 10, 10]
    xs = np.vstack([data[s][0] for s in ("train", "val", "test")])
    classes = np.concatenate([data[s][1] for s in ("train", "val", "test")])
    assert classes.tolist() == [i % 3 for i in range(100)]
    assert np.all(np.hypot(xs[:, 0], xs[:, 1]) <= 2.0)  # the disc of radius 0.5, scaled by 4
    unit = (xs / 2 + 1) / 2  # back to the unit square, exactly (scaling by powers of 2)
    assert [yin_yang_class(x, y) for x, y in unit] == classes.tolist()


def test_initialisation_draws_neuron_after_neuron_scaled_by_one_over_sqrt_nin():
    rng, replay = XorShiftStar(3), XorShiftStar(3)
    weights, biases = initial_arrays(rng, [2, 8, 3])
    draws = [replay.uniform(-1.0, 1.0) for _ in range(2 * 8 + 8 * 3)]
    assert weights[0].shape == (2, 8) and weights[1].shape == (8, 3)
    assert weights[0][:, 0].tolist() == [d * 2**-0.5 for d in draws[0:2]]  # neuron 0 of layer 0 first
    assert weights[0][:, 7].tolist() == [d * 2**-0.5 for d in draws[14:16]]
    assert weights[1][:, 2].tolist() == [d * 8**-0.5 for d in draws[32:40]]
    assert all(not b.any() for b in biases)


def reference_run(steps: int = 100, hidden: int = 8, points: int = 100):
    """The run again with the NumPy reference and a NumPy AdamW, from the same arrays: the independent oracle."""
    data, (weights, biases) = setup(hidden, points)
    net = ReferenceMLP(weights, biases, activation="tanh", output_activation="linear")
    opt = ReferenceAdamW(net.weights + net.biases, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=1e-4)
    history = []
    for k in range(steps):
        record = {}
        if k % 10 == 0:
            record["val_loss"] = float(softmax_cross_entropy(net.forward(data["val"][0]), data["val"][1])[0])
        record["train_loss"], d_weights, d_biases = net.loss_and_grads(*data["train"], loss="cross_entropy")
        opt.step(d_weights + d_biases)
        history.append(record)
    return net, history


@pytest.fixture(scope="module")
def eager_run():
    return train(100)


def test_the_run_matches_the_numpy_reference_trained_from_the_same_arrays(eager_run):
    model, history = eager_run
    net, expected = reference_run()
    assert len(history) == 100
    with_val, without = ["seconds", "train_loss", "val_loss"], ["seconds", "train_loss"]
    assert [sorted(h) for h in history[:11]] == [with_val] + [without] * 9 + [with_val]
    for mine, theirs in zip(history, expected):
        assert mine["train_loss"] == pytest.approx(theirs["train_loss"], rel=RTOL_TRAINED)
        assert mine.get("val_loss", 0.0) == pytest.approx(theirs.get("val_loss", 0.0), rel=RTOL_TRAINED)
    for a, b in zip(model.to_arrays()[0] + model.to_arrays()[1], net.weights + net.biases):
        np.testing.assert_allclose(a, b, rtol=RTOL_TRAINED, atol=1e-13)
    data, _ = setup()
    for split in ("train", "val", "test"):  # the engine's argmax against the reference network's
        xs, ys = data[split]
        assert accuracy(model, xs, ys) == np.mean(np.argmax(net.forward(xs), axis=1) == ys)


# What EurekaLabs' own micrograd.py prints (their repository, commit e6b3705, run on this machine
# with Python 3.11: "step 1/100, train loss ...", "step 91/100, val loss ..."). Their loss is summed
# node by node and scaled by 1/80, and their AdamW folds the decay into the update: a few ulps apart
# from ours per step, 2.3e-14 relative after 100 steps. Val losses are printed to 6 decimals.
THEIR_TRAIN_LOSS = {0: 1.0122152826497561, 10: 0.6091342764823507, 80: 0.07376563141068336,
                    90: 0.052036315448364734, 99: 0.03906091113485444}
THEIR_VAL_LOSS = {0: 1.053898, 10: 0.781408, 80: 0.094695, 90: 0.078724}
RTOL_THEIRS = 1e-12  # 40x the difference measured
ATOL_PRINTED = 5e-7  # half a unit of the 6th decimal


def test_the_run_matches_the_losses_printed_by_eurekalabs_script(eager_run):
    _, history = eager_run
    for k, loss in THEIR_TRAIN_LOSS.items():
        assert history[k]["train_loss"] == pytest.approx(loss, rel=RTOL_THEIRS)
    for k, loss in THEIR_VAL_LOSS.items():
        assert history[k]["val_loss"] == pytest.approx(loss, abs=ATOL_PRINTED)


def test_the_compiled_run_gives_the_eager_losses(eager_run):
    pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")
    _, history = eager_run
    _, replayed = train(100, compiled=True)
    for mine, theirs in zip(replayed, history):  # the tape promises backward()'s numbers within 1e-12 relative
        assert mine["train_loss"] == pytest.approx(theirs["train_loss"], rel=1e-12)
        assert mine.get("val_loss", 0.0) == pytest.approx(theirs.get("val_loss", 0.0), rel=1e-12)


def test_the_bigger_run_reaches_95_percent_on_its_test_split_as_the_reference_does():
    # The option docs/tutorials.md gives: 1000 points (800 train, 100 test), 16 hidden neurons, 150 steps. On a Tape
    # when Numba is there (0.3 s), else eagerly (about 10 s).
    compiled = importlib.util.find_spec("numba") is not None
    model, history = train(150, hidden=16, points=1000, compiled=compiled)
    net, expected = reference_run(150, hidden=16, points=1000)
    for mine, theirs in zip(history, expected):
        assert mine["train_loss"] == pytest.approx(theirs["train_loss"], rel=RTOL_TRAINED)
    data, _ = setup(16, 1000)
    xs, ys = data["test"]
    mine = accuracy(model, xs, ys)
    assert mine == np.mean(np.argmax(net.forward(xs), axis=1) == ys)
    assert mine >= 0.95


def test_main_prints_the_losses_and_accuracies_and_saves_the_regions(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    yin_yang.main(["--steps", "3", "--engine", "eager"])
    printed = capsys.readouterr().out
    assert "step 1/3, val loss 1.053898" in printed  # their first printed line (see THEIR_VAL_LOSS)
    assert "step 3/3, train loss" in printed and "test accuracy:" in printed
    assert (tmp_path / "yin_yang_regions.png").stat().st_size > 10_000
    assert math.isfinite(float(printed.split("step 3/3, train loss ")[1].split()[0]))
