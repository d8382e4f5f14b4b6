"""Self-contained HTML pages: a Graphviz SVG, plain JavaScript and CSS, and the data, in one file.

Shared by the pages that show a graph step by step (`autograd.walkthrough`, and the demos'
training explorer). A page fetches nothing: its scripts and styles are read from
`autograd/pages/web/` (or, for a page of its own, from the files it names) and written into the file, the
SVG is inline, the data is JSON in a `<script type="application/json">` tag. So it opens from
the file system, and in a notebook inside an iframe.
"""

from __future__ import annotations

import html
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import graphviz

from autograd.arguments import shown
from autograd.draw import INSTALL_HINT, GraphvizNotInstalled
from autograd.files import write_atomically


def graph_svg(dot: graphviz.Digraph, min_scale: float = 0.6, max_scale: float = 1.6) -> str:
    """`dot` laid out by Graphviz, as an `<svg>` element ready to sit inside an HTML page.

    The page's CSS stretches the picture to the width of the window, but never below `min_scale`
    or above `max_scale` times Graphviz's own size: a big graph stays readable (and scrolls), a
    small one does not turn into a poster.
    """
    try:
        svg = dot.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalled(INSTALL_HINT) from None
    # Keep only the <svg> element: the XML declaration, DOCTYPE and comments are for a stand-alone file.
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)
    width = float(re.search(r'<svg width="([0-9.]+)pt"', svg).group(1)) * 4 / 3  # Graphviz's points, in CSS px
    style = f'style="min-width: {width * min_scale:.0f}px; max-width: {width * max_scale:.0f}px"'
    return svg.replace("<svg ", f"<svg {style} ", 1)


def web_resource(name: str | Path) -> str:
    """The text of a script or style file: a name in `autograd/pages/web/`, or a Path of a page's own."""
    if isinstance(name, Path):
        return name.read_text(encoding="utf-8")
    return resources.files("autograd.pages").joinpath("web", name).read_text(encoding="utf-8")


def json_for_script(data: Any) -> str:
    """`data` as JSON that is safe inside a <script> element.

    A label such as "</script>" would otherwise end the script early: every "<" is written
    as the JSON escape \\u003c, which JSON.parse reads back as "<".

    >>> json_for_script({"label": "</script>"})
    '{"label": "\\\\u003c/script>"}'
    """
    return json.dumps(data).replace("<", "\\u003c")


class Page:
    """One self-contained HTML page: `.html`, `.save(path)`, and inline display in Jupyter.

    `.data` is what the page's JavaScript shows, as Python objects (handy for tests).
    """

    def __init__(self, html_text: str, data: Any, height: int = 600) -> None:
        self.html = html_text
        self.data = data
        self.height = height  # pixels for the notebook iframe

    def save(self, path: str | Path) -> str:
        """Write the page to `path` (UTF-8, all at once: autograd/files.py) and return the path as a str."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"Page.save: path must be a file name (str or Path) such as 'page.html', got {shown(path)}")
        return str(write_atomically("Page.save", path, self.html.encode("utf-8")))

    def _repr_html_(self) -> str:
        # Notebook front ends treat scripts in an output differently (some run them only in a
        # trusted notebook, some put each output in a frame of its own), and two pages shown in
        # one notebook would share one document and clash over their ids. An iframe whose
        # document is the page itself runs the same everywhere and keeps each page to itself;
        # `sandbox="allow-scripts"` lets its scripts run without reaching the notebook.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts"'
            f' style="width: 100%; height: {self.height}px; border: 1px solid #ddd; resize: vertical"></iframe>'
        )


def page_html(title: str, body: str, data: Any, scripts: list[str | Path], styles: list[str | Path]) -> str:
    """A whole HTML document: `body` (HTML), the JSON `data`, and the scripts and styles named (see web_resource)."""
    css = "\n".join(web_resource(name) for name in styles)
    js = "\n".join(web_resource(name) for name in scripts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
{css}
</style>
</head>
<body>
{body}
<script type="application/json" id="page-data">{json_for_script(data)}</script>
<script>
{js}
</script>
</body>
</html>
"""
