"""Neuron, Layer and MLP: a network built from `Value`s, one weighted sum per neuron.

Initial weights are drawn as micrograd draws them: neuron after neuron, each neuron's `nin`
weights from uniform(-1, 1), biases 0. Without `seed` or `rng` they come from Python's global
`random` (micrograd's behaviour, and PyTorch's: `torch.manual_seed` governs `nn` initialisation),
so `random.seed(1337)` before `MLP(2, [16, 16, 1])` gives micrograd's network weight for weight.
"""

from __future__ import annotations

import itertools
import numbers
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd import Value, dot
from autograd.arguments import sequence
from autograd.nodes import constant
from nn.activations import get_activation
from nn.checks import SETS_AND_MAPPINGS, number_array
from nn.module import Module


def inputs_as_values(who: str, expected: int, xs: Any) -> list[Value]:
    """Check that there are `expected` inputs, and wrap numbers as constant Values.

    Done once per layer, so every neuron of the layer shares the same input nodes.
    """
    if isinstance(xs, (Value, str, bytes)) or not hasattr(xs, "__len__"):
        raise ValueError(f"{who} expects a list of {expected} inputs, got {type(xs).__name__}")
    if isinstance(xs, SETS_AND_MAPPINGS):  # a dict would give its keys as inputs, a set an order of its own
        raise TypeError(f"{who} expects a list or tuple of {expected} inputs, in order; got a {type(xs).__name__}")
    if len(xs) != expected:
        raise ValueError(f"{who} expects {expected} inputs, got {len(xs)}")
    return [x if isinstance(x, Value) else constant(x) for x in xs]


def checked_size(who: str, what: str, n: Any) -> int:
    """`n` as a Python int if it is a whole number >= 1 (NumPy integers too); ValueError otherwise.

    >>> checked_size("Layer", "nout", np.int64(3))
    3
    """
    # bool is an int subclass, but Neuron(True) is a slip, not a size.
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who} needs {what} to be a whole number >= 1, got {type(n).__name__} {n!r}")
    return int(n)


# One Value per parameter, ~150 bytes and a Python object each: past this a network takes gigabytes
# and minutes just to build (a size of 10**400 would never finish). Large networks belong in
# nn.reference (NumPy) or PyTorch.
MAX_PARAMETERS = 10_000_000


def check_parameter_count(who: str, count: int) -> None:
    """Refuse a network of more than MAX_PARAMETERS parameters, saying how many it would have."""
    if count > MAX_PARAMETERS:
        shown = f"{count:,}" if count < 10**30 else f"about 10**{len(str(count)) - 1}"
        raise ValueError(
            f"{who} would have {shown} parameters, more than this scalar engine builds ({MAX_PARAMETERS:,},"
            " one Python object each); use smaller layers, or nn.reference (NumPy) for large networks"
        )


def check_flag(who: str, what: str, flag: Any) -> None:
    """A yes/no argument must be True or False: `bias="no"` would otherwise be true, and give a bias."""
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"{who}: {what} must be True or False, got {type(flag).__name__} {flag!r:.40}")


def weight_generator(who: str, seed: Any, rng: Any) -> random.Random | None:
    """The generator to draw initial weights from: `rng`, a new one seeded with `seed`, or None.

    None stands for Python's global `random`, used when neither is given. `seed` may be an int
    or a `random.Random`; anything else raises TypeError.

    >>> weight_generator("MLP", 1337, None).random() == random.Random(1337).random()
    True
    """
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"{who}: rng must be a random.Random, got {type(rng).__name__} {rng!r}")
        if seed is not None:
            raise ValueError(f"{who}: give seed or rng, not both (got seed={seed!r} and an rng)")
        return rng
    if seed is None or isinstance(seed, random.Random):
        return seed
    # bool is an int subclass, but seed=True is a slip; floats and strings would seed silently.
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{who}: seed must be an int, None or a random.Random, got {type(seed).__name__} {seed!r}")
    return random.Random(int(seed))


class Parameter(Value):
    """A Value a model learns: a weight or a bias. draw_dot and walkthrough draw it as a parameter (amber).

    The class attribute is how the engine's drawings tell (autograd/draw.py, is_parameter); a
    Parameter is otherwise a plain leaf Value.
    """

    __slots__ = ()
    is_parameter = True


