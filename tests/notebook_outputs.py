"""Run the notebooks in demos/notebooks/ top to bottom, and tell whether their stored outputs are current.

The notebooks are committed with their outputs, so that GitHub shows the graphs and plots. The
outputs are *current* when running the notebook now prints the same thing, with two exceptions
that do not come from this project's code:

- timings: in a cell tagged "timing", a number followed by a unit (ms, s, x for a speed-up) is
  masked; every other character, every other number (losses, gradients), still has to match;
- pictures: Graphviz lays out the SVG graphs and matplotlib draws the PNG plots, and both
  change with their versions and fonts. Of an SVG the texts are compared (the labels, data and
  gradients this project wrote into it); of a PNG only that it is there. The numbers a plot shows
  are printed by the notebook as text, and compared there;
- memory addresses in default reprs (`<graphviz.graphs.Digraph at 0x7f...>`, the plain-text
  stand-in of a picture) are masked.

Cells tagged "torch" need PyTorch, an optional extra. The stored outputs are those of a run with
it; without it those cells print how to install it, and only the other cells can be compared
(tests/test_notebooks.py checks both cases, hiding PyTorch where it is installed).

`python -m tests.notebook_outputs` (`make notebooks`) runs every notebook and stores its outputs where
they are stale; `--check` only says which are. tests/test_notebooks.py runs the same comparison.
"""

from __future__ import annotations

import argparse
import copy
import html
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "demos" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds for one cell: generous, since a first Tape run compiles its loops (docs/speed.md)

# A number followed by a unit of time or a speed-up factor: "34.7 ms", "0.03 s", "99x".
TIMING = re.compile(r"\d[\d,]*(?:\.\d+)?(?=\s*(?:ms|µs|ns|s|x)\b)")
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
SVG_TEXT = re.compile(r"<(text|title)\b[^>]*>(.*?)</\1>", re.DOTALL)
SRCDOC = re.compile(r'srcdoc="([^"]*)"')
TORCH = "torch"  # the tag of cells that need PyTorch


def torch_installed() -> bool:
    return importlib.util.find_spec("torch") is not None


def tags(cell: Any) -> list[str]:
    return cell.metadata.get("tags", [])


