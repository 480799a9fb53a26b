# Entry points. `make test` sets up and runs the tests; `make bench` the main job.
# The perf-* targets keep the original AFIRGen suite's names; each runs real benchmarks.
.PHONY: setup test lint bench publish perf-test perf-api perf-db perf-cache perf-load \
        perf-report perf-baseline perf-compare perf-ci perf-calibrate perf-proof \
        services-start services-stop

PY := .venv/bin/python
BENCH := $(PY) -m afirgen_bench
BASE ?= HEAD~1
HEAD ?= HEAD

setup:
	@bash scripts/setup.sh

test: setup
	$(PY) -m ruff check afirgen_fixtures afirgen_bench benchmarks tests
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check afirgen_fixtures afirgen_bench benchmarks tests
	$(PY) -m ruff format --check afirgen_fixtures afirgen_bench benchmarks tests

# Main job: benchmark new backend commits of main, compare the newest two, publish html/.
bench: setup
	$(BENCH) history

publish: setup
	$(BENCH) publish

# Benchmark HEAD (all, or one area) into results/, then check the SLA (exit 1 on a breach).
perf-test: setup
	$(BENCH) run --commit $(HEAD) --check-sla
perf-api: setup
	$(BENCH) run --commit $(HEAD) --bench '^api\.' --check-sla
perf-db: setup
	$(BENCH) run --commit $(HEAD) --bench '^database\.' --check-sla
perf-cache: setup
	$(BENCH) run --commit $(HEAD) --bench '^cache\.' --check-sla
# Locust: 15 users for 5 minutes against the real server, watched by a private Prometheus
# (docs/monitoring.md); exit 1 if a criterion fails.
perf-load: setup
	$(BENCH) load --users $(or $(USERS),15) --duration $(or $(DURATION),300)

# Record HEAD's results in results/: the baseline later commits are compared with.
perf-baseline: setup
	$(BENCH) run --commit $(HEAD)

# Judge HEAD against BASE from stored results (benchmarking either first if it has none).
perf-compare: setup
	@$(BENCH) compare $(BASE) $(HEAD) --run-missing --reports reports; code=$$?; \
	  echo "afirgen_bench exit code: $$code (0 good, 1 regression or SLA breach, 2 cannot judge)"; \
	  exit $$code

# Write the four reports (summary, detailed, JSON, PR comment) for BASE -> HEAD.
perf-report: setup
	$(BENCH) report $(BASE) $(HEAD) --output reports

# The pull-request check: BASE and HEAD benchmarked afresh, interleaved, then judged.
perf-ci: setup
	@$(BENCH) ci --base $(BASE) --head $(HEAD) --reports reports; code=$$?; \
	  echo "afirgen_bench exit code: $$code (0 good, 1 regression or SLA breach, 2 cannot judge)"; \
	  exit $$code

RUNS ?= 3
PAIRS ?= 20
LEVELS ?= 0,3,5,10

# A/A runs of HEAD against its twin: each benchmark's noise and minimum detectable effect on
# this machine, saved in calibration/ (commit it). 9-11 minutes per run (2026-11-29).
perf-calibrate: setup
	$(BENCH) calibrate runs --runs $(RUNS)

# Known slowdowns injected in a scratch clone, PR-checked PAIRS times per level.
perf-proof: setup
	$(BENCH) proof levels --pairs $(PAIRS) --levels $(LEVELS)

services-start: setup
	$(PY) -m afirgen_fixtures.services start

services-stop:
	$(PY) -m afirgen_fixtures.services stop