class Neuron(Module):
    """activation(w . x + b): weights uniform in [-1, 1), bias 0.

    The weights come from `rng` (a `random.Random`), from a new generator seeded with `seed`,
    or, when neither is given, from Python's global `random`, as in micrograd.

    >>> n = Neuron(2, activation="linear", seed=0)
    >>> n.w[0].data, n.w[1].data = 0.5, -1.0
    >>> n([2.0, 3.0]).data
    -2.0
    """

    def __init__(
        self, nin: int, activation: str = "relu", bias: bool = True, seed: int | random.Random | None = None,
        rng: random.Random | None = None,
    ) -> None:
        nin = checked_size("Neuron", "nin", nin)
        check_parameter_count("Neuron", nin + 1)
        check_flag("Neuron", "bias", bias)
        generator = weight_generator("Neuron", seed, rng)
        uniform = random.uniform if generator is None else generator.uniform
        self.activation = activation
        self._act = get_activation(activation)
        self.w = [Parameter(uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Parameter(0.0) if bias else None
        self.label_parameters()

    def label_parameters(self, where: str = "") -> None:
        """Label the weights w[i] and the bias b, after `where` (a Layer or MLP passes the neuron's place: "[1][3]")."""
        for i, w in enumerate(self.w):
            w.label = f"w{where}[{i}]"
        if self.b is not None:
            self.b.label = f"b{where}"

    def __call__(self, xs: Sequence[Any]) -> Value:
        return self.forward(inputs_as_values("Neuron", len(self.w), xs))

    def forward(self, xs: list[Value]) -> Value:
        """The neuron on inputs already checked and wrapped (what Layer calls)."""
        # One fused 'dot' node for the weighted sum, not a chain of 2n adds and multiplies.
        z = dot(self.w, xs)
        return self._act(z + self.b if self.b is not None else z)

    def parameters(self) -> list[Value]:
        # Same order as named_parameters, without building names: called every training step.
        return [*self.w, self.b] if self.b is not None else list(self.w)

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        if self.b is not None:
            yield "b", self.b

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r}, bias={self.b is not None})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs, initialised neuron after neuron.

    `seed` and `rng` as for `Neuron`: without either, the weights come from Python's global `random`.

    >>> Layer(3, 2, activation="tanh", seed=1)([1, 2, 3]).__class__.__name__
    'list'
    """

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", bias: bool = True,
        seed: int | random.Random | None = None, rng: random.Random | None = None,
    ) -> None:
        nin, nout = checked_size("Layer", "nin", nin), checked_size("Layer", "nout", nout)
        check_parameter_count("Layer", (nin + 1) * nout)
        check_flag("Layer", "bias", bias)
        generator = weight_generator("Layer", seed, rng)  # None: each neuron draws from the global random
        self.neurons = [Neuron(nin, activation, bias, rng=generator) for _ in range(nout)]
        self.label_parameters()

    def label_parameters(self, where: str = "") -> None:
        """Label each parameter by where it sits: w[j][i] is neuron j's weight for input i, b[j] its bias."""
        for j, neuron in enumerate(self.neurons):
            neuron.label_parameters(f"{where}[{j}]")

    def __call__(self, xs: Sequence[Any]) -> Value | list[Value]:
        out = self.forward(inputs_as_values("Layer", len(self.neurons[0].w), xs))
        return out[0] if len(out) == 1 else out

    def forward(self, xs: list[Value]) -> list[Value]:
        """Every neuron on inputs already checked and wrapped; always a list."""
        return [n.forward(xs) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, n in enumerate(self.neurons):
            for name, p in n.named_parameters():
                yield f"neurons.{i}.{name}", p

    def __repr__(self) -> str:
        n = self.neurons[0]
        return f"Layer({len(n.w)}, {len(self.neurons)}, activation={n.activation!r}, bias={n.b is not None})"


class MLP(Module):
    """A multi-layer perceptron: `activation` on hidden layers, `output_activation` on the last.

    Initialised layer after layer, neuron after neuron, from `rng`, from a new generator seeded with
    `seed`, or, when neither is given, from Python's global `random`: after `random.seed(1337)`,
    `MLP(2, [16, 16, 1])` holds the same weights as micrograd's.

    >>> model = MLP(2, [3, 1], activation="tanh", seed=0)
    >>> len(model.parameters()), type(model([0.5, -1.0])).__name__
    (13, 'Value')
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", output_activation: str = "linear",
        bias: bool = True, seed: int | random.Random | None = None, rng: random.Random | None = None,
    ) -> None:
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"MLP needs nouts as a list of layer sizes such as [16, 16, 1], got {nouts!r}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts, got []")
        sizes = [checked_size("MLP", "nin", nin)] + [checked_size("MLP", f"nouts[{i}]", n) for i, n in enumerate(nouts)]
        check_parameter_count("MLP", sum((a + 1) * b for a, b in itertools.pairwise(sizes)))
        check_flag("MLP", "bias", bias)
        get_activation(activation)
        get_activation(output_activation)
        generator = weight_generator("MLP", seed, rng)  # None: every neuron draws from the global random
        self.activation, self.output_activation = activation, output_activation
        acts = [activation] * (len(nouts) - 1) + [output_activation]
        self.layers = [Layer(sizes[i], sizes[i + 1], acts[i], bias, rng=generator) for i in range(len(nouts))]
        for i, layer in enumerate(self.layers):  # w[1][3][0] is model.layers[1].neurons[3].w[0]
            layer.label_parameters(f"[{i}]")

    @property
    def nin(self) -> int:
        return len(self.layers[0].neurons[0].w)

    @property
    def nouts(self) -> list[int]:
        return [len(layer.neurons) for layer in self.layers]

    @property
    def bias(self) -> bool:
        return self.layers[0].neurons[0].b is not None

    def __call__(self, xs: Sequence[Any]) -> Value | list[Value]:
        out = inputs_as_values("MLP", self.nin, xs)
        for layer in self.layers:
            out = layer.forward(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers.{i}.{name}", p

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r},"
            f" output_activation={self.output_activation!r}, bias={self.bias})"
        )

    @classmethod
    def from_arrays(
        cls, weights: Sequence[Any], biases: Sequence[Any] | None = None, activation: str = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """An MLP with the given weights, each of shape (n_in, n_out) as in the tutorials' `syn0`.

        `biases` is a list of arrays of shape (n_out,), or None for a bias-free network.

        >>> m = MLP.from_arrays([[[0.5], [-1.0]]], activation="linear")
        >>> m([2.0, 3.0]).data
        -2.0
        """
        who = "MLP.from_arrays"
        weights = sequence(who, "weights", weights)
        ws = [number_array(w, f"{who}: weights[{i}]", 2, stored=True) for i, w in enumerate(weights)]
        if not ws:
            raise ValueError(f"{who} needs at least one weight array, got none")
        for i, w in enumerate(ws):
            if i and w.shape[0] != ws[i - 1].shape[1]:
                raise ValueError(
                    f"{who}: weights[{i}] has shape {w.shape} but weights[{i - 1}] outputs {ws[i - 1].shape[1]}:"
                    f" expected ({ws[i - 1].shape[1]}, n_out)"
                )
        bs = None
        if biases is not None:
            biases = sequence(who, "biases", biases)
            bs = [number_array(b, f"{who}: biases[{i}]", 1, stored=True) for i, b in enumerate(biases)]
            if len(bs) != len(ws):
                raise ValueError(f"{who}: got {len(ws)} weight arrays but {len(bs)} bias arrays")
            for i, (w, b) in enumerate(zip(ws, bs)):
                if b.shape != (w.shape[1],):
                    raise ValueError(f"{who}: biases[{i}] must have shape ({w.shape[1]},), got {b.shape}")
        nouts = [w.shape[1] for w in ws]
        # Every weight is overwritten below: a throwaway generator keeps the global random stream untouched.
        model = cls(ws[0].shape[0], nouts, activation, output_activation, bias=bs is not None, rng=random.Random(0))
        for i, layer in enumerate(model.layers):
            for j, neuron in enumerate(layer.neurons):
                for k, w in enumerate(neuron.w):
                    w.data = float(ws[i][k, j])
                if bs is not None:
                    neuron.b.data = float(bs[i][j])
        return model

    def to_arrays(self) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
        """(weights, biases) as NumPy arrays: weights (n_in, n_out), biases (n_out,) or None."""
        weights = [np.array([[w.data for w in n.w] for n in layer.neurons]).T for layer in self.layers]
        if not self.bias:
            return weights, None
        return weights, [np.array([n.b.data for n in layer.neurons]) for layer in self.layers]

    def to_torch(self) -> Any:
        """This network as a new float64 `torch.nn.Sequential` with copies of its weights (nn/pytorch.py).

        Needs PyTorch: without it, ImportError saying what to install.
        """
        from nn.pytorch import to_torch  # here, not at the top: PyTorch stays optional

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP from a `torch.nn.Sequential` of float64 Linear layers and ReLU, Tanh, Sigmoid or Identity."""
        from nn.pytorch import from_torch

        return from_torch(module, cls)
