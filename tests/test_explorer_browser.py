"""The training explorer pages in a real browser: headless Chromium driven by Playwright.

Every test fails on a JavaScript error and on any request that is not file: or data: (the tab
fixture checks both when the test ends); without Playwright, Chromium or Graphviz they are skipped
with the install hint, unless REQUIRE_BROWSER is set (see tests/browser_tabs.py). The numbers the
page shows are compared with the engine's: the point's loss term built and run backward, eagerly,
on the network of the step shown. Pages recorded every 25th step keep the tests quick.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from autograd.draw import number_text
from demos.explorer.page import explorer_page, predicted_class
from demos.explorer.runs import record_two_moons, record_yin_yang
from tests.browser_tabs import REQUIRED, WHY_NOT, Watched, watch
from tests.explorer_cases import engine_boxes, network_outputs

pytestmark = pytest.mark.skipif(WHY_NOT is not None and not REQUIRED, reason=WHY_NOT or "")

RUNS = ["two_moons", "yin_yang"]
MAX_PAGE_BYTES = 4_000_000  # "a few MB": the pages `make demo` writes (every 5th step) must stay below this
# A canvas pixel is the page's colour formula rounded to a byte (Uint8ClampedArray rounds to nearest).
PIXEL_TOLERANCE = 1

# The boxes of the path shown, as the DOM shows them: {kept value: [data, grad]} without the words (box v<p>
# of path P's drawing is the kept value page.graph.paths[P].values[p]), and each box's label.
READ_BOXES = """() => {
  const shown = [...document.querySelectorAll("#graph .path")].filter((box) => !box.hidden);
  const values = page.graph.paths[Number(shown[0].dataset.path)].values;
  const boxes = {};
  for (const group of shown[0].querySelectorAll("g.node")) {
    const name = group.querySelector("title").textContent;
    if (/^v\\d+$/.test(name)) {
      const texts = group.querySelectorAll("text");
      const words = [texts[texts.length - 2].textContent, texts[texts.length - 1].textContent];
      boxes[values[Number(name.slice(1))]] = [words[0].replace(/^data /, ""), words[1].replace(/^grad /, ""),
                                              texts.length === 3 ? texts[0].textContent : ""];
    }
  }
  return {shown: shown.length, boxes: boxes};
}"""


class ExplorerTab(Watched):
    """A watched tab on an explorer page, wide enough for the page's two columns."""

    def __init__(self, browser):
        super().__init__(browser, width=1440, height=860)

    def boxes(self) -> dict[int, tuple[str, str, str]]:
        """The path shown: {kept value: (data, grad, label)}; exactly one path is shown."""
        read = self.tab.evaluate(READ_BOXES)
        assert read["shown"] == 1
        return {int(k): tuple(box) for k, box in read["boxes"].items()}

    def step_text(self) -> str:
        return self.tab.text_content("#step")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explorer")
    built = {}
    for run, record in (("two_moons", record_two_moons), ("yin_yang", record_yin_yang)):
        recording = record(every=25)
        page = explorer_page(recording)
        built[run] = (recording, page, folder / f"{run}.html")
        page.save(built[run][2])
    return built


@pytest.fixture
def tab(browser):
    yield from watch(ExplorerTab(browser))


def assert_shows_engine_numbers(tab: ExplorerTab, run: str, recording, index: int, point: int) -> None:
    """The path's boxes hold what the engine gives for this point's loss term on the network of step `index`."""
    engine = engine_boxes(run, recording.model(index), recording.points[point], recording.targets[point])
    shown = tab.boxes()
    assert shown
    if "ordered" in engine:  # kept whole: kept value k is the k-th value in topological order
        assert {k: (data, grad) for k, (data, grad, _) in shown.items()} == {k: engine["ordered"][k] for k in shown}
    else:  # labelled boxes by their label; the others are among the engine's values
        assert {label: (d, g) for d, g, label in shown.values() if label} == {
            label: box for label, box in engine["named"].items() if label in {b[2] for b in shown.values()}}
        assert not Counter((d, g) for d, g, _ in shown.values()) - Counter(engine["all"])


@pytest.mark.parametrize("run", RUNS)
def test_next_through_every_recorded_step_shows_the_engines_numbers_for_the_chosen_point(run, pages, tab):
    recording, page, path = pages[run]
    tab.open(path)
    point = page.data["start"]
    assert tab.tab.input_value("#point") == str(point)
    last = len(recording.steps) - 1
    for index, k in enumerate(recording.steps):
        if index:
            tab.tab.click("#next")
        assert tab.step_text() == f"step {k} / {recording.steps[-1]}"
        assert_shows_engine_numbers(tab, run, recording, index, point)
    assert tab.tab.is_disabled("#next")
    assert index == last


