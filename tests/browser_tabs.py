"""What the browser tests of the pages share: whether Chromium can run here, and a tab that watches the page.

Without Playwright, Chromium or Graphviz the browser tests are skipped with the install hint,
unless REQUIRE_BROWSER is set (`.ci/run` sets it, after installing Chromium): then they fail.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from demos import browser as chromium

WHY_NOT = chromium.missing() or (None if shutil.which("dot") else "Graphviz's dot is not installed (CI installs it)")
REQUIRED = bool(os.environ.get("REQUIRE_BROWSER"))


class Watched:
    """A browser tab that records JavaScript errors and every URL the page asks for."""

    def __init__(self, browser, width: int = 1280, height: int = 720):
        self.tab = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.tab.on("pageerror", lambda error: self.errors.append(f"JavaScript error: {error}"))
        self.tab.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.tab.on("request", lambda request: self.requests.append(request.url))
        self.tab.route(re.compile(r"^https?://"), lambda route: route.abort())  # nothing leaves this machine

    def problems(self) -> list[str]:
        remote = [f"requested {url}" for url in self.requests if not url.startswith(("file:", "data:"))]
        return self.errors + remote

    def open(self, path: Path) -> None:
        self.tab.goto(path.resolve().as_uri())


def watch(watched: Watched) -> Iterator[Watched]:
    """Hand a test its tab; when the test ends, close the tab and fail on any script error or remote request."""
    yield watched
    problems = watched.problems()
    watched.tab.close()
    assert not problems, problems
