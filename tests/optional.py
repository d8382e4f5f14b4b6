"""Optional oracles: imported when installed, else their tests skip with the install hint."""

from __future__ import annotations

import os
from types import ModuleType

import pytest

TORCH_HINT = "PyTorch is optional: pip install torch==2.13.0 (or 'scalar-autograd[torch]') to run this oracle"


def import_torch() -> ModuleType:
    """torch, or a skip saying how to install it; where REQUIRE_TORCH is set (.ci/run sets it), a failure instead."""
    if os.environ.get("REQUIRE_TORCH"):
        import torch  # CI installed it: an ImportError here fails the run rather than skipping the oracle

        return torch
    return pytest.importorskip("torch", reason=TORCH_HINT)
