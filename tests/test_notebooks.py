"""The notebooks in demos/notebooks/ run top to bottom, show their pictures inline, and are stored current.

Each notebook runs once, in a fresh Jupyter kernel (nbclient). Its stored outputs, which GitHub
shows, must be what that run prints: tests/notebook_outputs.py says what "the same" means when
outputs hold timings and pictures. `make notebooks` stores fresh outputs after a change.

Cells tagged "torch" need PyTorch (optional). Their stored outputs are a run with PyTorch, checked
where it is installed (skipped with the install hint where not, failed in CI). Without PyTorch they
must say how to install it, and the rest of the notebook must print what is stored: that is checked
everywhere, hiding PyTorch from a second run where it is installed.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import shutil

import pytest

from tests import notebook_outputs as outputs
from tests.optional import import_torch

MISSING = [name for name in ("nbclient", "nbformat", "ipykernel") if importlib.util.find_spec(name) is None]
# The graphs are drawn by Graphviz's dot; the compiled loop of notebooks 2, 3 and 4 needs Numba.
NEEDS = {
    "1_backprop_with_value.ipynb": ["dot"],
    "2_train_a_classifier.ipynb": ["numba"],
    "3_what_compiled_means.ipynb": ["numba"],
    "4_handwritten_digits.ipynb": ["numba"],
}
INSTALL = {"dot": "Graphviz's dot (apt-get install graphviz)", "numba": "Numba (pip install 'scalar-autograd[fast]')"}
# What each notebook must show inline (outputs of each kind, at least): the graphs drawn by
# draw_dot (SVG), the walkthrough page (HTML), the matplotlib plots (PNG).
PICTURES = {
    "1_backprop_with_value.ipynb": {"image/svg+xml": 3, "text/html": 1},
    "2_train_a_classifier.ipynb": {"image/png": 2},  # loss and accuracy; the boundary (demos.two_moons.plot)
    "3_what_compiled_means.ipynb": {},
    "4_handwritten_digits.ipynb": {"image/png": 2},
}


def missing_for(name: str) -> list[str]:
    found = {"dot": shutil.which("dot") is not None, "numba": importlib.util.find_spec("numba") is not None}
    return [INSTALL[need] for need in NEEDS[name] if not found[need]]


def test_every_notebook_is_listed_with_what_it_needs_and_shows():
    assert sorted(path.name for path in outputs.NOTEBOOKS) == sorted(NEEDS) == sorted(PICTURES)


def needs_torch_somewhere(name: str) -> bool:
    """Whether the notebook has cells tagged "torch" (read as JSON: nbformat may not be installed)."""
    cells = json.loads((outputs.FOLDER / name).read_text())["cells"]
    return any(outputs.needs_torch(cell.get("metadata", {}).get("tags", [])) for cell in cells)


WITH_TORCH_CELLS = [path.name for path in outputs.NOTEBOOKS if needs_torch_somewhere(path.name)]


@functools.cache
def executed(name: str, hide: tuple[str, ...] = ()):
    """The notebook run now (once per session for each `hide`); a cell that fails fails the test asking for it."""
    return outputs.execute(outputs.FOLDER / name, hide=hide)


def stored_and_runnable(name: str):
    """The stored notebook, or a skip saying what running it needs."""
    if MISSING:
        pytest.skip(f"running notebooks needs {', '.join(MISSING)}: pip install 'scalar-autograd[test]'")
    absent = missing_for(name)
    if absent:
        pytest.skip(f"{name} needs {' and '.join(absent)}")
    import nbformat

    return nbformat.read(outputs.FOLDER / name, as_version=4)


@pytest.fixture(scope="module", params=[path.name for path in outputs.NOTEBOOKS])
def run(request):
    """(name, stored notebook, the same notebook run now, with whatever is installed)."""
    stored = stored_and_runnable(request.param)
    return request.param, stored, executed(request.param)


@pytest.fixture(scope="module", params=WITH_TORCH_CELLS)
def run_with_torch(request):
    """The same for a notebook with cells tagged "torch": skipped without PyTorch (failed in CI)."""
    stored = stored_and_runnable(request.param)
    import_torch()
    return request.param, stored, executed(request.param)


@pytest.fixture(scope="module", params=WITH_TORCH_CELLS)
def run_without_torch(request):
    """The same run as on a machine without PyTorch: where it is installed, hidden from the kernel."""
    stored = stored_and_runnable(request.param)
    return request.param, stored, executed(request.param, ("torch",) if outputs.torch_installed() else ())


def shown(notebook) -> dict[str, int]:
    """How many outputs of each picture type the notebook shows."""
    counts: dict[str, int] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for mime in output.get("data", {}):
                counts[mime] = counts.get(mime, 0) + 1
    return counts


def test_notebook_runs_top_to_bottom_and_shows_its_pictures_inline(run):
    name, _, fresh = run
    code = [cell for cell in fresh.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    counts = shown(fresh)
    for mime, least in PICTURES[name].items():
        assert counts.get(mime, 0) >= least, f"{name} shows {counts.get(mime, 0)} {mime} outputs, expected {least}"


def test_stored_outputs_are_what_the_notebook_prints_now(run):
    name, stored, fresh = run
    found = outputs.differences(stored, fresh, outputs.without_torch)
    assert not found, f"{name}: stored outputs are stale; run `make notebooks` to store fresh ones:\n" + "\n".join(
        found)


def test_stored_outputs_of_the_cells_that_need_pytorch_are_what_they_print_now(run_with_torch):
    name, stored, fresh = run_with_torch
    found = outputs.differences(stored, fresh, outputs.needs_torch)
    assert not found, f"{name}: stored outputs are stale; run `make notebooks` to store fresh ones:\n" + "\n".join(
        found)


def test_without_pytorch_its_cells_say_how_to_install_it_and_the_rest_prints_what_is_stored(run_without_torch):
    name, stored, fresh = run_without_torch
    assert not [o for cell in fresh.cells for o in cell.get("outputs", []) if o.output_type == "error"]
    needing = [cell for cell in fresh.cells if cell.cell_type == "code" and outputs.needs_torch(outputs.tags(cell))]
    for cell in needing:
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "pip install 'scalar-autograd[torch]'" in printed, f"{name}: a cell needing PyTorch says\n{printed}"
        assert "This cell then" in printed, f"{name}: the cell does not say what it would show:\n{printed}"
    found = outputs.differences(stored, fresh, outputs.without_torch)
    assert not found, f"{name}: without PyTorch the other cells print something else:\n" + "\n".join(found)


# The checker itself, on a made-up notebook: it must see what matters and only that.

LOSSES = "step   0  loss 0.895844\nstep  99  loss 0.010978\n"
GRAPH = '<svg width="10pt"><g><title>v0</title><text x="{x}" y="5">data 2.0000</text></g></svg>'


def made_up(timing_text: str = "34.7 ms per step\n", losses: str = LOSSES, x: str = "1.5", tags=("timing",)):
    nbformat = pytest.importorskip("nbformat", reason="pip install 'scalar-autograd[test]'")
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    timed = new_code_cell("train()", execution_count=1, outputs=[new_output("stream", name="stdout", text=timing_text)])
    timed.metadata["tags"] = list(tags)
    drawn = new_code_cell("draw_dot(L)", execution_count=2, outputs=[
        new_output("display_data", data={"image/svg+xml": GRAPH.format(x=x), "text/plain": "<Digraph at 0x7f12>"})])
    printed = new_code_cell("print(losses)", execution_count=3, outputs=[
        new_output("stream", name="stdout", text=line) for line in losses.splitlines(keepends=True)])
    notebook = new_notebook(cells=[timed, drawn, printed])
    nbformat.validate(notebook)
    return notebook


def test_checker_ignores_what_a_rerun_changes_by_itself():
    base = made_up()
    # New timings in a timing cell, Graphviz moving a node, another object address, prints cut differently.
    rerun = made_up(timing_text="3.05 ms per step\n", x="7.25")
    rerun.cells[1].outputs[0].data["text/plain"] = "<Digraph at 0x55aa>"
    rerun.cells[2].outputs = [copy.deepcopy(rerun.cells[2].outputs[0])]
    rerun.cells[2].outputs[0].text = LOSSES
    assert outputs.differences(base, rerun) == []


def test_checker_flags_a_changed_loss_a_changed_label_and_a_timing_outside_a_timing_cell():
    base = made_up()
    assert outputs.differences(base, made_up(losses=LOSSES.replace("0.010978", "0.010979")))
    changed_label = made_up()
    changed_label.cells[1].outputs[0].data["image/svg+xml"] = GRAPH.format(x="1.5").replace("2.0000", "2.5000")
    assert outputs.differences(base, changed_label)
    untagged = made_up(tags=())
    assert outputs.differences(untagged, made_up(timing_text="3.05 ms per step\n", tags=()))
    # In a timing cell only the number before the unit is masked: the words still count.
    assert outputs.differences(base, made_up(timing_text="34.7 ms per epoch\n"))


def test_checker_flags_a_cell_run_out_of_order_or_a_missing_output():
    base = made_up()
    reordered = made_up()
    reordered.cells[2].execution_count = 7
    assert outputs.differences(base, reordered)
    stripped = made_up()
    stripped.cells[1].outputs = []
    assert outputs.differences(base, stripped)


def test_checker_compares_the_cells_that_need_pytorch_only_when_asked_and_keeps_them_without_it():
    stored = made_up(timing_text="Sequential(Linear(2, 16), ReLU())\n", tags=("torch",))
    without = made_up(timing_text="PyTorch is not installed: pip install 'scalar-autograd[torch]'\n", tags=("torch",))
    assert outputs.differences(stored, without, outputs.without_torch) == []
    assert outputs.differences(stored, without, outputs.needs_torch)
    assert outputs.differences(stored, without)
    # `make notebooks` without PyTorch keeps what a run with it stored.
    assert outputs.keep_stored_torch_outputs(stored, without)
    assert outputs.differences(stored, without) == []
