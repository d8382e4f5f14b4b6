"""The README's code, run as a learner copies it: each block runs, and the numbers its comments promise are printed."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    """Every ```python block of the README, in order."""
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def block_starting(first_line: str) -> str:
    """The one block whose first line is `first_line` (the test fails loudly if the README changed)."""
    found = [block for block in python_blocks() if block.splitlines()[0] == first_line]
    assert len(found) == 1, f"README: expected one python block starting {first_line!r}, found {len(found)}"
    return found[0]


def test_the_first_example_prints_what_its_comments_say() -> None:
    """The lecture's neuron: each print line's comment holds the numbers it prints."""
    block = block_starting("from autograd import Value")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(block, {})
    got = printed.getvalue().splitlines()
    comments = [line.split("#", 1)[1].strip() for line in block.splitlines() if line.startswith("print(")]
    assert len(got) == len(comments)
    for printed_line, comment in zip(got, comments):
        assert comment.startswith(printed_line), (printed_line, comment)
    got = [line.split() for line in got]
    assert got == [["0.7071"], ["-1.5000", "1.0000"], ["0.5000", "0.0000"]]  # the lecture's numbers


def test_the_lecture_mlp_block_makes_a_tanh_network() -> None:
    scope: dict = {}
    exec(block_starting("from nn import MLP"), scope)
    model = scope["model"]
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "tanh"]
    assert len(model.parameters()) == 41  # 4*(3+1) + 4*(4+1) + 1*(4+1), the lecture's count


def test_the_training_block_lowers_the_loss() -> None:
    """The README's network block, fed a small separable set, trains (the loss it leaves is lower than the first)."""
    from autograd import Value

    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, size=(20, 2))
    xs = [[Value(float(a)), Value(float(b))] for a, b in points]
    ys = [1.0 if a + b > 0 else -1.0 for a, b in points]
    block = block_starting("from nn import MLP, SGD, hinge, l2").replace("range(100)", "range(15)")
    scope: dict = {"xs": xs, "ys": ys}
    exec(block, scope)
    trained = scope["hinge"]([scope["model"](x) for x in xs], ys).data
    scope_first: dict = {"xs": xs, "ys": ys}
    exec(block.replace("range(15)", "range(0)"), scope_first)
    untrained = scope_first["hinge"]([scope_first["model"](x) for x in xs], ys).data
    assert trained < untrained


def test_the_digits_block_trains_on_the_tape_and_hands_the_numbers_back() -> None:
    """The digits loop as printed, with `batches` from demos.digits: the model's Values change once the block ends."""
    pytest.importorskip("sklearn", reason="the digits come with scikit-learn: pip install 'scalar-autograd[demo]'")
    pytest.importorskip("numba", reason="the tape's compiled loops: pip install 'scalar-autograd[fast]'")
    from autograd import Tape, Value
    from demos.digits import epoch_batches, load
    from nn import MLP, Adam, cross_entropy

    X_train, y_train, _, _ = load()
    rows = np.column_stack([X_train, y_train])
    batches = [rows[batch] for batch in epoch_batches(len(rows), 32, seed=0, epoch=0)][:5]
    scope = {"MLP": MLP, "Value": Value, "Tape": Tape, "cross_entropy": cross_entropy, "Adam": Adam, "batches": batches}
    block = block_starting('model = MLP(64, [32, 10], activation="tanh")')
    exec(
        block.replace(
            'model = MLP(64, [32, 10], activation="tanh")', 'model = MLP(64, [32, 10], activation="tanh", seed=0)'
        ),
        scope,
    )
    trained = [p.data for p in scope["model"].parameters()]
    untrained = [p.data for p in MLP(64, [32, 10], activation="tanh", seed=0).parameters()]
    assert len(trained) == 2410
    changed = sum(a != b for a, b in zip(trained, untrained))
    assert changed > 2000  # Adam moves every parameter with a nonzero gradient; pixels always 0 leave a few still
