# The two commands: `make demo` and `make test`. Both bootstrap everything they need
# (virtualenv, Python packages, Azurite from npm, unixODBC and an ODBC driver) and are
# idempotent: a second run only does what changed. `make demo KEEP=1` leaves the devstack up;
# `make demo FLAVOR=fabric` runs the pipeline into the SQL DW emulator playing a Fabric Warehouse.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AZURITE := devstack/node_modules/.bin/azurite-blob
SYSTEM_STAMP := .bootstrap/unixodbc
PYPROJECTS := tap-intercom/pyproject.toml target-azure-sqldw/pyproject.toml devstack/pyproject.toml
PYTEST_ARGS ?=
# Test worker processes (pytest-xdist; 0: one process). The tests mostly wait on the services
# and plugin processes they start; each worker has its own session devstack, and a module's
# tests stay in one worker, in order (tests/conftest.py's xdist groups).
PYTEST_WORKERS ?= 2

.PHONY: demo test bootstrap lint typecheck unit-tests clean devstack-up devstack-down

demo: bootstrap
	@$(BIN)/python scripts/demo.py

test: bootstrap lint typecheck unit-tests

bootstrap: $(SYSTEM_STAMP) $(STAMP) $(AZURITE)

$(SYSTEM_STAMP): scripts/ensure-unixodbc.sh
	@bash scripts/ensure-unixodbc.sh
	@mkdir -p $(@D) && touch $@

$(STAMP): $(PYPROJECTS) requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
		|| { echo "Python >= 3.10 is needed ($(PYTHON) is older)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "bootstrap: installing Python packages into $(VENV)"
	@$(BIN)/python -m pip install -q --upgrade pip 2> >(grep -v 'is ignored: it is neither' >&2)
	@$(BIN)/python -m pip install -q -r requirements-dev.txt \
		-e ./tap-intercom -e ./target-azure-sqldw -e ./devstack \
		mssql-python-odbc 2> >(grep -v 'is ignored: it is neither' >&2)
	@touch $@

$(AZURITE): devstack/package.json
	@command -v npm >/dev/null || { echo "Node.js >= 18 with npm is needed for Azurite"; exit 1; }
	@echo "bootstrap: installing Azurite into devstack/node_modules"
	@npm install --prefix devstack --no-audit --no-fund --silent
	@touch $@

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

typecheck: $(STAMP)
	@$(BIN)/mypy

unit-tests: bootstrap
	@$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

devstack-up: bootstrap
	@$(BIN)/devstack up

devstack-down: $(STAMP)
	@$(BIN)/devstack down

clean:
	rm -rf $(VENV) devstack/node_modules .bootstrap .devstack .pytest_cache .mypy_cache .ruff_cache
