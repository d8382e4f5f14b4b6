"""A zoo of bad inputs, and the rule a public function must follow when it is given one.

The rule: a call either works, or raises TypeError, ValueError, OverflowError or
ZeroDivisionError with the function's, the op's or the argument's name in the message; never
another exception, and never a silent non-finite result from finite inputs. NaN given as data
must come out as NaN (it propagates, as in PyTorch), not as a number.

Shared by the zoo tests of `nn` and, later, of the engine's functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from autograd import Value

ALLOWED_ERRORS = (TypeError, ValueError, OverflowError, ZeroDivisionError)


@dataclass(frozen=True)
class Bad:
    """One inhabitant of the zoo: `make()` gives a fresh value (lists and dicts are mutable)."""

    name: str
    make: Callable[[], Any]
    non_finite: bool = False  # nan, inf or -inf: the only inputs allowed to give a non-finite result
    nan: bool = False


ZOO: tuple[Bad, ...] = (
    Bad("nan", lambda: float("nan"), non_finite=True, nan=True),
    Bad("inf", lambda: float("inf"), non_finite=True),
    Bad("minus_inf", lambda: float("-inf"), non_finite=True),
    Bad("huge_int", lambda: 10**400),  # a finite number, but past float range
    Bad("np_float64", lambda: np.float64(0.5)),
    Bad("np_int64", lambda: np.int64(2)),
    Bad("np_bool", lambda: np.bool_(True)),
    Bad("empty_list", list),
    Bad("empty_tuple", tuple),
    Bad("empty_str", str),
    Bad("str", lambda: "abc"),
    Bad("none", lambda: None),
    Bad("complex", lambda: 1 + 2j),
    Bad("dict", lambda: {"a": 1}),
    Bad("object", object),
)
BY_NAME = {bad.name: bad for bad in ZOO}

# Expectations for one argument position, by zoo name ("works" or "raises"); a name left out may do either.
NUMPY_NUMBERS_WORK = {"np_float64": "works", "np_int64": "works", "np_bool": "works"}
NOTHING_WORKS = {bad.name: "raises" for bad in ZOO}
SETTING = {**NOTHING_WORKS, "np_float64": "works", "np_int64": "works"}  # a finite number, not a bool


@dataclass(frozen=True)
class Slot:
    """Where a zoo value goes: `put(args, value)` places it in a fresh argument list."""

    label: str
    put: Callable[[list, Any], None]
    expect: Mapping[str, str] = field(default_factory=dict)
    data: bool = False  # the value flows into the numbers computed (a NaN must come out as NaN)
    only: tuple[str, ...] | None = None  # the zoo names that make sense here (all when None)


def arg(i: int, label: str, **kw: Any) -> Slot:
    return Slot(label, lambda args, v: args.__setitem__(i, v), **kw)


def item(path: tuple[int, ...], label: str, **kw: Any) -> Slot:
    def put(args: list, v: Any) -> None:
        inner = args
        for k in path[:-1]:
            inner = inner[k]
        inner[path[-1]] = v

    return Slot(label, put, **kw)


@dataclass(frozen=True)
class Target:
    name: str
    make_args: Callable[[], list]
    call: Callable[[list], Any]
    names: tuple[str, ...]  # an error must contain one of these
    slots: tuple[Slot, ...]
    state: Callable[[list], list[float]] | None = None  # must be unchanged when the call raises
    in_folder: bool = False  # runs in a fresh temporary folder (it writes files)


def cases(targets: Iterable[Target], known: Mapping[str, str], not_run: Mapping[str, str]) -> list:
    """One pytest case per target, slot and zoo value, with id 'target:slot:value'.

    `known`: case id -> reason, for cases failing today because of code being fixed elsewhere (strict
    xfail: the case fails the suite the moment it passes, so the mark gets removed); `not_run`: the same
    for cases that would hang.
    """
    params = []
    for target in targets:
        for slot in target.slots:
            for bad in ZOO:
                if slot.only is not None and bad.name not in slot.only:
                    continue
                case_id = f"{target.name}:{slot.label}:{bad.name}"
                marks = []
                if case_id in known:
                    marks.append(pytest.mark.xfail(strict=True, reason=known[case_id]))
                if case_id in not_run:
                    marks.append(pytest.mark.xfail(run=False, strict=True, reason=not_run[case_id]))
                params.append(pytest.param(target, slot, bad.name, id=case_id, marks=marks))
    return params


def run_case(target: Target, slot: Slot, bad_name: str, request: Any) -> None:
    """One zoo case: put the bad value in the slot, call the target and check what happened."""
    if target.in_folder:
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))
    bad = BY_NAME[bad_name]
    args = target.make_args()
    slot.put(args, bad.make())
    check_outcome(
        lambda: target.call(args), bad, (*target.names, slot.label.split("[")[0]), slot.expect.get(bad.name, "either"),
        data=slot.data, state=(lambda: target.state(args)) if target.state is not None else None,
    )


def numbers_in(result: Any) -> list[float]:
    """Every float a result holds: a Value's data, numbers, arrays, lists, dicts, a model's parameters."""
    if isinstance(result, Value):
        return [result.data]
    if isinstance(result, (bool, np.bool_)) or result is None or isinstance(result, (str, bytes)):
        return []
    if isinstance(result, (int, float, np.number)):
        return [float(result)]
    if isinstance(result, np.ndarray):
        return [float(x) for x in result.ravel()] if result.dtype.kind in "iuf" else []
    if isinstance(result, Mapping):
        return numbers_in(list(result.values()))
    if hasattr(result, "parameters") and callable(result.parameters):  # a model or an optimizer's holder
        return [p.data for p in result.parameters()]
    if hasattr(result, "rows"):  # a gradient-check report
        return [x for row in result.rows for x in (row.analytic, row.numeric)]
    if isinstance(result, Iterable):
        return [x for item in result for x in numbers_in(item)]
    return []


def check_outcome(
    call: Callable[[], Any], bad: Bad, names: Iterable[str], expect: str = "either", data: bool = False,
    state: Callable[[], list[float]] | None = None,
) -> None:
    """Run `call` (one bad input inside) and assert the zoo's rule.

    `names`: words one of which an error message must contain. `expect`: "works", "raises" or
    "either". `data`: the bad input flows into the numbers computed, so a NaN must come out as NaN.
    `state`: what must be exactly the same after a raise (nothing half-done).
    """
    names = tuple(names)
    before = state() if state is not None else None
    try:
        result = call()
    except ALLOWED_ERRORS as error:
        message = str(error)
        assert expect != "works", f"{bad.name} should work, but raised {type(error).__name__}: {message}"
        assert any(name in message for name in names), (
            f"{type(error).__name__} does not name any of {names}: {message!r}"
        )
        if state is not None:
            after = state()
            assert _same_bits(after, before), f"raised after changing state: {before} -> {after}"
        return
    except Exception as error:  # the point of the zoo: any other exception is a defect
        raise AssertionError(f"{bad.name} raised {type(error).__name__} (not allowed): {error}") from error
    assert expect != "raises", f"{bad.name} was accepted; it should raise (result {result!r})"
    found = numbers_in(result)
    if data and bad.nan:
        assert any(math.isnan(x) for x in found), f"NaN went in and came out as numbers: {found}"
    if not bad.non_finite:
        assert all(math.isfinite(x) for x in found), f"{bad.name} gave a non-finite result: {found}"


def _same_bits(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b))
