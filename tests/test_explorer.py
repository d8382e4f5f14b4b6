"""The training explorer's numbers, checked in Python against the demos' own training and eager backward passes.

The pages are built from runs recorded every 25th step here (5 recorded steps), to keep the tests
quick; `make demo` records every 5th with the same code.
"""

from __future__ import annotations

import base64
import doctest
import importlib
import math
import re
from collections import Counter

import numpy as np
import pytest

from autograd import topological_order
from demos import training_explorer, two_moons, yin_yang
from demos.explorer.contours import contour_lines, svg_path
from demos.explorer.graph import MAX_DRAWN, PointGraphs
from demos.explorer.page import explorer_page, predicted_class
from demos.explorer.plots import SCORE_FOR_FULL_COLOUR, Plane
from demos.explorer.runs import record_two_moons, record_yin_yang
from nn import cross_entropy
from tests.explorer_cases import hinge_values, network_outputs, shown, texts
from tests.walkthrough_cases import draw_dot_texts

EVERY = 25
# A cell's confidence byte is round(255 * c) of a number the page's grid gets from NumPy's matrix
# products, which add in another order than the engine's dot: a few ulps apart, which can move a
# value that sits on a rounding boundary to the next byte, never further.
BYTE_TOLERANCE = 1


@pytest.fixture(scope="module")
def moons():
    recording = record_two_moons(every=EVERY)
    return recording, explorer_page(recording)


@pytest.fixture(scope="module")
def yin():
    recording = record_yin_yang(every=EVERY)
    return recording, explorer_page(recording)


@pytest.fixture(scope="module")
def moons_trained():
    return two_moons.train(100)


@pytest.fixture(scope="module")
def yin_trained():
    return yin_yang.train(100)


def test_recorded_losses_and_accuracies_equal_the_two_moons_demos_bit_for_bit(moons, moons_trained):
    recording, _ = moons
    _, history = moons_trained
    assert recording.losses[:100] == [loss for loss, _ in history]
    assert recording.accuracies[:100] == [accuracy for _, accuracy in history]
    assert recording.steps == [0, 25, 50, 75, 100]


def test_recorded_losses_equal_the_yin_yang_demos_bit_for_bit(yin, yin_trained):
    recording, _ = yin
    _, history = yin_trained
    assert recording.losses[:100] == [record["train_loss"] for record in history]
    assert {k: v for k, v in recording.checked.items() if k < 100} == {
        k: record["val_loss"] for k, record in enumerate(history) if "val_loss" in record}


@pytest.mark.parametrize("run", ["two_moons", "yin_yang"])
def test_the_snapshot_of_step_k_holds_the_weights_that_train_k_leaves(run, moons, yin):
    recording, _ = moons if run == "two_moons" else yin
    demo = two_moons if run == "two_moons" else yin_yang
    for k in (25, 50):
        trained, _ = demo.train(k)
        weights, biases = trained.to_arrays()
        recorded_weights, recorded_biases = recording.arrays[recording.steps.index(k)]
        assert all(np.array_equal(a, b) for a, b in zip(weights, recorded_weights))
        assert all(np.array_equal(a, b) for a, b in zip(biases, recorded_biases))


def test_two_moons_graph_at_the_last_step_equals_an_eager_backward_of_the_points_hinge_term(moons, moons_trained):
    recording, page = moons
    model, _ = moons_trained  # the demo's trained network: the weights of step 100
    labels = page.data["graph"]["labels"]
    for point in range(0, 100, 7):
        model.zero_grad()
        engine = hinge_values(model, recording.points[point], recording.targets[point])
        boxes = shown(page, point, len(recording.steps) - 1)
        named = {label: box for label, box in zip(labels, boxes) if label}
        assert named == {label: texts(value) for label, value in engine["named"].items()}
        assert Counter(boxes) == Counter(texts(value) for value in engine["all"])  # the unlabelled boxes too


