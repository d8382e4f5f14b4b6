"""A first look at the engine: build an expression, run backward, read every gradient.

Every Value remembers the op that made it and its parents. backward() walks the graph from
the output back to the inputs, multiplying each op's local derivative (from the op table) by
the gradient flowing in, and adding up the contributions of every path.
"""

from __future__ import annotations

from autograd import Value, grad, table, topological_order
from demos.common import demo_arguments, example_expression


def main(argv: list[str] | None = None) -> None:
    demo_arguments("engine_tour", __doc__).parse_args(argv)  # no options: --help, and anything else is refused
    print(__doc__)
    L = example_expression()
    L.backward()
    print("L = (a * b + c) * f, after L.backward():")
    for node in topological_order(L):
        print(
            f"  {node.label:>2} = {node.data:6.2f}   dL/d{node.label} = {node.grad:6.2f}   (op {node.op or 'leaf'!r})"
        )
    print("\n  dL/da = f * b = 6: the chain rule, read off the graph.")
    x = Value(0.5, label="x")
    y = x.tanh() * x
    (dy,) = grad(y, [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    print(f"\nSecond derivatives come from the same rules: y = x tanh(x) at 0.5: y' = {dy.data:.6f}, y'' = {d2y:.6f}")
    print("\nThe op table (autograd/ops.py), every local derivative the engine knows:")
    print("  " + table().replace("\n", "\n  "))


if __name__ == "__main__":
    main()
