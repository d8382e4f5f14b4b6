"""Second derivatives at work: Newton's method finds a minimum in a handful of steps.

Newton's step x <- x - f'(x) / f''(x) needs the second derivative. grad(f(x), [x],
create_graph=True) returns f'(x) as a Value still connected to x, so differentiating it again
gives f''(x): no formula for f'' is written anywhere.
"""

from __future__ import annotations

from autograd import Value, grad
from demos.common import demo_arguments


def f(x: Value) -> Value:
    return x**4 - 3 * x**2 + x + (0.5 * x).exp()


def newton(x0: float, steps: int = 8) -> list[tuple[float, float, float, float]]:
    """(x, f(x), f'(x), f''(x)) at every step."""
    history, x = [], x0
    for _ in range(steps):
        v = Value(x)
        y = f(v)
        (d1,) = grad(y, [v], create_graph=True)
        (d2,) = grad(d1, [v])
        history.append((x, y.data, d1.data, d2))
        x = x - d1.data / d2
    return history


def main(argv: list[str] | None = None) -> None:
    demo_arguments("newton_second_derivative", __doc__).parse_args(argv)  # no options: --help; anything else refused
    print(__doc__)
    print("  f(x) = x**4 - 3 x**2 + x + exp(x / 2), from x = 2:\n")
    print(f"  {'step':>4} {'x':>20} {'f(x)':>14} {'f`(x)':>12} {'f``(x)':>12}")
    for k, (x, y, d1, d2) in enumerate(newton(2.0)):
        print(f"  {k:>4} {x:>20.15f} {y:>14.8f} {d1:>12.3e} {d2:>12.5f}")
    print("\n  f'(x) goes to 0 quadratically (the number of correct digits doubles each step), and")
    print("  f''(x) > 0 there: a local minimum.")


if __name__ == "__main__":
    main()