def test_two_moons_graph_at_every_recorded_step_equals_an_eager_backward_with_that_steps_weights(moons):
    recording, page = moons
    for index in range(len(recording.steps)):
        model = recording.model(index)
        for point in (3, 50, 96):
            model.zero_grad()
            engine = hinge_values(model, recording.points[point], recording.targets[point])
            assert Counter(shown(page, point, index)) == Counter(texts(value) for value in engine["all"])


def test_yin_yang_graph_is_drawn_whole_and_equals_draw_dots_texts_after_an_eager_backward(yin, yin_trained):
    recording, page = yin
    model, _ = yin_trained
    for point in (0, 41, 79, 85, 99):  # training points, a validation point, a test point
        model.zero_grad()
        term = cross_entropy(model(list(recording.points[point])), recording.targets[point])
        assert len(topological_order(term)) == len(page.data["graph"]["kinds"]) <= MAX_DRAWN
        term.backward()
        expected = draw_dot_texts(term)  # whole graph, v0, v1, ... in topological order, as the page draws it
        boxes = shown(page, point, len(recording.steps) - 1)
        assert [(f"data {d}", f"grad {g}") for d, g in boxes] == [expected[f"v{k}"] for k in range(len(boxes))]
        root, drawn_op = len(boxes) - 1, f"xent[{recording.targets[0]}]"  # drawn for point 0, of class 0
        assert page.data["ops"][point].get(root, drawn_op) == f"xent[{recording.targets[point]}]"


def test_the_predicted_classes_are_the_engines_at_each_recorded_step(yin):
    recording, page = yin
    for index in range(len(recording.steps)):
        model = recording.model(index)
        engine = "".join(str(predicted_class(network_outputs(model, x))) for x in recording.points)
        assert page.data["predicted"][index] == engine


def test_status_shows_each_steps_training_loss_and_accuracy(moons, moons_trained):
    recording, page = moons
    _, history = moons_trained
    for index, k in enumerate(recording.steps[:-1]):
        loss, accuracy = history[k]
        assert f"training loss <b>{loss:.4g}</b>" in page.data["status"][index]
        assert f"training accuracy <b>{accuracy:.0%}</b>" in page.data["status"][index]


@pytest.mark.parametrize("run", ["two_moons", "yin_yang"])
def test_boundary_cells_hold_the_class_and_confidence_of_the_engines_network_there(run, moons, yin):
    recording, page = moons if run == "two_moons" else yin
    plane = Plane(recording.region)
    rng = np.random.default_rng(0)
    for index in (0, len(recording.steps) - 1):
        cells = np.frombuffer(base64.b64decode(page.data["field"]["steps"][index]["cells"]), dtype=np.uint8)
        cells = cells.reshape(plane.rows, plane.columns, 2)[::-1]  # bottom row first, as plane.grid
        model = recording.model(index)
        for k in rng.choice(plane.rows * plane.columns, size=40, replace=False):
            i, j = divmod(int(k), plane.columns)
            outputs = network_outputs(model, plane.grid[k])
            if len(outputs) == 1:
                confidence = min(abs(outputs[0]) / SCORE_FOR_FULL_COLOUR, 1.0)
            else:
                exps = [math.exp(z - max(outputs)) for z in outputs]
                confidence = (max(exps) / sum(exps) - 1 / len(outputs)) / (1 - 1 / len(outputs))
            assert cells[i, j, 0] == predicted_class(outputs)
            assert abs(int(cells[i, j, 1]) - 255 * confidence) <= 0.5 + BYTE_TOLERANCE


def test_building_a_page_changes_no_gradient_of_the_recorded_networks(moons):
    recording, _ = moons
    assert all(p.grad == 0.0 for p in recording.model(0).parameters())
    model = recording.model(1)
    graphs = PointGraphs(model, recording.points[0], recording.targets[0], recording.loss_term)
    graphs.numbers(model, recording.points[5], recording.targets[5])
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_loss_term_whose_graph_changes_shape_between_points_is_refused(moons):
    recording, _ = moons
    model = recording.model(0)

    def uneven(outputs, label):  # a formula that differs by label: one drawing cannot serve both
        term = (1 - label * outputs[0]).relu()
        return term * 1.0 if label > 0 else term

    graphs = PointGraphs(model, [0.0, 0.0], 1.0, uneven)
    with pytest.raises(ValueError, match="another shape than the one drawn"):
        graphs.numbers(model, [0.0, 0.0], -1.0)


