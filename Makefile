# The two commands: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint sandbox bench chaos cassettes docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "omsform needs Python 3.11+")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# -n auto: one worker per core (pytest-xdist); worksteal evens out the long end-to-end tests.
# A single file or test is quicker without workers: `.venv/bin/python -m pytest tests/unit/...`.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
test: $(STAMP) lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

sandbox: $(STAMP)
	$(BIN)/omsform sandbox serve --port 8700 --db .omsform-sandbox.sqlite

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

docs: $(STAMP)  # regenerate docs/kinds/*.md and omsform.schema.json (a test fails when stale)
	$(BIN)/omsform docs --write docs/kinds
	$(BIN)/omsform schema -o omsform.schema.json

chaos: $(STAMP)
	$(BIN)/python -m tests.chaos.run

cassettes: $(STAMP)
	OMSFORM_RECORD=1 $(BIN)/python -m pytest tests/providers -k cassette

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache
