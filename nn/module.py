"""`Module`: anything with parameters, and the state_dict that names them."""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping

from autograd import Value


class Module:
    """Base class: subclasses yield their parameters by name from `named_parameters`."""

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Each parameter with a dotted name such as 'layers.0.neurons.1.w.2'."""
        return iter(())

    def parameters(self) -> list[Value]:
        """All parameters, in a fixed order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to 0 (call before each backward pass)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> number, ready for JSON."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from `state`; on any mismatch raise ValueError and change nothing."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict needs a mapping of name -> number, got {type(state).__name__}")
        named = dict(self.named_parameters())
        missing = [n for n in named if n not in state]
        unexpected = [n for n in state if n not in named]
        if missing or unexpected:
            raise ValueError(
                f"state does not fit this {type(self).__name__} ({len(named)} parameters):"
                f" missing {_few(missing)}, unexpected {_few(unexpected)}"
            )
        # Check every value before assigning any, so a bad entry leaves the model unchanged.
        for name in named:
            value = state[name]
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"state[{name!r}] must be a number, got {type(value).__name__} {value!r}")
        for name, p in named.items():
            p.data = float(state[name])


def _few(names: list[str], limit: int = 4) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
