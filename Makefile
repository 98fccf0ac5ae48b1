# juki — two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# make run PORT=8001: serve on another port (the printed URLs follow it).
PORT   ?= $(or $(JUKI_PORT),8000)

.PHONY: run test lint install dev-install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install dev-install: $(STAMP)

## make run: set up, migrate the embedded database, load the demo city and staff, serve.
run: $(STAMP)
	$(BIN)/juki migrate --no-input
	JUKI_PORT=$(PORT) $(BIN)/juki demo --if-empty
	JUKI_PORT=$(PORT) $(BIN)/juki serve

## make test: lint and the whole suite (SQLite by default; DATABASE_URL for PostgreSQL).
test: $(STAMP)
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

## make lint: ruff on src and tests; mypy on src (configuration in pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var/test.sqlite3
