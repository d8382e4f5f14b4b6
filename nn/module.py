"""`Module`: anything with parameters, and the state_dict that names them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from autograd import Value
from autograd.value import to_float
from nn.checks import finite_number


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
        """Parameter name -> number (a Python float), ready for JSON."""
        # to_float: a parameter whose .data was set by hand to a NumPy float32 or a str is named here,
        # not by json.dumps halfway through a save.
        return {name: to_float(p.data, f"state_dict: parameter {name!r}") for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from `state`; on any mismatch or bad number raise and change nothing.

        Every entry must be a finite real number (ints and NumPy numbers are fine; bools, nan, inf
        and ints too large for a float are refused): one nan weight makes every output nan.

        >>> from nn import Neuron
        >>> n = Neuron(1, seed=0)
        >>> n.load_state_dict({"w.0": 0.5, "b": float("inf")})
        Traceback (most recent call last):
        ...
        ValueError: load_state_dict: state['b'] must be a finite number, got inf
        >>> n.w[0].data != 0.5  # w.0 was checked, and left alone with the rest
        True
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict needs a mapping of name -> number, got {type(state).__name__}")
        named = dict(self.named_parameters())
        missing = [n for n in named if n not in state]
        unexpected = [n for n in state if n not in named]
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: state does not fit this {type(self).__name__} ({len(named)} parameters):"
                f" missing {_few(missing)}, unexpected {_few(unexpected)}"
            )
        # Convert and check every number before assigning any, so a bad entry leaves the model unchanged.
        numbers = {name: finite_number(state[name], f"load_state_dict: state[{name!r}]") for name in named}
        for name, p in named.items():
            p.data = numbers[name]


def _few(names: list[str], limit: int = 4) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
