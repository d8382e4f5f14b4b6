"""A scalar reverse-mode autodiff engine you can read like a textbook.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + x.exp()
>>> y.backward()
>>> round(x.grad, 6)  # 2x + e**x at x = 2
11.389056
"""

from autograd.check import GradcheckError, gradcheck, gradcheck_second_order, numerical_grad
from autograd.custom import op
from autograd.draw import draw_dot, render
from autograd.explain import explain_backward
from autograd.functions import dot, sum_values
from autograd.graph import grad, topological_order
from autograd.mode import is_grad_enabled, no_grad
from autograd.ops import OPS, table
from autograd.pages import walkthrough
from autograd.tape import Tape
from autograd.value import Value

__all__ = [
    "OPS",
    "GradcheckError",
    "Tape",
    "Value",
    "dot",
    "draw_dot",
    "explain_backward",
    "grad",
    "gradcheck",
    "gradcheck_second_order",
    "is_grad_enabled",
    "no_grad",
    "numerical_grad",
    "op",
    "render",
    "sum_values",
    "table",
    "topological_order",
    "walkthrough",
]
