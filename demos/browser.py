"""Headless Chromium for the pages: screenshots in the demos, clicks in the tests.

Playwright drives Debian's `chromium` package (Playwright's own browser download is not
needed): `launch()` starts it with the options that work in containers and CI.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = (
    "the page tests and screenshots need Playwright and Chromium: `pip install playwright` "
    "(the test and demo extras have it) and a `chromium` on the PATH (`sudo apt-get install chromium` "
    "on Debian); Playwright's own browser download is not used"
)
# --no-sandbox: Chromium's sandbox needs user namespaces, which containers and CI runners often lack.
# The rest keep a headless run quiet and offline: no first-run page, no updates, no sync, no GPU.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing() -> str | None:
    """Why a browser cannot be started here (the install hint), or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    if chromium_path() is None:
        return INSTALL_HINT
    return None


def chromium_path() -> str | None:
    """The system Chromium's path, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def launch():
    """A headless Chromium browser (Playwright's Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_steps(
    page_path: str | Path, shots: dict[int, Path], width: int = 1280, height: int = 720, full_page: bool = True
) -> None:
    """Open a step-by-step page and save a screenshot at each step k in `shots` (step k -> png path).

    full_page=False takes the window only (width x height), as a learner sees the page opened, cut
    below the page's last element when the page is shorter than the window.
    """
    with launch() as browser:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(Path(page_path).resolve().as_uri())
        for step, png in sorted(shots.items()):
            page.keyboard.press("Home")
            for _ in range(step):
                page.keyboard.press("ArrowRight")
            if full_page:
                page.screenshot(path=str(png), full_page=True)
            else:  # the window, down to the end of what the page shows (no empty band below a short page)
                bottom = page.evaluate("Math.max(...[...document.body.children].map((e) => "
                                       "e.getBoundingClientRect().bottom))")
                page.screenshot(path=str(png), clip={"x": 0, "y": 0, "width": width,
                                                     "height": min(height, int(bottom) + 8)})
