"""How the explorer tests read a page's numbers and find the engine's: shared by the Python and browser tests."""

from __future__ import annotations

from autograd import Value
from autograd.draw import number_text
from demos.explorer.page import box_texts
from nn import MLP, cross_entropy
from tests.walkthrough_cases import draw_dot_texts


def shown(page, point: int, index: int) -> list[tuple[str, str]]:
    """The (data, grad) texts the page shows in each box for `point` at recorded step `index`."""
    data = page.data
    return box_texts(data["graph"]["kinds"], data["parameters"][index], data["constants"][point],
                     data["moving"][point][index])


def hinge_values(model: MLP, x, y: float) -> dict:
    """Two moons: the point's hinge term built as the demo's loss builds it, after backward, found by walking back.

    The labels are the explorer's: nn's names for the output neuron's parameters (w[2][0][j], b[2][0]),
    h[1][j] for the last hidden layer's outputs, and score, y, loss term.
    """
    score = model(list(x))
    term = (1 - y * score).relu()
    term.backward()
    (margin,) = term.parents  # 1 - y * score
    one, product = margin.parents
    label, _ = product.parents
    weighted_sum, bias = score.parents
    neuron = len(model.layers[-1].neurons[0].w)
    weights, hidden = weighted_sum.parents[:neuron], weighted_sum.parents[neuron:]
    last = len(model.layers) - 1
    named = {f"w[{last}][0][{j}]": w for j, w in enumerate(weights)}
    named |= {f"h[{last - 1}][{j}]": h for j, h in enumerate(hidden)}
    named |= {f"b[{last}][0]": bias, "score": score, "loss term": term, "y": label}
    unnamed = [weighted_sum, product, one, margin]
    return {"named": named, "all": [*named.values(), *unnamed]}


def network_outputs(model: MLP, x) -> list[float]:
    out = model(list(x))
    return [z.data for z in out] if isinstance(out, list) else [out.data]


def texts(value: Value) -> tuple[str, str]:
    return number_text(value.data), number_text(value.grad)


def engine_boxes(run: str, model: MLP, x, target) -> dict:
    """What the engine gives for one point's graph: {"named": {label: (data, grad)}, "all": Counter-able list},
    and for a graph drawn whole, "ordered": every box in topological order (draw_dot's texts, without the words)."""
    model.zero_grad()
    if run == "two_moons":
        values = hinge_values(model, x, target)
        boxes = {"named": {label: texts(v) for label, v in values["named"].items()},
                 "all": [texts(v) for v in values["all"]]}
    else:
        term = cross_entropy(model(list(x)), target)
        term.backward()
        drawn = draw_dot_texts(term)
        ordered = [tuple(text.split(" ", 1)[1] for text in drawn[f"v{k}"]) for k in range(len(drawn))]
        boxes = {"named": {}, "all": ordered, "ordered": ordered}  # the model's own values carry no labels
    model.zero_grad()
    return boxes
