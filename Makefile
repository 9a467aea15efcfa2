# Curbside developer entry points; `make help` lists them.
# Every variable below can be overridden from the environment or the command
# line, e.g. `make test TEST_ARGS='--filter RideTests'`.

SHELL := bash
# One shell per recipe, so the database exports eval'd on one line are still
# there on the next; strict mode, so a failing step stops the recipe.
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PG_DIR ?= .local/postgres
PG_PORT ?= 54320
TEST_PG_DIR ?= .local/test-postgres
TEST_PG_PORT ?= 54330
SWIFT ?= swift
CURBSIDE ?= .build/debug/curbside
TEST_ARGS ?=

.PHONY: help build run stop-db test clean-db format lint bench chaos chaos-short

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  %-9s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## Build the server
	@$(SWIFT) build

run: ## Migrate and serve; starts a local PostgreSQL in PG_DIR unless CURBSIDE_DB_HOST is set
	@if [[ -n "$${CURBSIDE_DB_HOST:-}" ]]; then
		echo "make: using the database configured in the environment ($$CURBSIDE_DB_HOST)" >&2
	else
		# Assign before eval: a failure inside "$$(...)" would be lost in eval's
		# arguments, but it does fail an assignment.
		db_env="$$(scripts/postgres.sh start '$(PG_DIR)' '$(PG_PORT)')"
		eval "$$db_env"
		echo "make: the local PostgreSQL in $(PG_DIR) keeps running after the server stops; 'make stop-db' stops it" >&2
	fi
	$(SWIFT) build
	$(CURBSIDE) db bootstrap
	$(CURBSIDE) migrate
	# exec, so Ctrl-C goes straight to the server rather than to a shell.
	exec $(CURBSIDE) serve

stop-db: ## Stop the local PostgreSQL started by `make run`
	@scripts/postgres.sh stop '$(PG_DIR)'

test: ## Lint, then run the tests against a throwaway primary + replicas (TEST_ARGS passed to the testing library)
	@$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Package.swift
	# The ops console test runs the page in headless Chromium: installed here as root (Debian's
	# package), otherwise the command to run is printed and the recipe stops before the long build.
	scripts/ensure-chromium.sh
	$(SWIFT) build --build-tests
	# The throwaway cluster must never outlive the run, whatever fails below;
	# the recipe still exits with the status of the step that failed.
	trap 'scripts/postgres.sh destroy "$(TEST_PG_DIR)" || true' EXIT
	# Start from scratch: leftovers of an interrupted run would make results
	# depend on history.
	scripts/postgres.sh destroy '$(TEST_PG_DIR)'
	db_env="$$(CURBSIDE_PG_FAST=1 scripts/postgres.sh start '$(TEST_PG_DIR)' '$(TEST_PG_PORT)' --replicas)"
	eval "$$db_env"
	$(CURBSIDE) db bootstrap
	$(CURBSIDE) migrate
	# The multi-process tests start this binary as separate `serve --service X` processes.
	# Suites run one after another: they share each service's database, and a background job
	# of one suite's server (the offer sweeper, the analytics exporter) would take another
	# suite's work. Concurrency is tested inside tests, against one shared database.
	# scripts/run-tests.py runs the test bundle as `swift test --no-parallel` would, with its output
	# unbuffered and a watchdog: a test running past TEST_HANG_SECONDS (300) is named and fails the run.
	CURBSIDE_TEST_BINARY="$$(pwd)/$(CURBSIDE)" scripts/run-tests.py $(TEST_ARGS)
	# Every money movement of the whole suite, checked once more: the ledger must balance.
	$(CURBSIDE) ledger audit
	# Every service's API fuzzed by schemathesis as admin, passenger and driver (no 5xx, every
	# response as documented), every OpenAPI document validated; reports in .build/test-artifacts.
	scripts/api-fuzz.sh '$(CURBSIDE)'
	# The fault-injection suite's short form (as `make chaos-short`): faults, then two instances of
	# everything behind HAProxy, and the invariants after each (about 5 minutes).
	scripts/chaos.py '$(CURBSIDE)' --short

clean-db: ## Stop and delete the local PostgreSQL in PG_DIR
	@scripts/postgres.sh destroy '$(PG_DIR)'

format: ## Format the sources with swift-format (.swift-format)
	@$(SWIFT) format format --in-place --recursive Sources Tests Benchmarks Package.swift

lint: ## Check formatting as `make test` does
	@$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks Package.swift

chaos: ## The fault-injection suite: faults and scale-out under a simulated city, a 10-minute soak, invariants (scripts/chaos.py)
	@$(SWIFT) build --product curbside
	scripts/chaos.py '$(CURBSIDE)'

# `make test` runs it too, last.
chaos-short: ## The fault-injection suite's short form (about 5 minutes, no soak)
	@$(SWIFT) build --product curbside
	scripts/chaos.py '$(CURBSIDE)' --short

BENCH_PG_DIR ?= .local/bench-postgres
BENCH_PG_PORT ?= 54350

bench: ## Build in release and print the benchmark table (throwaway PostgreSQL with normal durability; bench/run.sh)
	@$(SWIFT) build -c release --product curbside-bench
	$(SWIFT) build -c release --product curbside
	# The in-process suite (ordo-one/benchmark, Benchmarks/CurbsideBenchmarks).
	$(SWIFT) build -c release --product CurbsideBenchmarks
	trap 'scripts/postgres.sh destroy "$(BENCH_PG_DIR)" || true' EXIT
	scripts/postgres.sh destroy '$(BENCH_PG_DIR)'
	db_env="$$(scripts/postgres.sh start '$(BENCH_PG_DIR)' '$(BENCH_PG_PORT)')"
	eval "$$db_env"
	.build/release/curbside db bootstrap > /dev/null
	# Seeds 100,000 drivers, serves, drives wrk and curbside-bench, then the FastAPI baseline
	# (bench/compare.sh; CURBSIDE_BENCH_COMPARE=0 skips it). CURBSIDE_BENCH_* sizes: see bench/run.sh.
	CURBSIDE_BENCH_BIN=.build/release bench/run.sh
