"""The walkthrough page in a real browser: headless Chromium driven by Playwright.

Every test fails on a JavaScript error and on any request that is not file: or data: (the tab
fixture checks both when the test ends). Without Playwright or Chromium these tests are skipped
with the install hint, unless REQUIRE_BROWSER is set (`.ci/run` sets it, after installing
Chromium): then they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import Value, explain_backward, topological_order, walkthrough
from autograd.draw import number_text
from autograd.pages.board import grad_of, value_names
from tests.browser_tabs import REQUIRED, WHY_NOT, Watched, watch
from tests.walkthrough_cases import GRAPHS, draw_dot_texts, states

pytestmark = pytest.mark.skipif(WHY_NOT is not None and not REQUIRED, reason=WHY_NOT or "")

# What the DOM shows: for each value's box, its data text, grad text, and whether grad is marked partial.
READ_BOXES = """() => {
  const boxes = {};
  for (const group of document.querySelectorAll("#graph g.node")) {
    const name = group.querySelector("title").textContent;
    const texts = group.querySelectorAll("text");
    if (!name.endsWith("_op")) {
      const grad = texts[texts.length - 1];
      boxes[name] = [texts[texts.length - 2].textContent, grad.textContent, grad.classList.contains("partial")];
    }
  }
  return boxes;
}"""
# Which nodes carry the classes "current" and "parent", and which edges are "active".
READ_HIGHLIGHTS = """() => ({
  current: [...document.querySelectorAll("g.node.current title")].map((t) => t.textContent),
  parent: [...document.querySelectorAll("g.node.parent title")].map((t) => t.textContent),
  edges: [...document.querySelectorAll("g.edge.active title")].map((t) => t.textContent),
})"""


class WalkthroughTab(Watched):
    """A watched tab that opens walkthrough pages and reads their boxes."""

    def show(self, page, tmp_path: Path) -> None:
        """Save a walkthrough page and open it from the file system."""
        self.open(Path(page.save(tmp_path / "page.html")))

    def boxes(self, frame=None) -> dict:
        return {name: tuple(box) for name, box in (frame or self.tab).evaluate(READ_BOXES).items()}


@pytest.fixture
def tab(browser):
    yield from watch(WalkthroughTab(browser))


@pytest.mark.parametrize("name", list(GRAPHS))
def test_clicking_next_through_every_step_shows_each_state_and_ends_with_draw_dots_texts(name, tab, tmp_path):
    root, params = GRAPHS[name]()
    page = walkthrough(root, params=params)
    expected = states(page)
    last = len(expected) - 1
    tab.show(page, tmp_path)
    assert tab.tab.text_content("#step") == f"0 / {last}"
    assert tab.boxes() == expected[0]
    for k in range(1, last + 1):
        tab.tab.click("#next")
        assert tab.tab.text_content("#step") == f"{k} / {last}"
        assert tab.boxes() == expected[k]
    assert tab.tab.is_disabled("#next")
    shown = tab.boxes()
    root.backward()
    assert {node: (data, grad) for node, (data, grad, _) in shown.items()} == draw_dot_texts(root)


@pytest.mark.parametrize("name", ["neuron", "shared_interior", "many_ops"])
def test_explain_shows_the_chain_rule_line_of_each_backward_step(name, tab, tmp_path):
    root, params = GRAPHS[name]()
    page = walkthrough(root, params=params)
    tab.show(page, tmp_path)
    order = topological_order(root)
    names = value_names(order)
    forward = sum(1 for s in page.data["steps"] if s["phase"] == "forward")
    for _ in range(forward):
        tab.tab.keyboard.press("ArrowRight")
    for step, data in zip(explain_backward(root), page.data["steps"][forward + 1:], strict=True):
        tab.tab.keyboard.press("ArrowRight")
        text = tab.tab.inner_text("#explain")
        assert "chain rule: local × upstream" in text
        node = order[int(data["current"][1:])]
        for parent, local, contribution in zip(node.parents, step.local, step.contributions):
            line = f"{grad_of(names[parent])} += {number_text(local)} × {number_text(step.upstream)} = "
            assert line + number_text(contribution) in text


def test_the_tanh_step_shows_the_slope_worked_as_on_the_board(tab, tmp_path):
    root, params = GRAPHS["neuron"]()
    tab.show(walkthrough(root, params=params), tmp_path)
    for _ in range(6):  # 5 forward steps, then the first backward step: through o = tanh(n)
        tab.tab.keyboard.press("ArrowRight")
    text = tab.tab.inner_text("#explain")
    assert "through o = tanh(n)" in text
    assert "do/dn = 1 - o**2 = 1 - 0.7071**2 = 0.5" in text
    assert "n.grad += 0.5 × 1 = 0.5" in text
    # n's gradient shows in its box at this very step, complete (the lecture's n.grad = 0.5)
    n = next(f"v{i}" for i, node in enumerate(topological_order(root)) if node.label == "n")
    assert tab.boxes()[n] == ("data 0.8814", "grad 0.5", False)


# The pages `make demo` writes, and the windows they must fit: a laptop's and a desktop's.
SHIPPED = {"neuron": lambda: GRAPHS["neuron"](), "used_twice": lambda: GRAPHS["used_twice"]()}
WINDOWS = [(1280, 720), (1600, 900)]
# Readable: the graph's text drawn at a font size of at least 13 CSS px (capital letters about 9.5 px
# tall, a line of text about 15 px). The explorers used to open at 55%: 8.1 px, capitals of about 6 px.
# Graphviz writes 11 pt, 14.7 px at zoom 1.
READABLE_PX = 13
# Where the graph sits, the size of each box's text, and whether anything spills out of the window.
MEASURE = """() => {
  const svg = document.querySelector("#graph svg");
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;  // CSS px per SVG unit
  const sizes = [...svg.querySelectorAll("g.node text")].map((t) => Number(t.getAttribute("font-size")) * scale);
  return {top: box.top, left: box.left, right: box.right, bottom: box.bottom, smallest: Math.min(...sizes),
          pageWidth: document.documentElement.scrollWidth, pageHeight: document.documentElement.scrollHeight,
          legendBottom: document.querySelector(".legend").getBoundingClientRect().bottom};
}"""


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}x{w[1]}")
@pytest.mark.parametrize("name", list(SHIPPED))
def test_a_shipped_page_fits_the_window_with_readable_text_and_the_graph_never_moves(name, window, browser, tmp_path):
    root, params = SHIPPED[name]()
    page = walkthrough(root, params=params)
    watched = Watched(browser, *window)
    try:
        watched.open(Path(page.save(tmp_path / "page.html")))
        width, height = window
        places = []
        for k in range(len(page.data["steps"])):
            if k:
                watched.tab.keyboard.press("ArrowRight")
            shown = watched.tab.evaluate(MEASURE)
            assert shown["pageWidth"] <= width and shown["pageHeight"] <= height, (k, shown)  # nothing to scroll
            assert 0 <= shown["left"] and shown["right"] <= width and shown["bottom"] <= height, (k, shown)
            assert shown["legendBottom"] <= height, (k, shown)
            assert shown["smallest"] >= READABLE_PX, (k, shown)
            places.append((shown["top"], shown["left"], shown["right"], shown["bottom"]))
        assert len(set(places)) == 1, places  # the graph stays put as the explanation changes
    finally:
        problems = watched.problems()
        watched.tab.close()
    assert not problems, problems


@pytest.mark.parametrize("name", ["neuron", "a_times_a", "shared_interior"])
def test_the_current_node_its_op_and_its_parents_are_highlighted(name, tab, tmp_path):
    root, params = GRAPHS[name]()
    page = walkthrough(root, params=params)
    tab.show(page, tmp_path)
    assert tab.tab.evaluate(READ_HIGHLIGHTS) == {"current": [], "parent": [], "edges": []}
    for step in page.data["steps"][1:]:
        tab.tab.click("#next")
        shown = tab.tab.evaluate(READ_HIGHLIGHTS)
        current, parents = step["current"], step["parents"]
        assert sorted(shown["current"]) == sorted([current, f"{current}_op"])
        assert sorted(shown["parent"]) == sorted(set(parents))
        # the edges into the op (one per operand: a * a has two) and the one out of it
        assert sorted(shown["edges"]) == sorted([f"{p}->{current}_op" for p in parents] + [f"{current}_op->{current}"])


def test_arrow_keys_prev_home_end_and_the_slider_move_between_steps(tab, tmp_path):
    root, params = GRAPHS["neuron"]()
    page = walkthrough(root, params=params)
    expected = states(page)
    last = len(expected) - 1
    tab.show(page, tmp_path)
    assert tab.tab.is_disabled("#prev")
    for _ in range(3):
        tab.tab.keyboard.press("ArrowRight")
    tab.tab.keyboard.press("ArrowLeft")
    assert tab.tab.text_content("#step") == f"2 / {last}" and tab.boxes() == expected[2]
    tab.tab.keyboard.press("End")
    assert tab.tab.text_content("#step") == f"{last} / {last}" and tab.boxes() == expected[last]
    tab.tab.click("#prev")
    assert tab.tab.text_content("#step") == f"{last - 1} / {last}" and tab.boxes() == expected[last - 1]
    tab.tab.keyboard.press("Home")
    assert tab.tab.text_content("#step") == f"0 / {last}" and tab.boxes() == expected[0]
    tab.tab.fill("#slider", "4")
    assert tab.tab.text_content("#step") == f"4 / {last}" and tab.boxes() == expected[4]


def test_play_steps_on_by_itself_and_pause_stops_it(tab, tmp_path):
    page = walkthrough(GRAPHS["neuron"]()[0])
    tab.show(page, tmp_path)
    tab.tab.click("#play")
    assert tab.tab.text_content("#play") == "⏸ Pause"
    tab.tab.wait_for_function("document.getElementById('step').textContent.startsWith('1 /')")
    tab.tab.click("#play")
    assert tab.tab.text_content("#play") == "▶ Play"
    paused_at = tab.tab.text_content("#step")
    tab.tab.wait_for_timeout(1500)  # longer than one step of the player (1.2 s): a running player would move
    assert tab.tab.text_content("#step") == paused_at


def test_the_notebook_iframe_runs_the_same_page(tab, tmp_path):
    root, params = GRAPHS["neuron"]()
    page = walkthrough(root, params=params)
    expected = states(page)
    (tmp_path / "notebook.html").write_text(f"<!DOCTYPE html><p>a cell's output:</p>{page._repr_html_()}")
    tab.open(tmp_path / "notebook.html")
    frame = tab.tab.frame_locator("iframe")
    inner = tab.tab.frames[1]
    for k in range(1, len(expected)):
        frame.locator("#next").click()
        assert tab.boxes(inner) == expected[k]
    root.backward()
    assert {node: (data, grad) for node, (data, grad, _) in tab.boxes(inner).items()} == draw_dot_texts(root)


def test_a_label_that_looks_like_html_shows_as_text(tab, tmp_path):
    label = "</script><b>x & y</b>"
    x = Value(0.5, label=label)
    tab.show(walkthrough(x.tanh()), tmp_path)
    tab.tab.click("#next")
    assert label in tab.tab.inner_text("#explain")
    assert tab.tab.locator("#explain b", has_text="x & y").count() == 0
    assert tab.tab.evaluate("document.querySelector('#graph g.node text').textContent") == label


def test_demo_saves_both_pages_and_three_screenshots(tmp_path):
    # In its own process, as `make demo` runs it (Playwright allows one running instance per thread).
    env = {**os.environ, "DEMO_OUT": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "demos", "walkthrough"], env=env, check=True, capture_output=True)
    pages = ["walkthrough_neuron.html", "walkthrough_used_twice.html"]
    pngs = ["walkthrough_neuron.png", "walkthrough_neuron_end.png", "walkthrough_used_twice.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(pages + pngs)
    for png in pngs:
        assert (tmp_path / png).read_bytes().startswith(b"\x89PNG")


def test_the_watch_catches_a_script_error_and_a_request_to_the_network(browser, tmp_path):
    # The checker itself: a page that breaks both rules must be caught.
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><img src="https://example.invalid/x.png"><script>undefinedFunction()</script>')
    watched = Watched(browser)
    watched.tab.goto(bad.resolve().as_uri())
    watched.tab.wait_for_load_state("load")
    problems = watched.problems()
    watched.tab.close()
    assert any("undefinedFunction" in p for p in problems)
    assert "requested https://example.invalid/x.png" in problems
