"""Graduating to PyTorch: an MLP as a `torch.nn.Sequential` holding the same weights, and back.

`to_torch(model)` writes each layer as a float64 `torch.nn.Linear` followed by its activation
module; `from_torch(module)` reads such a Sequential back into an `MLP`. Only the numbers cross:
gradients and an optimizer's state (momentum, Adam's moments) stay on the side they were made.

The one difference to remember: `Linear.weight` has shape (n_out, n_in), one row per neuron, the
transpose of `to_arrays()`'s (n_in, n_out). PyTorch is optional: it is imported only when called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the type hints: PyTorch is not needed to import this module
    import torch

    from nn.layers import MLP

INSTALL_HINT = "pip install 'scalar-autograd[torch]' (PyTorch 2.13.0, CPU build about 190 MB)"
# An activation here, by name -> the torch.nn module class that computes it, by name.
MODULE_OF_ACTIVATION = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}
CARRIES = "float64 Linear layers with ReLU, Tanh, Sigmoid or Identity between them"


def import_torch(who: str) -> Any:
    """The torch module, or ImportError naming the extra to install."""
    try:
        import torch
    except ImportError as missing:
        raise ImportError(f"{who} needs PyTorch, which is not installed: {INSTALL_HINT}") from missing
    return torch


def activation_name(model: MLP, index: int) -> str:
    """The name of layer `index`'s activation; TypeError for a custom function PyTorch has no module for."""
    activation = model.layers[index].neurons[0].activation
    if activation not in MODULE_OF_ACTIVATION:
        role = "output" if index == len(model.layers) - 1 else "hidden"
        raise TypeError(
            f"MLP.to_torch: the {role} activation {activation!r} has no PyTorch module here; it carries"
            f" {', '.join(map(repr, MODULE_OF_ACTIVATION))} (as ReLU, Tanh, Sigmoid, Identity)"
        )
    return activation


def to_torch(model: MLP) -> torch.nn.Sequential:
    """A new float64 `torch.nn.Sequential` computing what `model` computes, with copies of its weights.

    A linear output layer gets no module after it (what one writes in PyTorch); a linear hidden
    layer gets `Identity`, so that every hidden Linear is followed by its activation.
    """
    names = [activation_name(model, i) for i in range(len(model.layers))]  # before torch: a clear TypeError first
    torch = import_torch("MLP.to_torch")
    weights, biases = model.to_arrays()
    modules = []
    for i, (w, activation) in enumerate(zip(weights, names)):
        n_in, n_out = w.shape
        # skip_init: every number is overwritten below, so torch's random stream is left untouched.
        linear = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out, bias=biases is not None, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T.copy()))  # (n_in, n_out) here, (n_out, n_in) in PyTorch
            if biases is not None:
                linear.bias.copy_(torch.from_numpy(biases[i]))
        modules.append(linear)
        if activation != "linear" or i < len(weights) - 1:
            modules.append(getattr(torch.nn, MODULE_OF_ACTIVATION[activation])())
    return torch.nn.Sequential(*modules)


@dataclass
class Stage:
    """One layer read from a Sequential: its Linear (by its name there) and the activation after it."""

    name: str
    linear: Any
    activation: str | None = None  # None until an activation module follows: "linear" if none does