@pytest.mark.parametrize("run", RUNS)
def test_clicking_a_point_on_the_plot_shows_its_graph_and_selects_it_in_the_list(run, pages, tab):
    recording, _, path = pages[run]
    tab.open(path)
    tab.tab.keyboard.press("ArrowRight")  # step 25
    for point in (17, 62, 88):
        marker = tab.tab.locator(f'#points .point[data-index="{point}"]').bounding_box()
        # At the marker's centre, where the page picks the nearest point (another marker may lie on top).
        tab.tab.mouse.click(marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] / 2)
        assert tab.tab.input_value("#point") == str(point)
        assert_shows_engine_numbers(tab, run, recording, 1, point)
        ring = tab.tab.evaluate("[Number(document.getElementById('chosen-ring').getAttribute('cx')),"
                                " Number(document.getElementById('chosen-ring').getAttribute('cy'))]")
        plot = tab.tab.locator("#plot").bounding_box()
        scale = plot["width"] / float(tab.tab.get_attribute("#plot", "width"))
        centre = ((marker["x"] + marker["width"] / 2 - plot["x"]) / scale,
                  (marker["y"] + marker["height"] / 2 - plot["y"]) / scale)
        assert np.allclose(ring, centre, atol=1.0)  # SVG units; the ring sits on the point clicked


@pytest.mark.parametrize("run", RUNS)
def test_choosing_a_point_from_the_list_shows_its_graph_and_what_the_network_predicts(run, pages, tab):
    recording, _, path = pages[run]
    tab.open(path)
    tab.tab.keyboard.press("End")
    index, point = len(recording.steps) - 1, 42
    tab.tab.select_option("#point", str(point))
    assert_shows_engine_numbers(tab, run, recording, index, point)
    model = recording.model(index)
    outputs = network_outputs(model, recording.points[point])
    predicted = predicted_class(outputs)
    info = tab.tab.inner_text("#point-info")
    assert f"predicted {recording.class_names[predicted]}" in info
    assert ("right" if predicted == recording.classes[point] else "wrong") in info
    out = model(list(recording.points[point]))
    term = recording.loss_term(out if isinstance(out, list) else [out], recording.targets[point])
    assert f"loss term {number_text(term.data)}" in info


@pytest.mark.parametrize("run", RUNS)
def test_misclassified_markers_status_and_loss_curve_follow_the_step(run, pages, tab):
    recording, _, path = pages[run]
    tab.open(path)
    for index, k in enumerate(recording.steps):
        if index:
            tab.tab.keyboard.press("ArrowRight")
        model = recording.model(index)
        wrong = {i for i, (x, c) in enumerate(zip(recording.points, recording.classes))
                 if predicted_class(network_outputs(model, x)) != c}
        shown_wrong = tab.tab.evaluate("[...document.querySelectorAll('#points .point.wrong')]"
                                       ".map((m) => Number(m.dataset.index))")
        assert set(shown_wrong) == wrong
        assert f"training loss {recording.losses[k]:.4g}" in tab.tab.inner_text("#status")
        points = tab.tab.get_attribute("#loss-so-far", "points").split()
        assert len(points) == k + 1  # the curve so far: one point per training step up to this one


@pytest.mark.parametrize("run", RUNS)
def test_the_boundary_canvas_is_painted_from_the_recorded_cells(run, pages, tab):
    recording, page, path = pages[run]
    field = page.data["field"]
    tab.open(path)
    rng = np.random.default_rng(1)
    for index in (0, len(recording.steps) - 1):
        tab.tab.keyboard.press("Home" if index == 0 else "End")
        cells = np.frombuffer(base64.b64decode(field["steps"][index]["cells"]), dtype=np.uint8).reshape(-1, 2)
        pixels = np.array(tab.tab.evaluate(
            "() => Array.from(document.getElementById('field').getContext('2d')"
            ".getImageData(0, 0, page.field.columns, page.field.rows).data)")).reshape(-1, 4)
        for k in rng.choice(len(cells), size=50, replace=False):
            colour = np.array(page.data["colours"][cells[k, 0]], dtype=float)
            strength = 0.12 + 0.5 * cells[k, 1] / 255  # explorer.js: a tint even at the boundary, then stronger
            expected = 255 + (colour - 255) * strength
            assert np.all(np.abs(pixels[k, :3] - expected) <= 0.5 + PIXEL_TOLERANCE)
            assert pixels[k, 3] == 255


def test_play_moves_through_the_steps_and_pause_stops_it(pages, tab):
    _, _, path = pages["yin_yang"]
    tab.open(path)
    tab.tab.click("#play")
    assert tab.tab.text_content("#play") == "⏸ Pause"
    tab.tab.wait_for_function("document.getElementById('step').textContent.startsWith('step 25 ')")
    tab.tab.click("#play")
    assert tab.tab.text_content("#play") == "▶ Play"
    paused_at = tab.step_text()
    tab.tab.wait_for_timeout(1000)  # longer than one step of the player (0.7 s): a running player would move
    assert tab.step_text() == paused_at


def test_arrow_keys_step_but_leave_the_point_list_alone_when_it_has_focus(pages, tab):
    _, _, path = pages["two_moons"]
    tab.open(path)
    tab.tab.keyboard.press("ArrowRight")
    assert tab.step_text() == "step 25 / 100"
    tab.tab.focus("#point")
    tab.tab.keyboard.press("ArrowRight")
    assert tab.step_text() == "step 25 / 100"


