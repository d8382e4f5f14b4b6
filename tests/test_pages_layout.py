"""Where the pages live: one subpackage of the engine (autograd/pages), used by the engine itself, and arrows
pointing down (the engine never imports nn or the demos; the demos' explorer keeps its own script and style)."""

from __future__ import annotations

import ast
from pathlib import Path

import autograd
from autograd import walkthrough
from autograd.pages import Page
from autograd.pages import walkthrough as pages_walkthrough

ENGINE = Path(autograd.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every module a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_from_autograd_import_walkthrough_is_the_pages_walkthrough():
    assert walkthrough is pages_walkthrough
    assert walkthrough.__module__ == "autograd.pages.walkthrough" and Page.__module__ == "autograd.pages.page"


def test_the_engine_never_imports_nn_or_the_demos():
    for path in ENGINE.rglob("*.py"):
        assert not imported_modules(path) & {"nn", "demos", "tests"}, path


def test_every_script_and_style_of_the_pages_is_used_by_the_engines_own_page():
    # Nothing under autograd/ exists only for a demo: the walkthrough page itself uses every web asset.
    web = ENGINE / "pages" / "web"
    source = (ENGINE / "pages" / "walkthrough.py").read_text(encoding="utf-8")
    for asset in web.iterdir():
        assert f'"{asset.name}"' in source, asset.name
