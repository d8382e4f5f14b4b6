"""Neurons, layers and MLPs built on `autograd.Value`, with losses, optimizers and save/load.

>>> from nn import MLP, mse, SGD
>>> model = MLP(2, [4, 1], activation="tanh", seed=0)
>>> opt = SGD(model.parameters(), lr=0.1)
>>> before = mse([model([1.0, 2.0])], [0.5]).data
>>> for _ in range(20):
...     loss = mse([model([1.0, 2.0])], [0.5])
...     opt.zero_grad(); loss.backward(); opt.step()
>>> loss.data < before
True
"""

from nn.activations import ACTIVATIONS, get_activation
from nn.diagnostics import dead_neurons
from nn.gradcheck import check_model_gradients
from nn.layers import MLP, Layer, Neuron
from nn.losses import LOSSES, binary_cross_entropy, get_loss, hinge, l2, mse
from nn.module import Module
from nn.multiclass import cross_entropy, softmax
from nn.optim import SGD, Adam, AdamW
from nn.serialize import load, save

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "Layer",
    "Module",
    "Neuron",
    "binary_cross_entropy",
    "check_model_gradients",
    "cross_entropy",
    "dead_neurons",
    "get_activation",
    "get_loss",
    "hinge",
    "l2",
    "load",
    "mse",
    "save",
    "softmax",
]