def from_torch(module: Any, cls: type[MLP] | None = None) -> MLP:
    """An `MLP` (or `cls`) with the weights and activations of a Sequential of Linear and activation modules.

    TypeError for a module it cannot carry (Dropout, BatchNorm, Conv, anything but Linear, ReLU,
    Tanh, Sigmoid and Identity) and for weights that are not float64; ValueError for a Sequential
    that does not form one MLP (an activation first or twice in a row, sizes that do not chain,
    hidden layers with different activations, bias on some layers only, nan or inf weights).
    """
    if cls is None:
        from nn.layers import MLP as cls  # here: nn.layers calls this module from its methods
    torch = import_torch("MLP.from_torch")
    stages = read_stages(torch, module)
    hidden = {stage.activation or "linear" for stage in stages[:-1]}
    if len(hidden) > 1:
        found = ", ".join(f"{stage.activation or 'linear'} after module {stage.name!r}" for stage in stages[:-1])
        raise ValueError(f"MLP.from_torch: an MLP has one activation for all hidden layers, got {found}")
    with_bias = {stage.linear.bias is not None for stage in stages}
    if len(with_bias) > 1:
        raise ValueError("MLP.from_torch: some Linear layers have a bias and some do not; an MLP has bias on all"
                         " layers or on none")
    # PyTorch's weight is (n_out, n_in): one row per neuron. from_arrays takes (n_in, n_out).
    weights = [stage.linear.weight.detach().cpu().numpy().T for stage in stages]
    biases = [stage.linear.bias.detach().cpu().numpy() for stage in stages] if with_bias == {True} else None
    return cls.from_arrays(weights, biases, activation=hidden.pop() if hidden else "relu",
                           output_activation=stages[-1].activation or "linear")


def read_stages(torch: Any, module: Any) -> list[Stage]:
    """The Linear layers of a plain Sequential, each with the activation after it; errors for anything else."""
    if type(module) is not torch.nn.Sequential:
        what = "a subclass of Sequential, whose forward may compute something else" if isinstance(
            module, torch.nn.Sequential) else type(module).__name__
        raise TypeError(f"MLP.from_torch reads a torch.nn.Sequential of {CARRIES}; got {what}."
                        " Build the network as torch.nn.Sequential(...) of those modules")
    activation_of = {getattr(torch.nn, m): a for a, m in MODULE_OF_ACTIVATION.items()}
    stages: list[Stage] = []
    for name, child in module.named_children():
        # type() is, not isinstance: a subclass may compute something else in its forward.
        if type(child) is torch.nn.Linear:
            check_numbers(torch, name, child)
            if stages and child.in_features != stages[-1].linear.out_features:
                raise ValueError(f"MLP.from_torch: module {name!r} {child} reads {child.in_features} inputs but"
                                 f" module {stages[-1].name!r} gives {stages[-1].linear.out_features}")
            stages.append(Stage(name, child))
        elif type(child) in activation_of:
            if not stages or stages[-1].activation is not None:
                where = "first" if not stages else "right after another activation"
                raise ValueError(f"MLP.from_torch: module {name!r} {child} comes {where}; an MLP applies one"
                                 " activation after each Linear")
            stages[-1].activation = activation_of[type(child)]
        else:
            raise TypeError(f"MLP.from_torch cannot carry module {name!r}: {child}. It carries {CARRIES};"
                            " keep this network in PyTorch, or remove that module")
    if not stages:
        raise ValueError(f"MLP.from_torch: the Sequential holds no Linear layer; it needs {CARRIES}")
    return stages


def check_numbers(torch: Any, name: str, linear: Any) -> None:
    """A Linear's weights must be float64 numbers, all finite: TypeError or ValueError saying which."""
    for part, tensor in (("weight", linear.weight), ("bias", linear.bias)):
        if tensor is None:
            continue
        if tensor.dtype != torch.float64:
            raise TypeError(
                f"MLP.from_torch: module {name!r} {linear} has a {tensor.dtype} {part}; this engine computes in"
                " float64, so it would not compute what that module computes. Convert the module first with"
                " .double() (every float32 number is exactly a float64 number)"
            )
        if tensor.is_meta:
            raise TypeError(f"MLP.from_torch: module {name!r} {linear} is on the meta device: it holds no numbers")
        bad = (~torch.isfinite(tensor)).nonzero()
        if len(bad):
            index = tuple(bad[0].tolist())
            value = tensor.detach()[index].item()
            raise ValueError(f"MLP.from_torch: module {name!r} {linear}: {part}{list(index)} is {value!r};"
                             f" weights must be finite (one {'nan' if math.isnan(value) else 'inf'} spreads to"
                             " every output)")
