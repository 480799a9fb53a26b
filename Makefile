# Entry points. `make test` sets up and runs the tests; `make bench` (see README) the benchmarks.
.PHONY: setup test lint bench publish services-start services-stop

PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

test: setup
	$(PY) -m ruff check afirgen_fixtures afirgen_bench benchmarks tests
	$(PY) -m pytest

bench: setup
	$(PY) -m afirgen_bench history

publish: setup
	$(PY) -m afirgen_bench publish

lint: setup
	$(PY) -m ruff check afirgen_fixtures afirgen_bench benchmarks tests
	$(PY) -m ruff format --check afirgen_fixtures afirgen_bench benchmarks tests

services-start: setup
	$(PY) -m afirgen_fixtures.services start

services-stop:
	$(PY) -m afirgen_fixtures.services stop
