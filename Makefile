# driftscan: `make demo` shows it work, `make test` runs every test. Both install what they need.
# target/ is kept between runs: a clean build of aws-sdk-ec2 takes minutes on two cores.

PYTHON ?= python3
VENV   := .venv
CARGO  ?= cargo
# A fresh clone has no Cargo.lock changes to make; --locked keeps CI on the committed versions.
CARGO_FLAGS ?= --locked

.PHONY: all build venv chromium postgresql test test-postgres lint audit audit-refresh unit demo eval bench clean help

all: build

help:
	@echo "make demo   build, start the local AWS emulator, create and drift a sample estate, scan it"
	@echo "make test   dependency audit, format and lint checks, unit tests, behaviour tests against the emulator"
	@echo "            (the history's tests twice: on SQLite, then on PostgreSQL)"
	@echo "make test-postgres  only the PostgreSQL pass of the history's behaviour tests"
	@echo "make audit  RustSec advisories against Cargo.lock (live database, else the snapshot in audit/)"
	@echo "make audit-refresh  re-take the advisory snapshot in audit/ (needs git and GitHub)"
	@echo "make eval   the synthetic evaluation of anomaly scoring (recall, false alarms, PR-AUC)"
	@echo "make bench  micro-benchmarks, then parse, history and emulator scan benchmarks in one table"
	@echo "make build  build target/debug/driftscan"
	@echo "make venv   install the pinned moto emulator into $(VENV)"
	@echo "make chromium  install Debian's chromium (the HTML report test renders in it)"
	@echo "make postgresql  install Debian's postgresql (the shared-history tests start a server of their own)"

build:
	$(CARGO) build $(CARGO_FLAGS)

# The virtualenv is rebuilt only when the pinned requirements change.
venv: $(VENV)/.installed
$(VENV)/.installed: tools/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	touch $@

# The HTML report test renders the page in headless Chromium. Debian's package, installed only
# when missing (needs root, as in CI containers); CHROMIUM=/path points the test elsewhere.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "installing chromium (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# The shared-history tests (tests/it/pg.rs) start a PostgreSQL server of their own in a temporary
# folder with Debian's server binaries, installed here only when initdb is missing; they fail,
# never skip, when it cannot start.
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		echo "installing postgresql (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; \
	fi

# RustSec advisories against Cargo.lock with cargo-audit from the venv. Fails on a vulnerability,
# on a crate the vendored snapshot does not cover, or when its self-test (a fixture lockfile with
# a known vulnerable version) passes. Offline in CI, which cannot reach GitHub: see README.
audit: venv
	bash tools/audit.sh

# Needs git and a network that reaches GitHub; writes audit/advisory-db and audit/covered-crates.txt.
audit-refresh:
	bash tools/audit-refresh.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy $(CARGO_FLAGS) --all-targets -- -D warnings

# The behaviour tests of everything that reads or writes the history run twice: on SQLite files
# (the whole suite), then on PostgreSQL (DRIFTSCAN_TEST_HISTORY=postgres, tests/it/store.rs),
# each test with a database of its own on one server the test process starts. shared_history
# names both backends itself, so it runs once.
PG_SUITE = alerts:: alerts_scan:: check:: faults:: fix:: history:: iam:: notify:: report:: scan:: \
	schedule:: secrets:: severity:: state_sources_scan:: storage_services:: suppress:: watch:: \
	watch_accounts:: watch_window:: workspaces::

PG_PASS = DRIFTSCAN_TEST_HISTORY=postgres CHROMIUM=$(CHROMIUM) $(CARGO) test $(CARGO_FLAGS) --test it -- \
	$(PG_SUITE) --skip shared_history::

test: venv chromium postgresql audit lint
	CHROMIUM=$(CHROMIUM) $(CARGO) test $(CARGO_FLAGS)
	$(PG_PASS)

# Only the PostgreSQL pass, for working on the shared history.
test-postgres: venv chromium postgresql
	$(PG_PASS)

# Deterministic (seeded): the figures in the README come from this.
eval:
	$(CARGO) run $(CARGO_FLAGS) --quiet --example eval

# Measures, never asserts: not part of `make test`. Release builds; the table is the README's.
# BENCH_FLAGS=--quick runs smaller sizes (300 instances, 10,000 resources, 100,000 changes).
bench: venv
	$(CARGO) bench $(CARGO_FLAGS) --bench micro -- --warm-up-time 1 --measurement-time 3 >&2
	$(CARGO) build $(CARGO_FLAGS) --release --bins --examples
	$(VENV)/bin/python tools/bench/run.py $(BENCH_FLAGS)

demo: venv build
	bash tools/demo.sh

clean:
	rm -rf $(VENV) demo-out bench-out .driftscan
