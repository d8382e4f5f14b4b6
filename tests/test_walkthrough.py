"""The walkthrough page's contract, checked in Python (tests/test_walkthrough_browser.py clicks through it)."""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET

import graphviz
import pytest

from autograd import Value, explain_backward, op, topological_order, walkthrough
from autograd.draw import GraphvizNotInstalled, number_text
from autograd.pages.board import grad_of, value_names
from tests.walkthrough_cases import GRAPHS, draw_dot_texts, shared_interior, states

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (CI installs it)")
SVG = "{http://www.w3.org/2000/svg}"


def backward_steps(page):
    return [s for s in page.data["steps"] if s["phase"] == "backward"]


def forward_steps(page):
    return [s for s in page.data["steps"] if s["phase"] == "forward"]


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_last_step_shows_draw_dots_texts_after_backward(name):
    root, params = GRAPHS[name]()
    page = walkthrough(root, params=params)
    final = states(page)[-1]
    root.backward()
    assert {node: (data, grad) for node, (data, grad, _) in final.items()} == draw_dot_texts(root)
    assert not any(partial for _, _, partial in final.values())  # every leaf has all its contributions


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_building_the_page_changes_no_grad(name):
    root, params = GRAPHS[name]()
    order = topological_order(root)
    for i, node in enumerate(order):  # interior nodes too: stale numbers the page must not touch
        node.grad = 0.25 * i - 1.0 if node.parents else node.grad
    before = [node.grad for node in order]
    walkthrough(root, params=params)
    assert [node.grad for node in order] == before


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_steps_are_numbered_start_forward_then_backward(name):
    root, _ = GRAPHS[name]()
    page = walkthrough(root)
    ops = [node for node in topological_order(root) if node.parents]
    phases = [s["phase"] for s in page.data["steps"]]
    backward = max(len(ops), 1)  # a leaf root has one backward step of its own
    assert phases == ["start"] + ["forward"] * len(ops) + ["backward"] * backward
    assert f'<span id="step">0 / {len(phases) - 1}</span>' in page.html


@needs_dot
def test_forward_steps_follow_topological_order():
    root, _ = GRAPHS["small_mlp"]()
    page = walkthrough(root)
    order = topological_order(root)
    expected = [f"v{i}" for i, node in enumerate(order) if node.parents]
    assert [s["current"] for s in forward_steps(page)] == expected
    for step in forward_steps(page):
        node = order[int(step["current"][1:])]
        assert step["parents"] == [f"v{order.index(p)}" for p in node.parents]


@needs_dot
def test_backward_steps_follow_the_order_backward_calls_the_rules():
    # The oracle is the engine itself: a custom op whose rule logs which node it is called for.
    called = []

    def logged_slopes(a, b, out):
        called.append(out)
        return 1.0, 1.0

    spy = op("walkthrough_spy", lambda a, b: a + b, logged_slopes)
    a, b = Value(1.0), Value(2.0)
    c = spy(a, b)  # data 3; every node below has a different value, so `out` names the node
    d = spy(c, a)  # 4
    e = spy(c, d)  # 7
    f = spy(b, e)  # 9
    root = spy(f, c)  # 12
    page = walkthrough(root)
    called.clear()  # building the page reads the rules too
    root.backward()
    order = topological_order(root)
    by_value = {node.data: f"v{i}" for i, node in enumerate(order)}
    assert [s["current"] for s in backward_steps(page)] == [by_value[out] for out in called]


