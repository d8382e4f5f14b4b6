"""Fixtures shared by test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for every browser test (tests/browser_tabs.py: skipped or failed when missing)."""
    from demos import browser as chromium
    from tests.browser_tabs import WHY_NOT

    if WHY_NOT is not None:  # only reached when REQUIRE_BROWSER is set: the modules skip otherwise
        pytest.fail(f"REQUIRE_BROWSER is set, but {WHY_NOT}")
    with chromium.launch() as launched:
        yield launched
