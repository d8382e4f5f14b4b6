"""Keeping Numba's disk cache of the tape's compiled loops in step with all of their sources.

Numba keys the cached machine code of a function by its own source file only. A compiled
function calling into another file (the batch loop calls `forward` from kernels.py, which calls
the checks of kernel_checks.py) has the callee's code built into its own, so when only the
callee's file changes, the caller would go on running the old callee from the cache. Here the
cache of every compiled function of the tape is keyed by all of those files together: when any
of them changes (an edit, an upgrade), every function is compiled afresh.

Only the functions Python calls keep a cache of their own. A helper called from compiled code
alone (the checks, the lanes' passes) is built into each caller's cached code anyway; a cache of
its own bought nothing on a later start and cost a first run its writing (the first `run_batch`
of the digits classifier: about 0.6 s less CPU time without it, in fresh interpreters).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from numba.core.registry import CPUDispatcher

STAMP = "tape-kernels.sha1"  # beside Numba's own cache files


def fingerprint(modules: list[ModuleType]) -> str:
    """One hash of the source files of `modules`."""
    digest = hashlib.sha1()
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def drop_if_stale(modules: list[ModuleType]) -> None:
    """Empty the disk cache of every compiled function in `modules` if any of their sources changed since."""
    dispatchers = [f for m in modules for f in vars(m).values() if isinstance(f, CPUDispatcher) and f._cache.cache_path]
    if not dispatchers:
        return
    stamp = Path(dispatchers[0]._cache.cache_path) / STAMP
    now = fingerprint(modules)
    try:
        if stamp.exists() and stamp.read_text() == now:
            return
        for f in dispatchers:
            f._cache.flush()
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(now)
    except OSError:  # a cache folder we cannot write: Numba then cannot write its cache either
        return
