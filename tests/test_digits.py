"""demos.digits: the data, the batches, eager training against the NumPy loop, and the compiled path's contract.

The oracles: scikit-learn's own digits (load), the hand-vectorized NumPy loop of bench/w5_peers.py
(eager training, step for step; it is itself checked against nn.reference in
tests/test_bench_smoke.py), the engine's own forward pass (predict), and the eager engine (the
compiled path, once the batch replay exists).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the digits come with scikit-learn: pip install 'scalar-autograd[demo]'")

from autograd import no_grad
from bench import w5_peers
from bench.__main__ import relative_gap
from demos import digits

# The engine and NumPy do the same float64 operations in other orders (a fused dot node against BLAS):
# their losses and weights differ by a few units in the last place (1.5e-14 after 3 steps), far below this.
SAME_ARITHMETIC_RTOL = 1e-12
# The compiled path against the eager one, first steps: a batch replay adds its 32 gradients in another order than
# the eager graph, so the two differ in the last bits; after 4 Adam steps, measured: 4e-16 on the losses, 1.2e-13 on
# the worst parameter (one near 0, where a last-bit difference is a large relative one). A hundredfold margin on that.
COMPILED_RTOL = 1e-11


def parameters(model) -> list[np.ndarray]:
    (w1, w2), (b1, b2) = model.to_arrays()
    return [w1, b1, w2, b2]


def test_load_splits_scikit_learns_digits_permuted_by_default_rng():
    from sklearn.datasets import load_digits

    sklearn_digits = load_digits()
    X_train, y_train, X_test, y_test = digits.load(seed=3)
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64) and y_train.shape == (1437,)
    order = np.random.default_rng(3).permutation(1797)
    np.testing.assert_array_equal(np.vstack([X_train, X_test]), sklearn_digits.data[order] / 16.0)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), sklearn_digits.target[order])
    assert 0.0 <= X_train.min() and X_train.max() == 1.0
    # Another seed, another split of the same 1,797 digits.
    other = digits.load(seed=4)
    assert not np.array_equal(other[0], X_train)
    assert sorted(map(tuple, np.vstack([other[0], other[2]]))) == sorted(map(tuple, np.vstack([X_train, X_test])))


def test_each_epoch_sees_every_training_digit_once_in_a_new_order():
    epochs = [digits.epoch_batches(1437, 32, seed=0, epoch=k) for k in range(3)]
    for batches in epochs:
        assert [len(b) for b in batches] == [32] * 44 + [29]  # the last, short batch kept
        assert sorted(np.concatenate(batches).tolist()) == list(range(1437))
    assert not np.array_equal(epochs[0][0], epochs[1][0])
    again = digits.epoch_batches(1437, 32, seed=0, epoch=1)  # an epoch drawn without the ones before it
    assert all(np.array_equal(a, b) for a, b in zip(again, epochs[1]))
    assert not np.array_equal(digits.epoch_batches(1437, 32, seed=1, epoch=0)[0], epochs[0][0])


def test_eager_training_matches_the_numpy_loop_step_for_step():
    steps = 3
    model, history = digits.train(compiled=False, max_steps=steps)
    problem = w5_peers.digits_problem()
    losses, params = w5_peers.w5_numpy(problem, problem.batches()[:steps])
    assert len(history["loss"]) == steps
    assert relative_gap(np.array(history["loss"]), np.array(losses)) < SAME_ARITHMETIC_RTOL
    for got, expected in zip(parameters(model), params):
        assert relative_gap(got, expected) < SAME_ARITHMETIC_RTOL
    # A short run still reports where it got to: one accuracy, one timing.
    assert len(history["test_accuracy"]) == 1 and len(history["epoch_seconds"]) == 1
    assert history["test_accuracy"][0] == digits.accuracy(model, *digits.load()[2:])


def test_the_same_eager_run_twice_gives_the_same_bits():
    first, second = (digits.train(compiled=False, max_steps=2) for _ in range(2))
    assert first[1]["loss"] == second[1]["loss"]
    assert all(np.array_equal(a, b) for a, b in zip(parameters(first[0]), parameters(second[0])))


def test_the_numpy_loop_of_the_same_training_reaches_97_percent_after_10_epochs():
    """The accuracy the demo promises, on the arithmetic eager training is checked against step for step.

    (Eager training takes seconds an epoch; the compiled path's own test below runs all 10 epochs.)
    """
    problem = w5_peers.digits_problem()
    _, params = w5_peers.w5_numpy(problem, problem.batches(epochs=10))
    assert problem.test_accuracy(params) >= 0.97


def test_predict_matches_the_engines_own_forward_pass():
    model = digits.make_model(seed=0)
    _, _, X_test, _ = digits.load()
    rows = X_test[:40]
    with no_grad():
        logits = np.array([[z.data for z in model(row)] for row in rows.tolist()])
    np.testing.assert_array_equal(digits.predict(model, rows), np.argmax(logits, axis=1))


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [({"epochs": 0}, ValueError, "epochs to be a whole number >= 1, got int 0"),
     ({"batch_size": 2.5}, ValueError, "batch_size to be a whole number >= 1, got float 2.5"),
     ({"max_steps": -1}, ValueError, "max_steps to be a whole number >= 1"),
     ({"seed": -1}, ValueError, "seed must be a whole number >= 0, got int -1"),
     ({"compiled": "no"}, TypeError, "compiled must be True or False"),
     ({"lr": float("nan")}, ValueError, "lr must be a finite number, got nan")],
)
def test_train_refuses_bad_arguments_saying_which(arguments, error, message):
    with pytest.raises(error, match=message):
        digits.train(**{"compiled": False, **arguments})


def test_compiled_training_gives_the_eager_engines_first_steps():
    pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")
    steps = 4
    eager_model, eager = digits.train(compiled=False, max_steps=steps)
    compiled_model, compiled = digits.train(compiled=True, max_steps=steps)
    assert relative_gap(np.array(compiled["loss"]), np.array(eager["loss"])) < COMPILED_RTOL
    for got, expected in zip(parameters(compiled_model), parameters(eager_model)):
        assert relative_gap(got, expected) < COMPILED_RTOL


def test_compiled_training_reaches_97_percent_test_accuracy_in_10_epochs():
    pytest.importorskip("numba", reason="Tape needs Numba: pip install 'scalar-autograd[fast]'")
    model, history = digits.train()
    assert len(history["loss"]) == 10 * 45 and len(history["test_accuracy"]) == 10
    assert history["test_accuracy"][-1] >= 0.97
    assert history["test_accuracy"][-1] == digits.accuracy(model, *digits.load()[2:])  # the Values are current


def test_doctests_of_demos_digits_pass():
    # demos/ is not in pytest's doctest paths (its demos print at length): this module's examples run here.
    import doctest

    failures, tried = doctest.testmod(digits)
    assert tried >= 2 and failures == 0


def test_the_demo_answers_help_and_refuses_bad_arguments_with_argparses_message(capsys):
    with pytest.raises(SystemExit) as done:
        digits.main(["--help"])
    assert done.value.code == 0 and "--epochs" in capsys.readouterr().out
    refused = [(["--epochs", "0"], "must be a whole number >= 1, got '0'"), (["--lr", "nan"], "got nan"),
               (["--seed", "-3"], "must be a whole number >= 0"),
               (["--batch-size", "x"], "must be a whole number >= 1, got 'x'"),
               (["--engine", "fast"], "invalid choice: 'fast'"), (["--bogus"], "unrecognized arguments: --bogus")]
    for bad, message in refused:
        with pytest.raises(SystemExit) as done:
            digits.main(bad)
        assert done.value.code == 2
        assert message in capsys.readouterr().err, bad


def test_the_demo_trains_prints_and_draws_its_three_pictures(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    digits.main(["--engine", "eager", "--max-steps", "2"])
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "ms per epoch" in printed
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["digits_confusion.png", "digits_hidden_weights.png", "digits_predictions.png"]
    assert all((tmp_path / name).read_bytes().startswith(b"\x89PNG") for name in names)
