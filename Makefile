# Entry points. `make test` sets up and runs the tests; `make bench` (see README) the benchmarks.
.PHONY: setup test lint services-start services-stop

PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

test: setup
	$(PY) -m ruff check afirgen_fixtures tests
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check afirgen_fixtures tests
	$(PY) -m ruff format --check afirgen_fixtures tests

services-start: setup
	$(PY) -m afirgen_fixtures.services start

services-stop:
	$(PY) -m afirgen_fixtures.services stop
