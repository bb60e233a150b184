# Two commands for a newcomer: `make demo` and `make test`. Each creates .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck fuzz bench audit lock compiled clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecsguard demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

fuzz: $(STAMP)
	ECSGUARD_FUZZ_EXAMPLES=100000 ECSGUARD_FUZZ_RUNS=1000000 $(BIN)/python -m pytest -q -n 2 tests/fuzz

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

audit: $(STAMP)
	$(BIN)/pip-audit -r requirements-ci.lock --progress-spinner off

compiled: $(STAMP)  # after editing shipped check or framework YAML
	$(BIN)/python -m ecsguard.shipped

lock: $(STAMP)
	(echo "# Exact versions CI installs (make lock regenerates this after pyproject.toml changes)"; \
	 $(BIN)/pip freeze --exclude-editable) > requirements-ci.lock

clean:
	rm -rf $(VENV) ecsguard-demo .pytest_cache .mypy_cache .ruff_cache
