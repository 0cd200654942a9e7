# Betrokken: `make run` starts the hub on the embedded default, `make test` runs the suite.
# Both set up whatever a fresh Debian machine lacks first, and only what they need.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PG_BIN := /usr/lib/postgresql/15/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run-deps test-deps run test test-fast lint bench bench-audit bench-officer bench-browser bench-laa clean

# Debian packages: libsodium for ristretto255, which running the hub needs; for the tests
# also PostgreSQL 15 (integration tests, the bench), Node.js (the OpenID provider the
# identity tests start) and Chromium (the browser tests drive Debian's build through
# Playwright, which cannot download one of its own here). Each is installed only when what
# it provides is missing.
RUN_PACKAGES := libsodium23
TEST_PACKAGES := $(RUN_PACKAGES) postgresql-15 nodejs npm chromium
HAVE_libsodium23 := ldconfig -p | grep -q 'libsodium\.so\.23'
HAVE_postgresql-15 := [ -x $(PG_BIN)/initdb ]
HAVE_nodejs := command -v node >/dev/null
HAVE_npm := command -v npm >/dev/null
HAVE_chromium := [ -x /usr/bin/chromium ]
# High availability (`make test-ha`): Patroni, etcd and HAProxy, which the HA tests start
# themselves on 127.0.0.1 as an unprivileged user; the packages' own services are not used.
HA_PACKAGES := patroni etcd-server haproxy
HAVE_patroni := [ -x /usr/bin/patroni ]
HAVE_etcd-server := [ -x /usr/bin/etcd ]
HAVE_haproxy := [ -x /usr/sbin/haproxy ]

# $(call apt_install,PACKAGES): apt-get install those of PACKAGES whose HAVE_ check fails.
define apt_install
	@missing=""; \
	$(foreach package,$(1),$(HAVE_$(package)) || missing="$$missing $(package)";) \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

run-deps:
	$(call apt_install,$(RUN_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_PACKAGES))

# Everything a developer needs: the test packages and the venv with the dev extras.
setup: test-deps $(DEV_STAMP)

# The venv with the package; the dev extras (pytest, ruff, mypy, ...) on top for the tests.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The web app (web/, docs in web/README.md): its npm packages, pinned by the lock file, and
# its build in web/dist, which the hub serves at /app/. Each is redone only when its inputs
# changed: the lock file for the packages, the sources for the build.
.PHONY: web-deps web clean-web
WEB := web
WEB_PACKAGES := nodejs npm
WEB_INSTALLED := $(WEB)/node_modules/.installed
WEB_BUILT := $(WEB)/.stamp-built
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/static -type f 2>/dev/null) \
	$(WEB)/build.mjs $(WEB)/tsconfig.json $(WEB)/tsconfig.sw.json

web-deps:
	$(call apt_install,$(WEB_PACKAGES))

$(WEB_INSTALLED): $(WEB)/package.json $(WEB)/package-lock.json | web-deps
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd $(WEB) && node build.mjs
	touch $@

web: $(WEB_BUILT)

clean: clean-web
clean-web:
	rm -rf $(WEB)/node_modules $(WEB)/dist $(WEB_BUILT)

run: run-deps web $(STAMP)
	$(BIN)/betrokken db upgrade
	$(BIN)/betrokken demo seed
	$(BIN)/betrokken serve

# The OpenID provider (oidc-provider, pinned by its lock file) that the identity tests start.
OIDC := tests/identity/oidc
$(OIDC)/node_modules/.installed: $(OIDC)/package.json $(OIDC)/package-lock.json | test-deps
	cd $(OIDC) && npm ci --no-audit --no-fund
	touch $@

test: setup lint web $(OIDC)/node_modules/.installed
	$(BIN)/pytest -m "not ha and not bench and not slow" --durations=15

# The high-availability tests (docs/operations.md): a Patroni cluster failed over under
# load, several hub processes on one database, a backup restored, and the compose topology
# run as native processes (deploy/compose.yaml); with them the benchmarks' runs at a tiny
# size (tests/bench), which keep the bench code working, and the end-to-end runs of half
# a minute each (marked slow), which keep `make test` under 15 minutes on two cores. They
# start their own etcd, Patroni, PostgreSQL and HAProxy, so they run apart from
# `make test`; -s shows the failover and restore figures they print (docs/operations.md).
# Bounded: each test fails after 5 minutes, and the whole run is stopped (its processes
# too) after 25.
.PHONY: ha-deps test-ha
ha-deps:
	$(call apt_install,$(HA_PACKAGES))

test-ha: setup ha-deps web $(OIDC)/node_modules/.installed
	timeout --kill-after=60 1500 $(BIN)/pytest -m "ha or bench or slow" -s

# The quick loop while working: SQLite only, and no server started (no PostgreSQL, no
# OpenID provider, no hub or pseudonymiser processes, no browser), so none needs
# installing; the tests spread over the cores (pytest-xdist). `make test` (CI) runs
# everything.
FAST := not postgres and not processes and not bench and not browser and not ha
test-fast: run-deps $(DEV_STAMP)
	$(BIN)/pytest -n auto -m "$(FAST)"

lint: $(DEV_STAMP) $(WEB_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crypto policies hub api connectors testsupport
	cd $(WEB) && npm run --silent typecheck

# e.g. make bench BENCH_ARGS="--flags 20000 --seconds 5"; see docs/benchmarks.md.
bench: setup
	[ -x $(BIN)/py-spy ] || $(BIN)/pip install -q py-spy
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The audit log at scale (docs/benchmarks.md, issue 21): proofs at 10 million entries, the
# export and offline verification of 1 million with peak memory; e.g.
# BENCH_ARGS="--entries 200000 --export-entries 50000 --rounds 1".
bench-audit: setup
	$(BIN)/python -m bench.audit $(BENCH_ARGS)

# The privacy officer's queries at 100 million audit entries (docs/benchmarks.md, issue 22):
# searches, the six reports, an inzage and an alert evaluation, each against its plain SQL;
# e.g. BENCH_ARGS="--entries 200000 --rounds 1".
bench-officer: setup
	$(BIN)/python -m bench.officer $(BENCH_ARGS)

# LAA import throughput end to end: a WALAA export of 100,000 signals through the connector,
# the pseudonymiser and the hub, with its baselines (docs/benchmarks.md); e.g.
# BENCH_ARGS="--signals 5000 --baseline 2000".
bench-laa: setup
	$(BIN)/python -m bench.laa_import $(BENCH_ARGS)

# The browser's blind + verify + finalize per identifier against the Python client's, in
# Chromium on this machine (docs/benchmarks.md); e.g. BENCH_ARGS="--identifiers 50". It
# needs the web app's build (`make web`).
bench-browser: setup web
	$(BIN)/python -m bench.browser_oprf $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .betrokken .pytest_cache .mypy_cache .ruff_cache $(OIDC)/node_modules artifacts
