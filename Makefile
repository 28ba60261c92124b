# caulk — the two quick-start commands are `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck unit system-deps bench clean

$(BIN)/caulk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## Set up and scan the bundled example image (offline).
demo: $(BIN)/caulk
	$(BIN)/caulk scan oci:examples/demo-image:latest

## The whole test suite: system tools, lint, types, tests.
test: $(BIN)/caulk system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

system-deps:
	@bash scripts/system-deps.sh

bench: $(BIN)/caulk system-deps
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
