"""The compiled replay: a finished graph recorded once as flat arrays, replayed at native speed.

`tape.py` is the `Tape` a user holds; `record.py` turns a graph into arrays; `kernels.py` is the
op table once more as compiled loops, `kernel_checks.py` what those loops check, and `passes.py`
a run put together from them; `lanes.py` and `batch.py` replay one sample's graph over the rows
of a batch, 32 samples per pass; `training.py` keeps the parameters in arrays while a tape
trains them; `leaves.py` checks every number read or fed; `writeback.py` writes a replay's
numbers into the graph (`sync`); `errors.py` raises the eager engine's error where a replay
stopped; `listing.py` prints a tape as a program; `pickling.py` and `compiled_cache.py` pickle
a tape and keep Numba's disk cache in step with the sources.
docs/tape.md is the guide. Numba is imported only when a Tape is made, so `import autograd`
never needs it.
"""

from autograd.tape.tape import Tape

__all__ = ["Tape"]
