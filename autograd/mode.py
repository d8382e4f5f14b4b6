"""Gradient recording on or off: `no_grad()` turns it off for the current thread or task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# A ContextVar rather than a global flag: each thread (and each asyncio task) sees its
# own setting, so one thread's no_grad() never leaks into another's graph.
GRAD_ENABLED: ContextVar[bool] = ContextVar("grad_enabled", default=True)


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, operations return constants with no parents (no graph is recorded).

    Use it for parameter updates and evaluation. Also works as a decorator.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents, y.op
    ((), '')
    """
    token = GRAD_ENABLED.set(False)
    try:
        yield
    finally:
        GRAD_ENABLED.reset(token)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()`.

    >>> is_grad_enabled()
    True
    """
    return GRAD_ENABLED.get()