SHOWN_SVG = "#graph .path:not([hidden]) svg"


def test_zoom_buttons_scale_the_graph_and_fit_shows_it_whole(pages, tab):
    _, _, path = pages["yin_yang"]
    tab.open(path)
    width = tab.tab.locator(SHOWN_SVG).bounding_box()["width"]
    tab.tab.click("#zoom-in")
    assert tab.tab.locator(SHOWN_SVG).bounding_box()["width"] > width
    tab.tab.click("#zoom-fit")
    svg, pane = tab.tab.locator(SHOWN_SVG).bounding_box(), tab.tab.locator("#graph").bounding_box()
    assert svg["width"] <= pane["width"] and svg["height"] <= pane["height"]


@pytest.mark.parametrize("run", RUNS)
def test_choosing_a_path_shows_its_drawing_with_the_engines_numbers(run, pages, tab):
    recording, page, path = pages[run]
    tab.open(path)
    tab.tab.keyboard.press("End")
    point = page.data["start"]
    paths = page.data["graph"]["paths"]
    for target in (0, len(paths) // 2, len(paths) - 1):
        for n, j in enumerate(paths[target]["key"]):
            tab.tab.select_option(f"#choice-{n}", str(j))
        shown = tab.boxes()
        assert sorted(shown) == sorted(paths[target]["values"])  # this path's drawing, and only it
        assert_shows_engine_numbers(tab, run, recording, len(recording.steps) - 1, point)


# The windows a page must read well in as it opens: a laptop's and a desktop's.
WINDOWS = [(1280, 720), (1600, 900)]
# Readable: the graph's text drawn at a font size of at least 13 CSS px (capital letters about 9.5 px
# tall, a line of text about 15 px). The explorers used to open at 55%: 8.1 px, capitals of about 6 px.
# Graphviz writes 11 pt, 14.7 px at zoom 1.
READABLE_PX = 13
# The shown path's text sizes, and where its boxes and the pane are.
MEASURE = """() => {
  const svg = document.querySelector("#graph .path:not([hidden]) svg");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;  // CSS px per SVG unit
  const pane = document.getElementById("graph").getBoundingClientRect();
  const nodes = [...svg.querySelectorAll("g.node")].map((g) => g.getBoundingClientRect());
  const texts = [...svg.querySelectorAll("g.node text")];
  return {smallest: Math.min(...texts.map((t) => Number(t.getAttribute("font-size")) * scale)),
          pane: [pane.left, pane.top, pane.right, pane.bottom],
          boxes: nodes.map((b) => [b.left, b.top, b.right, b.bottom]),
          pageWidth: document.documentElement.scrollWidth, pageHeight: document.documentElement.scrollHeight};
}"""


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}x{w[1]}")
@pytest.mark.parametrize("run", RUNS)
def test_as_the_page_opens_the_graph_is_readable_and_whole_in_its_pane(run, window, pages, browser):
    _, page, path = pages[run]
    watched = Watched(browser, *window)
    try:
        watched.open(path)
        shown = watched.tab.evaluate(MEASURE)
        assert shown["smallest"] >= READABLE_PX, shown["smallest"]
        left, top, right, bottom = shown["pane"]
        for box in shown["boxes"]:  # every box and op of the path inside the pane: none cut, on the left or elsewhere
            assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, (box, shown["pane"])
        assert shown["pageWidth"] <= window[0] and shown["pageHeight"] <= window[1]  # the page itself does not scroll
        start = page.data["graph"]["paths"][page.data["graph"]["startPath"]]
        assert watched.tab.evaluate("[...document.querySelectorAll('.choice')].map((c) => Number(c.value))") == \
            start["key"]  # the lists name the path drawn
        assert sorted(int(k) for k in ExplorerTab.boxes(watched)) == sorted(start["values"])
    finally:
        problems = watched.problems()
        watched.tab.close()
    assert not problems, problems


def test_the_notebook_iframe_runs_the_explorer_page(pages, tab, tmp_path):
    _, page, _ = pages["two_moons"]
    (tmp_path / "notebook.html").write_text(f"<!DOCTYPE html><p>a cell's output:</p>{page._repr_html_()}")
    tab.open(tmp_path / "notebook.html")
    frame = tab.tab.frame_locator("iframe")
    frame.locator("#next").click()
    assert frame.locator("#step").text_content() == "step 25 / 100"


def test_demo_saves_both_pages_under_the_size_budget_and_their_screenshots(tmp_path):
    # In its own process, as `make demo` runs it (Playwright allows one running instance per thread).
    env = {**os.environ, "DEMO_OUT": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "demos", "training_explorer"], env=env, check=True, capture_output=True)
    for run in RUNS:
        html = tmp_path / f"{run}_training.html"
        assert html.stat().st_size < MAX_PAGE_BYTES
        for png in (f"{run}_training.png", f"{run}_training_end.png"):
            assert (tmp_path / png).read_bytes().startswith(b"\x89PNG")
