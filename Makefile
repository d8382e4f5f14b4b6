# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A stamp per set of extras, so an edit to pyproject.toml reinstalls.
STAMP := $(VENV)/.installed
# The extras `make test` installs. CI adds PyTorch, the extra oracle: make test TEST_EXTRAS=test,demo,fast,torch
TEST_EXTRAS ?= test,demo,fast

.PHONY: demo test lint bench notebook notebooks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP)-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	touch $@

# The 60,000-step tutorial run is shortened here (--quick); `python -m demos delta_rule_networks` runs it in full.
DEMO_ARGS ?= --quick

demo: $(STAMP)-demo,fast
	$(BIN)/python -m demos --all $(DEMO_ARGS)

test: $(STAMP)-$(TEST_EXTRAS)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)-test
	$(BIN)/ruff check .

# The extras `make bench` installs; add torch for the PyTorch columns: make bench BENCH_EXTRAS=bench,fast,torch
BENCH_EXTRAS ?= bench,fast

bench: $(STAMP)-$(BENCH_EXTRAS)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Open the notebooks of demos/notebooks/ in JupyterLab, installed into .venv on first use.
# JUPYTER_ARGS passes options on, e.g. make notebook JUPYTER_ARGS=--no-browser
notebook: $(STAMP)-notebook,demo,fast
	$(BIN)/jupyter lab demos/notebooks $(JUPYTER_ARGS)

# Run every notebook and store its outputs where they changed (tests/test_notebooks.py checks they are current).
notebooks: $(STAMP)-$(TEST_EXTRAS)
	$(BIN)/python -m tests.notebook_outputs

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