def execute(path: Path, hide: Sequence[str] = ()) -> Any:
    """The notebook at `path`, run top to bottom in a fresh kernel, in its own folder, with this checkout importable.

    `hide` names installed packages the kernel must not find (`import torch` raises ImportError), to
    run the notebook as on a machine without them. Raises nbclient's CellExecutionError on the first
    cell that fails.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with tempfile.TemporaryDirectory() as hiding:
        for name in hide:  # a package of that name, found first, whose import fails
            (Path(hiding) / name).mkdir()
            (Path(hiding) / name / "__init__.py").write_text(f"raise ImportError('{name} is hidden for this run')\n")
        # The kernel runs in the notebook's folder, as in Jupyter; PYTHONPATH makes it import this
        # checkout's autograd, nn and demos even where another copy is installed.
        paths = [*([hiding] if hide else []), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        client.execute(env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
    return notebook


def svg_texts(svg: str) -> str:
    """The texts of an SVG (node names and labels, in order): what this project wrote, not where Graphviz put it."""
    return "<svg: " + " | ".join(html.unescape(text).strip() for _, text in SVG_TEXT.findall(svg)) + ">"


def comparable_html(text: str) -> str:
    """An HTML output with every SVG in it reduced to its texts (also inside a walkthrough's iframe)."""
    frame = SRCDOC.search(text)
    if frame:
        page = SVG.sub(lambda m: svg_texts(m.group(0)), html.unescape(frame.group(1)))
        text = text[: frame.start()] + f"srcdoc=[{page}]" + text[frame.end():]
    return SVG.sub(lambda m: svg_texts(m.group(0)), text)


def comparable_output(output: Any, timing: bool) -> dict:
    """One output, reduced to what the notebook's code decides (see the module's docstring)."""

    def text(value: Any) -> str:
        joined = ADDRESS.sub(" at 0x#>", "".join(value) if isinstance(value, list) else str(value))
        return TIMING.sub("#", joined) if timing else joined

    kind = output["output_type"]
    if kind == "stream":
        return {"stream": output["name"], "text": text(output["text"])}
    if kind == "error":
        return {"error": output["ename"], "value": output["evalue"]}
    shown = {"output_type": kind}
    for mime, value in sorted(output.get("data", {}).items()):
        if mime == "image/png":
            shown[mime] = "a PNG"
        elif mime == "image/svg+xml":
            shown[mime] = svg_texts(text(value))
        elif mime == "text/html":
            shown[mime] = comparable_html(text(value))
        else:
            shown[mime] = text(value)
    return shown


def comparable(notebook: Any, keep: Callable[[list[str]], bool] = lambda tags: True) -> list[dict]:
    """Each code cell whose tags `keep` accepts: its number, execution count and outputs, comparable between runs."""
    cells = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not keep(tags(cell)):
            continue
        timing = "timing" in tags(cell)
        cells.append({"cell": number, "execution_count": cell.get("execution_count"),
                      "outputs": [comparable_output(o, timing) for o in merged_streams(cell.outputs)]})
    return cells


def merged_streams(outputs: list) -> list:
    """The outputs with each run of prints to one stream joined into one output, as Jupyter shows them.

    How a cell's prints are cut into messages depends on timing (the kernel sends what it has
    every fraction of a second), so a slower run stores more, shorter stream outputs.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if output["output_type"] == "stream" and previous and previous["output_type"] == "stream" \
                and previous["name"] == output["name"]:
            text = "".join(output["text"]) if isinstance(output["text"], list) else output["text"]
            merged[-1] = {**previous, "text": previous["text"] + text}
        else:
            merged.append(output)
    return merged


def without_torch(cell_tags: list[str]) -> bool:
    return TORCH not in cell_tags


def needs_torch(cell_tags: list[str]) -> bool:
    return TORCH in cell_tags


def differences(stored: Any, fresh: Any, keep: Callable[[list[str]], bool] = lambda tags: True) -> list[str]:
    """Where the stored outputs differ from a fresh run's, in the cells whose tags `keep` accepts (empty: current)."""
    found = []
    old, new = comparable(stored, keep), comparable(fresh, keep)
    if len(old) != len(new):
        return [f"{len(old)} code cells stored, {len(new)} run"]
    for before, now in zip(old, new):
        if before != now:
            found.append(f"cell {now['cell']}:\n  stored: {str(before)[:600]}\n  now:    {str(now)[:600]}")
    return found


def store(path: Path, fresh: Any) -> None:
    """Write a run's outputs into the notebook file, each cell's prints joined as Jupyter shows them."""
    import nbformat

    fresh = copy.deepcopy(fresh)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(output) for output in merged_streams(cell.outputs)]
    nbformat.validate(fresh)
    nbformat.write(fresh, path)


def keep_stored_torch_outputs(stored: Any, fresh: Any) -> bool:
    """Put the stored outputs of the cells tagged "torch" into `fresh` (run without PyTorch); True if there are any."""
    kept = False
    if len(stored.cells) != len(fresh.cells):  # edited since stored: nothing to match the cells with
        return kept
    for old, new in zip(stored.cells, fresh.cells):
        if new.cell_type == "code" and needs_torch(tags(new)):
            new.outputs, kept = copy.deepcopy(old.get("outputs", [])), True
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say which notebooks' outputs are stale")
    parser.add_argument("names", nargs="*", help="notebook file names (default: all in demos/notebooks/)")
    args = parser.parse_args(argv)
    import nbformat

    chosen = [FOLDER / name for name in args.names] or NOTEBOOKS
    keep = (lambda tags: True) if torch_installed() else without_torch
    stale = 0
    for path in chosen:
        fresh = execute(path)
        stored = nbformat.read(path, as_version=4)
        if not torch_installed() and keep_stored_torch_outputs(stored, fresh):
            print(f"{path.name}: PyTorch is not installed, so its cells tagged {TORCH!r} keep their stored outputs"
                  " (pip install 'scalar-autograd[torch]' to run them)")
        found = differences(stored, fresh, keep)
        if args.check:
            stale += bool(found)
            print(f"{path.name}: " + ("stale\n" + "\n".join(found) if found else "current"))
        elif found:  # unchanged files stay as they are: no churn from new timings or re-encoded PNGs
            store(path, fresh)
            print(f"{path.name}: outputs stored ({len(found)} cells changed)")
        else:
            print(f"{path.name}: current, left as it is")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
