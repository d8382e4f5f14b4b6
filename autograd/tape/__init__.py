"""The compiled replay: a finished graph recorded once as flat arrays, replayed at native speed.

`tape.py` is the `Tape` a user holds; `record.py` turns a graph into arrays; `kernels.py` is the
op table once more as compiled loops, and `kernel_checks.py` what those loops check; `errors.py`
raises the eager engine's error where a replay stopped; `listing.py` prints a tape as a program.
Numba is imported only when a Tape is made, so `import autograd` never needs it.
"""

from autograd.tape.tape import Tape

__all__ = ["Tape"]
