"""gradcheck (tested with deliberately wrong rules), draw_dot and explain_backward."""

from __future__ import annotations

import functools
import math
import pickle
import shutil

import graphviz
import pytest

from autograd import GradcheckError, Value, draw_dot, explain_backward, gradcheck, gradcheck_second_order, op, render
from autograd import ops as op_table
from autograd.check import argument_names
from autograd.draw import GraphvizNotInstalled
from demos import gradient_checking

# (function, point, correct hand-written gradient, deliberately wrong gradient)
RULES = {
    "tanh": (Value.tanh, [0.5], lambda x: [1 - math.tanh(x) ** 2], lambda x: [1 - x**2]),
    "sigmoid applied twice": (
        Value.sigmoid,
        [0.3],
        gradient_checking.fixed_rule,
        gradient_checking.buggy_rule,
    ),
    "product, swapped": (
        lambda a, b: a * b.exp(),
        [1.2, -0.4],
        lambda a, b: [math.exp(b), a * math.exp(b)],
        lambda a, b: [a * math.exp(b), math.exp(b)],
    ),
    "log, off by a factor": (Value.log, [3.0], lambda x: [1 / x], lambda x: [1.01 / x]),
    "quotient, sign": (lambda a, b: a / b, [2.0, 5.0], lambda a, b: [1 / b, -a / b**2], lambda a, b: [1 / b, a / b**2]),
}


@pytest.mark.parametrize("name", list(RULES))
def test_gradcheck_passes_correct_rules_and_catches_wrong_ones(name):
    f, point, right, wrong = RULES[name]
    assert gradcheck(f, point)  # the engine's own gradient
    assert gradcheck(f, point, grad_fn=right)
    report = gradcheck(f, point, grad_fn=wrong)
    assert not report and report.failures
    assert "FAILED" in str(report) and "✗" in str(report)


def test_gradcheck_catches_a_wrong_custom_op_rule_in_first_and_second_order():
    wrong_square = op("wrong_square", lambda x: x * x, lambda x, out: 2 * x + 0.01)
    assert not gradcheck(wrong_square, [1.5])
    right_cube = op("right_cube", lambda x: x**3, lambda x, out: 3 * x * x)
    assert gradcheck(right_cube, [1.5]) and gradcheck_second_order(right_cube, [1.5])
    # Right first derivative, wrong second: the rule uses a constant where it should use x.
    frozen = op("frozen_square", lambda x: x * x, lambda x, out: 2 * op_table.value_of(x))
    assert gradcheck(frozen, [1.5])
    assert not gradcheck_second_order(frozen, [1.5])


def test_gradcheck_raises_with_the_offending_input_and_both_values():
    f, point, _, wrong = RULES["tanh"]
    with pytest.raises(GradcheckError, match=r"gradcheck failed for x: analytic 0.75 vs numeric 0.7864"):
        gradcheck(f, point, grad_fn=wrong, raise_on_failure=True)


def test_report_table_names_rows_by_the_functions_arguments_in_their_order_with_eps_and_tolerances():
    report = gradcheck(lambda a, b: a * b, [2.0, 3.0], grad_fn=lambda a, b: [b, a + 0.5])
    text = str(report).splitlines()
    assert text[0].startswith("gradcheck FAILED for b: 1 of 2 entries out of tolerance")
    assert "eps=1e-06" in text[0] and "1e-05 + 0.001 * |numeric|" in text[0]
    assert text[2].lstrip().startswith("a ") and text[3].startswith("  ✗ b ")  # argument order, the failure marked
    assert [r.name for r in report.failures] == ["b"]