@pytest.mark.parametrize("record", [record_two_moons, record_yin_yang])
@pytest.mark.parametrize(("every", "steps", "message"), [
    (0, 100, "every must be a whole number >= 1 (keep every k-th step), got 0"),
    (2.5, 100, "every must be a whole number >= 1 (keep every k-th step), got 2.5"),
    (5, 0, "steps must be a whole number >= 1 (training steps), got 0"),
])
def test_a_recording_with_no_step_to_keep_is_refused_naming_the_value(record, every, steps, message):
    with pytest.raises(ValueError, match=re.escape(f"{record.__name__}: {message}")):
        record(every=every, steps=steps)


def test_the_demo_refuses_every_0_with_argparses_message(capsys):
    with pytest.raises(SystemExit):
        training_explorer.main(["--every", "0"])
    assert "argument --every: must be a whole number >= 1, got '0'" in capsys.readouterr().err


def test_contour_of_a_circle_lies_on_the_circle_and_closes(moons):
    h = 0.05
    ys, xs = np.mgrid[-2:2 + h / 2:h, -2:2 + h / 2:h]
    (line,) = contour_lines(xs**2 + ys**2, 1.0)
    # Linear interpolation of r**2 along an edge of length h misses the circle by at most ~h**2 / 4.
    radius_error = h**2 / 4
    for j, i in line:
        assert abs(math.hypot(-2 + j * h, -2 + i * h) - 1.0) <= radius_error
    assert line[0] == line[-1]  # a closed loop
    assert len(line) > 2 * math.pi / h  # it goes all the way round


def test_contour_at_a_saddle_keeps_the_two_branches_apart():
    # x * y = 0.01 has two branches (first and third quadrant); each cell at the origin is a saddle case.
    ys, xs = np.mgrid[-1:1.01:0.1, -1:1.01:0.1]
    lines = contour_lines(xs * ys, 0.01)
    assert len(lines) == 2
    for line in lines:
        signs = {np.sign(-1 + j * 0.1) for j, _ in line}
        assert len(signs - {0.0}) == 1  # each branch stays on its side of the y axis


def test_contour_lines_refuse_a_grid_that_is_not_2d():
    with pytest.raises(ValueError, match="2-D grid of at least 2 x 2 values, got shape"):
        contour_lines(np.zeros(5), 0.0)


def test_svg_path_writes_each_line_as_a_move_then_lines():
    assert svg_path([[(0, 0), (1, 1)], [(2, 2), (3, 2)]], lambda j, i: (j, i)) == "M0.0 0.0L1.0 1.0M2.0 2.0L3.0 2.0"


@pytest.mark.parametrize("module", ["demos.explorer.contours", "demos.explorer.page", "demos.explorer.graph",
                                    "demos.explorer.plots", "demos.explorer.runs"])
def test_doctests_of_the_explorer_modules_pass(module):
    # demos/ is not in pytest's doctest paths (its demos print at length); the explorer's examples are run here.
    failures, tried = doctest.testmod(importlib.import_module(module))
    assert failures == 0 and tried > 0


def drawn_labels(page, path: dict) -> list[str]:
    """The labels of the boxes a path draws (unlabelled boxes left out)."""
    labels = page.data["graph"]["labels"]
    return [labels[k] for k in path["values"] if labels[k]]


def test_each_yin_yang_path_runs_from_the_inputs_through_one_hidden_neuron_to_one_logit(yin):
    _, page = yin
    paths = page.data["graph"]["paths"]
    assert sorted(tuple(p["key"]) for p in paths) == [(j, k) for j in range(8) for k in range(3)]
    for path in paths:
        j, k = path["key"]
        assert sorted(drawn_labels(page, path)) == sorted([
            "x1", "x2", f"w[0][{j}][0]", f"w[0][{j}][1]", f"b[0][{j}]", f"h[0][{j}]",  # the hidden neuron
            f"w[1][{k}][{j}]", f"b[1][{k}]", "z[0]", "z[1]", "z[2]",  # the output neuron; the loss reads all logits
            "loss term"])


def test_each_two_moons_path_runs_from_one_hidden_output_through_the_output_neuron(moons):
    _, page = moons
    paths = page.data["graph"]["paths"]
    assert [p["key"] for p in paths] == [[j] for j in range(16)]
    for path in paths:
        (j,) = path["key"]
        assert sorted(drawn_labels(page, path)) == sorted(
            [f"h[1][{j}]", f"w[2][0][{j}]", "b[2][0]", "score", "y", "loss term"])


@pytest.mark.parametrize("run", ["two_moons", "yin_yang"])
def test_a_path_notes_the_terms_of_each_weighted_sum_it_leaves_out_and_cuts_what_the_loss_reads_off_it(run, moons, yin):
    recording, _ = moons if run == "two_moons" else yin
    graphs = PointGraphs(recording.model(0), recording.points[0], recording.targets[0], recording.loss_term)
    for path in graphs.paths:
        sums = {k: graphs.kept[k] for k in path.values if graphs.kept[k].op == "dot"}
        for k, node in sums.items():
            inputs = node.parents[len(node.parents) // 2:]
            drawn = [x for x in inputs if graphs.kept.index(x) in path.values]
            assert path.notes.get(k, 0) == len(inputs) - len(drawn)  # every term is drawn or counted in the note
        cut = sorted(graphs.labels[k] for k in path.cut)
        if run == "two_moons":  # the last hidden layer is kept without the graph behind it
            assert cut == [f"h[1][{path.key[0]}]"]
        else:  # the logits off the path: the loss reads them, their graphs are other paths
            assert cut == sorted(f"z[{c}]" for c in range(3) if c != path.key[1])


@pytest.mark.parametrize("run", ["two_moons", "yin_yang"])
def test_no_number_on_a_page_is_negative_zero(run, moons, yin):
    _, page = moons if run == "two_moons" else yin
    data = page.data
    texts = [*data["parameters"], *data["constants"], *(t for steps in data["moving"] for t in steps)]
    numbers = [number for text in texts for number in text.split()]
    assert "-0" not in numbers
    assert "0" in numbers  # the zeros are there: relu's and the hinge's, written as 0


@pytest.mark.parametrize("run", ["two_moons", "yin_yang"])
def test_the_page_says_a_boxs_grad_is_this_points_share_and_the_step_takes_the_mean(run, moons, yin):
    _, page = moons if run == "two_moons" else yin
    text = re.sub(r"<[^>]+>", "", page.html)
    assert "grad is d(loss term) / d(box): this point's share of the step" in text
    assert "averages the shares of all" in text
    assert "−lr × its gradient." not in text  # the old wording, which read as if the point's own gradient moved it


def test_the_path_shown_first_carries_the_points_gradient_all_the_way_to_its_first_parameters(yin):
    # The oracle: an eager backward of the start point's loss term at every recorded step. The path shown
    # first is the one whose weakest parameter gradient, added over the steps, is largest.
    recording, page = yin
    point = page.data["start"]
    graphs = PointGraphs(recording.model(0), recording.points[0], recording.targets[0], recording.loss_term)
    scores = []
    for path in graphs.paths:
        total = 0.0
        for index in range(len(recording.steps)):
            model = recording.model(index)
            term = cross_entropy(model(list(recording.points[point])), recording.targets[point])
            term.backward()
            j, k = path.key
            layer0, layer1 = model.layers[0].neurons[j], model.layers[1].neurons[k]
            total += min(abs(p.grad) for p in (*layer0.w, layer0.b, layer1.w[j], layer1.b))
        scores.append(total)
    assert page.data["graph"]["startPath"] == max(range(len(scores)), key=scores.__getitem__)