def share_steps(page) -> dict[str, list[int]]:
    """For each value, the steps that send it a share (one per use: a * a sends two in one step)."""
    sent: dict[str, list[int]] = {}
    for k, step in enumerate(page.data["steps"]):
        if step["phase"] == "backward":
            for parent in step["parents"]:
                sent.setdefault(parent, []).append(k)
    return sent


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_a_value_shows_no_number_before_it_is_computed_and_no_gradient_before_its_first_share(name):
    root, _ = GRAPHS[name]()
    page = walkthrough(root)
    steps = page.data["steps"]
    shown = states(page)
    forward_at = {s["current"]: k for k, s in enumerate(steps) if s["phase"] == "forward"}
    first_backward = min(k for k, s in enumerate(steps) if s["phase"] == "backward")
    first_share = {name: ks[0] for name, ks in share_steps(page).items()}
    for i, node in enumerate(topological_order(root)):
        name = f"v{i}"
        appears = first_backward if node is root else first_share[name]
        for k, state in enumerate(shown):
            data, grad, _ = state[name]
            assert (data == "data ?") == (node.parents != () and k < forward_at[name])
            assert (grad == "grad ?") == (k < appears)


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_a_parents_gradient_is_complete_as_soon_as_its_last_share_arrives(name):
    # The oracle: draw_dot after backward(). From the step of its last share on, a value shows that
    # text, not marked partial; between its first and its last share it is marked partial.
    root, params = GRAPHS[name]()
    page = walkthrough(root, params=params)
    shown = states(page)
    sent = share_steps(page)
    root.backward()
    final = draw_dot_texts(root)
    for name, ks in sent.items():
        for k in range(ks[0], len(shown)):
            _, grad, partial = shown[k][name]
            assert partial == (k < ks[-1])
            if k >= ks[-1]:
                assert grad == final[name][1]


@needs_dot
def test_a_value_used_by_two_ops_shows_its_running_sum_marked_partial_until_both_have_sent_their_share():
    root, _ = GRAPHS["interior_used_twice"]()
    page = walkthrough(root)
    c = next(i for i, node in enumerate(topological_order(root)) if node.label == "c")
    # The oracle: explain_backward's shares to c, added up in backward's order.
    sums, total = [], 0.0
    for step in explain_backward(root):
        for parent, contribution in zip(step.parents, step.contributions):
            if parent == "c":
                total += contribution
                sums.append(number_text(total))
    grads = [(grad, partial) for _, grad, partial in (state[f"v{c}"] for state in states(page))]
    changes = [g for k, g in enumerate(grads) if k == 0 or g != grads[k - 1]]
    assert changes == [("grad ?", False)] + [(f"grad {s}", k < len(sums) - 1) for k, s in enumerate(sums)]
    assert len(sums) == 2


@needs_dot
def test_a_leaf_shows_its_running_sum_marked_partial_until_every_use_has_sent_its_share():
    root, _ = shared_interior()  # leaf a is used by three ops
    page = walkthrough(root)
    a = next(i for i, node in enumerate(topological_order(root)) if node.label == "a")
    # The oracle: explain_backward's contributions to a, added up in backward's order.
    sums, total = [], 0.0
    for step in explain_backward(root):
        for parent, contribution in zip(step.parents, step.contributions):
            if parent == "a":
                total += contribution
                sums.append(number_text(total))
    grads = [(grad, partial) for _, grad, partial in (state[f"v{a}"] for state in states(page))]
    changes = [g for k, g in enumerate(grads) if k == 0 or g != grads[k - 1]]
    assert changes == [("grad ?", False)] + [(f"grad {s}", k < len(sums) - 1) for k, s in enumerate(sums)]
    assert len(sums) == 3


def explain_text(step: dict) -> str:
    """What #explain shows for a step, as text."""
    return html.unescape(re.sub(r"<[^>]+>", "", step["explain"]))