def neuron(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


@pytest.mark.parametrize(
    ("f", "count", "names"),
    [
        (neuron, 5, ["x1", "x2", "w1", "w2", "b"]),  # the lecture's neuron: w1, not x[2]
        (lambda *vs: vs[0] * vs[1], 2, ["vs[0]", "vs[1]"]),
        (lambda x, *rest, scale=2.0: x * scale, 3, ["x", "rest[0]", "rest[1]"]),  # keyword-only ones are no inputs
        (functools.partial(neuron, 1.0), 4, ["x2", "w1", "w2", "b"]),
        (Value.tanh, 1, ["x"]),  # a method of Value: self is the input
        (math.hypot, 2, ["x[0]", "x[1]"]),  # no signature Python can read: positions
    ],
    ids=["neuron", "star_args", "star_rest", "partial", "method", "builtin"],
)
def test_rows_are_named_by_the_checked_functions_own_argument_names_where_it_has_them(f, count, names):
    assert argument_names(f, count) == names


def test_a_long_report_names_its_failures_in_the_first_line_and_marks_them_in_place():
    report = gradcheck(neuron, [2.0, 0.0, -3.0, 1.0, 0.5], grad_fn=lambda x1, x2, w1, w2, b: [0.0] * 5)
    text = str(report).splitlines()
    assert text[0].startswith("gradcheck FAILED for x1, x2, w1, b: 4 of 5 entries out of tolerance")
    assert [line.split()[0] for line in text[2:]] == ["✗", "✗", "✗", "w2", "✗"]  # w2's slope x2 = 0 is right
    assert [line.split()[-6] for line in text[2:]] == ["x1", "x2", "w1", "w2", "b"]


def test_second_order_rows_are_named_by_both_arguments():
    report = gradcheck_second_order(lambda x, y: x * x * y, [1.5, -2.0])
    assert [r.name for r in report.rows] == ["d2/dx dx", "d2/dx dy", "d2/dy dx", "d2/dy dy"]


def test_tutorial_hand_backprop_fails_and_its_fix_passes():
    stale, fixed = gradient_checking.network_checks()
    assert not stale and fixed
    assert {r.name for r in stale.failures} == {f"layers.0.neurons.{j}.w.{i}" for j in range(2) for i in range(2)}
    buggy, fixed_neuron, custom = gradient_checking.neuron_checks()
    assert not buggy and fixed_neuron and not custom
    # At z = 0.3 the tutorial's rule gives s(s(z)) (1 - s(s(z))) = 0.2304594 (the sigmoid applied twice), the
    # true slope is s(z) (1 - s(z)) = 0.2444583 (both worked out from s and rounded to 7 decimals).
    assert buggy.rows[0].analytic == pytest.approx(0.2304594, abs=5e-8)
    assert buggy.rows[0].numeric == pytest.approx(0.2444583, abs=5e-8)


def test_draw_dot_source_has_records_op_nodes_and_two_edges_for_a_times_a():
    a = Value(2.0, label="a")
    b = a * a
    b.backward()
    source = draw_dot(b).source
    assert source.count("v0 -> v1_op") == 2
    assert "v1_op -> v1" in source
    assert "{ a | data 2 | grad 4 }" in source  # 4 significant digits: no trailing zeros
    assert 'v1_op [label="*"' in source


def test_draw_dot_is_stable_across_runs_and_marks_parameters():
    def build():
        w, x = Value(0.5, label="w"), Value(2.0, label="x")
        return (w * x).tanh(), [w]

    (r1, p1), (r2, p2) = build(), build()
    assert draw_dot(r1, params=p1).source == draw_dot(r2, params=p2).source
    assert "#f6d68b" in draw_dot(r1, params=p1).source  # the parameter's colour
    assert "#f6d68b" not in draw_dot(r1).source


def test_draw_dot_escapes_record_characters_in_labels():
    v = Value(1.0, label="a|b{c}")
    assert r"a\|b\{c\}" in draw_dot(v).source


def test_draw_dot_refuses_huge_graphs_saying_how_to_raise_the_limit():
    x = Value(1.0)
    for _ in range(300):
        x = x + 1.0
    with pytest.raises(
        ValueError, match=r"has 601 values, more than max_nodes=500; pass draw_dot\(root, max_nodes=601\)"
    ):
        draw_dot(x)
    assert draw_dot(x, max_nodes=601)


def test_draw_dot_rankdir():
    assert "rankdir=TB" in draw_dot(Value(1.0), rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir must be"):
        draw_dot(Value(1.0), rankdir="sideways")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (CI installs it)")
def test_render_writes_an_svg(tmp_path):
    path = render(draw_dot(Value(1.0, label="x") * 2), tmp_path / "g.svg")
    assert path == str(tmp_path / "g.svg") and "<svg" in open(path).read()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (CI installs it)")
def test_render_writes_exactly_the_path_given_and_nothing_else(tmp_path):
    # Once, render wrote the DOT text to out/notes, deleted it (and a user's file of that name),
    # and turned run.1 and run.2 into the same run.svg.
    (tmp_path / "notes").write_text("my notes")
    dot = draw_dot(Value(1.0))
    render(dot, tmp_path / "notes.svg")
    render(dot, tmp_path / "x.png")
    render(dot, tmp_path / "run.1", format="svg")
    render(dot, tmp_path / "run.2", format="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "notes.svg", "run.1", "run.2", "x.png"]
    assert (tmp_path / "notes").read_text() == "my notes"
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "run.1").read_text()


def test_render_refuses_a_path_whose_format_it_cannot_tell(tmp_path):
    with pytest.raises(ValueError, match="has no extension to tell the format"):
        render(draw_dot(Value(1.0)), tmp_path / "g")
    with pytest.raises(ValueError, match="Graphviz cannot write 'txt'"):
        render(draw_dot(Value(1.0)), tmp_path / "g.txt")
    assert list(tmp_path.iterdir()) == []


def test_render_without_dot_says_how_to_install(tmp_path, monkeypatch):
    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    with pytest.raises(GraphvizNotInstalled, match="apt-get install graphviz"):
        render(draw_dot(Value(1.0)), tmp_path / "g.svg")


def test_graph_demo_without_dot_keeps_the_dot_text(tmp_path, monkeypatch):
    from demos import graph_rendering

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    root, params = graph_rendering.neuron()
    path = graph_rendering.save(root, params, "g")
    assert path.endswith("g.dot") and "digraph" in open(path).read()


def test_explain_backward_matches_what_backward_computes():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w).tanh() + x
    steps = explain_backward(y)
    assert [s.op for s in steps] == ["+", "tanh", "*"]
    totals = {}
    for s in steps:
        for parent, c in zip(s.parents, s.contributions):
            totals[parent] = totals.get(parent, 0.0) + c
    assert x.grad == 0.0  # explaining touches no .grad
    y.backward()
    assert totals["x"] == x.grad and totals["w"] == w.grad
    assert "tanh" in str(steps)


def test_render_and_page_save_leave_the_old_file_whole_when_writing_fails(tmp_path, monkeypatch):
    # Both write through autograd/files.py: the bytes go to a temporary file that replaces the
    # old one only once complete, so a failure part way leaves the previous picture or page.
    from autograd import files
    from autograd.pages.page import Page

    picture, page = tmp_path / "g.svg", tmp_path / "p.html"
    picture.write_text("old picture")
    page.write_text("old page")
    dot = draw_dot(Value(1.0))
    monkeypatch.setattr(dot, "pipe", lambda format: b"<svg>new</svg>")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        render(dot, picture)
    with pytest.raises(OSError, match="No space left"):
        Page("<html>new</html>", data=None).save(page)
    assert picture.read_text() == "old picture" and page.read_text() == "old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg", "p.html"]  # no temporary file left
    monkeypatch.undo()
    monkeypatch.setattr(dot, "pipe", lambda format: b"<svg>new</svg>")
    assert open(render(dot, picture)).read() == "<svg>new</svg>"


def test_render_to_a_folder_says_to_give_a_file_name(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"render: .* is a folder; give a file name inside it"):
        render(draw_dot(Value(1.0)), tmp_path, format="svg")


def test_a_custom_op_is_checked_under_the_names_of_its_forwards_arguments_even_after_pickling():
    scaled = op("scaled_for_names", lambda z, k: k * z, lambda z, k, out: (k, z))
    assert [r.name for r in gradcheck(scaled, [0.5, 3.0]).rows] == ["z", "k"]
    assert [r.name for r in gradcheck(pickle.loads(pickle.dumps(scaled)), [0.5, 3.0]).rows] == ["z", "k"]
    anything = op("any_count_for_names", lambda *xs: xs[0], lambda *xs_and_out: (1.0,) * (len(xs_and_out) - 1))
    assert [r.name for r in gradcheck(anything, [0.5]).rows] == ["inputs[0]"]
