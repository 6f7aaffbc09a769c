# The one entry point for humans and CI: `make run`, `make test`, `make lint`, `make bench`, `make demo`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit demo bench soak clean web screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/editwatch run

lint: $(STAMP)
	$(BIN)/ruff check worker tests bench
	$(BIN)/ruff format --check worker tests bench
	$(BIN)/mypy --strict worker
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

test: lint
	$(BIN)/pytest -q -n 2

demo: $(STAMP)
	$(BIN)/editwatch demo

web: $(STAMP)
	$(BIN)/editwatch web

# The README's viewer screenshots, taken by the browser tests themselves.
screenshots: $(STAMP)
	EDITWATCH_WEB_SCREENSHOTS_DIR=docs $(BIN)/pytest -q tests/integration/test_web_browser.py

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.extraction --repeat 3
	$(BIN)/python bench/diff.py --check
	$(BIN)/python -m bench.truth --stories 50 --check
	$(BIN)/python bench/pages.py --check
	$(BIN)/python bench/render.py --check
	$(BIN)/python bench/schedule.py --sizes 100000
	$(BIN)/python bench/web.py
	$(BIN)/python -m bench.throughput

# 2 workers x 2 processes + beat on PostgreSQL for 10 minutes, with kills (EDITWATCH_TEST_PG_URL).
soak: $(STAMP)
	$(BIN)/python bench/soak.py --check

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
