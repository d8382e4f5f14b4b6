"""What a picture shows is what the learner typed: labels, numbers, a model's parameter names; and the edges of
render, Page.save and explain_backward."""

from __future__ import annotations

import html
import math
import re
import shutil

import pytest

from autograd import Value, draw_dot, explain_backward, render, walkthrough
from autograd.draw import label_text, number_text
from autograd.pages import Page
from nn import MLP, Layer, Neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (CI installs it)")

# Labels that once came out wrong: an entity Graphviz decoded, record syntax, characters it drops or chokes on.
LABELS = {
    "entity": "a&amp;b",
    "ampersand": "x & y",
    "tags": "</script><b>",
    "record syntax": 'a|b{c}<d> "e" \\f',
    "tab and newline": "tab\there\nnext",
    "nul": "nul\x00end",
    "lone surrogate": "half \ud800 pair",
    "accents and symbols": "é ∂ → ✓",
}
SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.DOTALL)


def svg_texts(svg: str) -> list[str]:
    """The texts drawn, as a reader sees them (a no-break space looks like a space: see draw._escape)."""
    return [html.unescape(text).replace("\u00a0", " ") for text in SVG_TEXT.findall(svg)]


@needs_dot
@pytest.mark.parametrize("label", list(LABELS.values()), ids=list(LABELS))
def test_draw_dot_draws_a_label_as_typed_with_control_characters_escaped(label):
    x = Value(1.5, label=label)
    svg = draw_dot(x * 2.0).pipe(format="svg", encoding="utf-8")
    assert label_text(label) in svg_texts(svg)


def test_label_text_escapes_only_control_characters_and_lone_surrogates():
    assert label_text("nul\x00end") == "nul\\x00end"
    assert label_text("half \ud800 pair") == "half \\ud800 pair"
    assert label_text("tab\there\nnext") == "tab\\there\\nnext"
    assert label_text("é ∂ → ✓ a&amp;b") == "é ∂ → ✓ a&amp;b"


@needs_dot
@pytest.mark.parametrize("label", list(LABELS.values()), ids=list(LABELS))
def test_a_walkthrough_page_saves_and_draws_a_label_as_typed(label, tmp_path):
    x = Value(0.5, label=label)
    page = walkthrough(x.tanh())
    path = page.save(tmp_path / "page.html")  # a lone surrogate could not be written as UTF-8
    written = open(path, encoding="utf-8").read()
    assert label_text(label) in svg_texts(written)


@needs_dot
def test_render_takes_the_format_in_any_case_as_it_takes_the_extension(tmp_path):
    dot = draw_dot(Value(1.0, label="x") * 2)
    assert open(render(dot, tmp_path / "a.picture", format="PNG"), "rb").read().startswith(b"\x89PNG")
    assert open(render(dot, tmp_path / "b.PNG"), "rb").read().startswith(b"\x89PNG")
    assert "<svg" in open(render(dot, tmp_path / "c.out", format="Svg")).read()


@pytest.mark.parametrize("path", [None, 3, ["page.html"]])
def test_page_save_refuses_what_is_not_a_file_name_saying_what_it_got(path):
    with pytest.raises(TypeError, match=r"Page.save: path must be a file name \(str or Path\) .* got "):
        Page("<p>page</p>", {}).save(path)


def test_explaining_a_leaf_says_there_is_nothing_to_go_back_through():
    text = str(explain_backward(Value(3.0, label="x")))
    assert text == "x is a leaf: backward() adds d x / d x = 1 to x.grad, and there is no op to go back through"
    assert str(explain_backward(Value(3.0))).startswith("v0 is a leaf")


def test_negative_zero_is_drawn_as_zero():
    # relu of a negative number passes back 0 x (negative upstream) = -0.0 to its input
    h = Value(-1.0, label="x") * 1.0
    y = h.relu() * -2.0
    y.backward()
    assert math.copysign(1.0, h.grad) < 0  # the engine holds -0.0, as PyTorch does
    assert number_text(h.grad) == "0"
    assert "grad -0" not in draw_dot(y).source and "grad 0" in draw_dot(y).source


def test_a_models_parameters_are_named_by_where_they_sit_and_drawn_as_parameters():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    out = model([0.5, -1.0])
    source = draw_dot(out).source  # no params=: the model's weights say they are parameters
    for layer, sizes in enumerate([(3, 2), (1, 3)]):
        for j in range(sizes[0]):
            assert model.layers[layer].neurons[j].b.label == f"b[{layer}][{j}]"
            for i in range(sizes[1]):
                label = f"w[{layer}][{j}][{i}]"
                assert model.layers[layer].neurons[j].w[i].label == label
                assert re.search(rf'label="\{{ {re.escape(label)} \|[^"]*" [^\]]*fillcolor="#f6d68b"', source)
    assert source.count('fillcolor="#f6d68b"') == len(model.parameters())
    assert source.count('fillcolor="#cfe3f7"') == 2  # the two inputs: inputs, not parameters


def test_a_lone_layer_and_neuron_name_their_parameters_too():
    assert [p.label for p in Layer(2, 2, seed=0).parameters()] == ["w[0][0]", "w[0][1]", "b[0]",
                                                                    "w[1][0]", "w[1][1]", "b[1]"]
    assert [p.label for p in Neuron(2, seed=0).parameters()] == ["w[0]", "w[1]", "b"]