@needs_dot
@pytest.mark.parametrize("name", ["neuron", "shared_interior", "many_ops", "small_mlp", "used_twice"])
def test_each_backward_step_writes_the_chain_rule_as_local_times_upstream(name):
    # The oracle: explain_backward (the op table's slopes, backward's order). Its v<k> names are
    # positions; the page names those values by their formula where it is short.
    root, _ = GRAPHS[name]()
    page = walkthrough(root)
    order = topological_order(root)
    names = value_names(order)
    for step, explained in zip(backward_steps(page), explain_backward(root), strict=True):
        text = explain_text(step)
        assert "chain rule: local × upstream" in text
        node = order[int(step["current"][1:])]
        assert f"{grad_of(names[node])} = {number_text(explained.upstream)}" in text
        for parent, local, contribution in zip(node.parents, explained.local, explained.contributions):
            line = (f"{grad_of(names[parent])} += {number_text(local)} × {number_text(explained.upstream)} = "
                    f"{number_text(contribution)}")
            assert line in text


@needs_dot
def test_the_tanh_step_works_the_slope_on_the_board_in_the_graphs_names_and_numbers():
    # The lecture's board: o = tanh(n), do/dn = 1 - o**2, at o = 0.7071, times o.grad = 1.
    root, params = GRAPHS["neuron"]()
    tanh_step = backward_steps(walkthrough(root, params=params))[0]
    text = explain_text(tanh_step)
    assert "through o = tanh(n)" in text
    assert "do/dn = 1 - o**2 = 1 - 0.7071**2 = 0.5" in text
    assert "n.grad += 0.5 × 1 = 0.5" in text


@needs_dot
def test_the_lecture_neuron_page_has_ten_steps_and_names_every_box():
    root, params = GRAPHS["neuron"]()
    page = walkthrough(root, params=params)
    assert len(page.data["steps"]) - 1 == 10  # x1*w1, x2*w2, their sum, + b, tanh: forward and back
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", page.html)
    for name in ("x1", "w1", "x2", "w2", "b", "x1*w1", "x2*w2", "x1*w1 + x2*w2", "n", "o"):
        assert name in labels


@needs_dot
def test_a_value_used_twice_shows_its_gradient_adding_up_over_both_uses():
    page = walkthrough(GRAPHS["used_twice"]()[0])
    last = explain_text(page.data["steps"][-1])  # through d = a * b: a's second share arrives
    assert "a.grad += 3 × 1 = 3" in last
    assert "-6 + 3 = -3: both uses in, complete" in last


@needs_dot
def test_unlabelled_values_are_named_by_the_formula_that_made_them():
    x1, w1, x2, w2 = (Value(v, label=n) for v, n in ((2.0, "x1"), (-3.0, "w1"), (0.0, "x2"), (1.0, "w2")))
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()  # notebook 1's neuron: no labels on the values in between
    page = walkthrough(o, params=[w1, w2, b])
    forward = [explain_text(s) for s in forward_steps(page)]
    assert "x1*w1 = x1 * w1" in forward[0] and "= 2 * (-3) = -6" in forward[0]
    assert "x1*w1 + x2*w2 = x1*w1 + x2*w2" in forward[2]
    # x1*w1 + x2*w2 + b has 17 characters, past MAX_NAME: named by its position, and so is its tanh
    assert re.search(r"v\d+ = x1\*w1 \+ x2\*w2 \+ b", forward[3])


