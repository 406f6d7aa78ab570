# The two commands: `make run` starts the whole system, `make test` runs every test.
# Both create or reuse .venv and install the project first.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
TIME_SCALE ?= 600

.PHONY: run test install lint typecheck check bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Start Temporal, the simulators, the API and a worker (Ctrl-C stops everything).
run: $(STAMP)
	$(BIN)/c2m up --time-scale $(TIME_SCALE)

## Run the full test suite (unit, workflows, integration, e2e).
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy orchestrator workflows adapters simulators

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
