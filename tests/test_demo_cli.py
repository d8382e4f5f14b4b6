"""The demos' command line: every demo takes --help, refuses what it cannot use through argparse, and runs at
the smallest values it accepts. The demos are the ones `python -m demos` lists (demos/__main__.py)."""

from __future__ import annotations

import importlib

import pytest

from demos import __main__ as launcher
from demos.__main__ import DEMOS


def main_of(name: str):
    return importlib.import_module(f"demos.{name}").main


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demo_shows_its_usage_on_help_and_runs_nothing(name, capsys):
    with pytest.raises(SystemExit) as exited:
        main_of(name)(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m demos {name}")  # printed first: nothing ran before it


@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demo_refuses_an_option_it_does_not_know(name, capsys):
    with pytest.raises(SystemExit) as exited:
        main_of(name)(["--bogus"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


# Each once crashed deep inside the demo (IndexError, ZeroDivisionError, UnboundLocalError) or ran on regardless.
EDGES = [
    ("two_moons", ["--steps", "0"], "argument --steps: must be a whole number >= 1, got '0'"),
    ("regression_linear_output", ["--steps", "0"], "argument --steps: must be a whole number >= 1, got '0'"),
    ("yin_yang", ["--steps", "0"], "argument --steps: must be a whole number >= 1, got '0'"),
    ("yin_yang", ["--points", "0"], "argument --points: must be a whole number >= 10, got '0'"),
    ("yin_yang", ["--points", "3"], "argument --points: must be a whole number >= 10, got '3'"),
    ("yin_yang", ["--hidden", "0"], "argument --hidden: must be a whole number >= 1, got '0'"),
    ("delta_rule_networks", ["--steps", "0"], "argument --steps: must be a whole number >= 1, got '0'"),
    ("delta_rule_networks", ["--steps", "-1"], "argument --steps: must be a whole number >= 1, got '-1'"),
    ("two_moons", ["--steps", "1.5"], "argument --steps: must be a whole number >= 1, got '1.5'"),
    ("training_explorer", ["--every", "0"], "argument --every: must be a whole number >= 1, got '0'"),
    ("yin_yang", ["--engine", "gpu"], "argument --engine: invalid choice: 'gpu'"),
]


@pytest.mark.parametrize(("name", "args", "message"), EDGES, ids=[f"{n} {' '.join(a)}" for n, a, _ in EDGES])
def test_a_value_a_demo_cannot_use_is_refused_by_argparse_naming_it(name, args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main_of(name)(args)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


SMALLEST = [
    ("two_moons", ["--steps", "1"]),
    ("regression_linear_output", ["--steps", "1"]),
    ("yin_yang", ["--steps", "1", "--points", "10", "--hidden", "1"]),
    ("delta_rule_networks", ["--steps", "1"]),
]


@pytest.mark.parametrize(("name", "args"), SMALLEST, ids=[f"{n} {' '.join(a)}" for n, a in SMALLEST])
def test_a_demo_runs_at_the_smallest_values_it_accepts(name, args, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_OUT", str(tmp_path))
    main_of(name)(args)
    assert capsys.readouterr().out  # it ran to the end and said what it did


def test_python_m_demos_refuses_an_unknown_demo_and_quick_without_all(capsys):
    for args, message in ((["nonesuch"], "invalid choice: 'nonesuch'"),
                          (["--quick"], "--quick shortens `--all`"),
                          (["--bogus"], "unrecognized arguments: --bogus")):
        with pytest.raises(SystemExit) as exited:
            launcher.main(args)
        assert exited.value.code == 2
        assert message in capsys.readouterr().err


def test_python_m_demos_lists_the_demos_and_help_names_each(capsys):
    launcher.main([])
    listed = capsys.readouterr().out
    with pytest.raises(SystemExit):
        launcher.main(["--help"])
    helped = capsys.readouterr().out
    for name in DEMOS:
        assert name in listed and name in helped