@needs_dot
def test_the_current_node_and_its_parents_are_the_ones_to_highlight():
    root, params = GRAPHS["neuron"]()
    page = walkthrough(root, params=params)
    order = topological_order(root)
    for step in page.data["steps"][1:]:
        node = order[int(step["current"][1:])]
        assert step["parents"] == [f"v{order.index(p)}" for p in node.parents]
    assert page.data["steps"][0]["current"] is None


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_svg_has_a_record_per_value_ending_in_its_data_and_grad_fields(rankdir):
    # graph.js finds a box's fields as the last two <text>s of the node's <g>: check that layout holds.
    root, params = GRAPHS["neuron"]()
    page = walkthrough(root, params=params, rankdir=rankdir)
    names = value_names(topological_order(root))
    svg = ET.fromstring(re.search(r"<svg.*</svg>", page.html, flags=re.DOTALL).group(0))
    groups = {g.find(f"{SVG}title").text: g for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    for i, node in enumerate(topological_order(root)):
        texts = [t.text for t in groups[f"v{i}"].iter(f"{SVG}text")]
        assert texts[-2].startswith("data ") and texts[-1].startswith("grad ")
        assert texts[:-2] == [names[node]]  # every box is named, labelled or not
        if node.parents:
            assert f"v{i}_op" in groups


@needs_dot
def test_page_is_self_contained():
    root, params = GRAPHS["neuron"]()
    text = walkthrough(root, params=params).html
    # The SVG's namespace names are identifiers, never fetched; nothing else may point anywhere.
    text = re.sub(r'xmlns(:xlink)?="http://www\.w3\.org/[0-9]+/(svg|xlink)"', "", text)
    for needle in ("http:", "https:", "<link", " src=", "href=", "url(", "@import", "fetch(", "XMLHttpRequest"):
        assert needle not in text, needle
    assert text.count("<script") == 2  # the data and the code, both inline


@needs_dot
def test_a_label_that_looks_like_html_stays_text():
    x = Value(1.0, label="</script><b>x & y</b>")
    page = walkthrough(x.tanh())
    assert page.html.count("</script>") == 2  # the label's own "</script>" is escaped everywhere
    data = json.loads(re.search(r'id="page-data">(.*?)</script>', page.html).group(1))
    assert data == page.data
    assert "&lt;/script&gt;&lt;b&gt;x &amp; y&lt;/b&gt;" in data["steps"][1]["explain"]


@needs_dot
def test_repr_html_is_an_iframe_holding_the_page_and_save_writes_it(tmp_path):
    page = walkthrough(GRAPHS["a_times_a"]()[0])
    frame = page._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" style="[^"]*"></iframe>', frame)
    assert html.unescape(srcdoc.group(1)) == page.html
    path = page.save(tmp_path / "page.html")
    assert path == str(tmp_path / "page.html")
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == page.html


def test_a_root_that_is_not_a_value_is_refused():
    with pytest.raises(TypeError, match=r"walkthrough needs a Value to draw, got float 3.0"):
        walkthrough(3.0)


def test_more_than_max_nodes_values_is_refused_saying_how_to_raise_the_limit():
    x = Value(1.0)
    for _ in range(100):
        x = x + 1.0  # each step adds two values: the constant and the sum
    limit = r"has 201 values, more than max_nodes=200; pass walkthrough\(root, max_nodes=201\)"
    with pytest.raises(ValueError, match=limit):
        walkthrough(x)
    with pytest.raises(ValueError, match=r"has 201 values, more than max_nodes=50"):
        walkthrough(x, max_nodes=50)


@needs_dot
def test_max_nodes_can_be_raised():
    x = Value(1.0)
    for _ in range(100):
        x = x + 1.0
    assert len(walkthrough(x, max_nodes=201).data["steps"]) == 1 + 100 + 100


def test_an_unknown_rankdir_is_refused():
    with pytest.raises(ValueError, match="walkthrough: rankdir must be 'LR', 'TB', 'RL' or 'BT', got 'sideways'"):
        walkthrough(Value(1.0), rankdir="sideways")


def test_without_graphviz_the_error_says_how_to_install_it(monkeypatch):
    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    with pytest.raises(GraphvizNotInstalled, match="apt-get install graphviz"):
        walkthrough(Value(1.0).exp())


@needs_dot
def test_demo_writes_the_page_and_without_a_browser_says_how_to_get_screenshots(tmp_path, monkeypatch, capsys):
    from demos import browser
    from demos import walkthrough as demo

    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    monkeypatch.setattr(browser, "missing", lambda: browser.INSTALL_HINT)
    demo.main([])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walkthrough_neuron.html", "walkthrough_used_twice.html"]
    assert "apt-get install chromium" in capsys.readouterr().out
    assert 'id="page-data"' in (tmp_path / "walkthrough_neuron.html").read_text(encoding="utf-8")
