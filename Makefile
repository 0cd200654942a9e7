# Betrokken: `make run` starts the hub on the embedded default, `make test` runs the suite.
# Both set up whatever a fresh Debian machine lacks first.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_BIN := /usr/lib/postgresql/15/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-deps run test lint bench clean

setup: system-deps $(STAMP)

# Debian packages the hub and its tests need: libsodium for ristretto255, PostgreSQL 15
# for the integration tests, Node.js for the OpenID provider the identity tests start.
system-deps:
	@missing=""; \
	ldconfig -p | grep -q 'libsodium\.so\.23' || missing="$$missing libsodium23"; \
	[ -x $(PG_BIN)/initdb ] || missing="$$missing postgresql-15"; \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: setup
	$(BIN)/betrokken db upgrade
	$(BIN)/betrokken demo seed
	$(BIN)/betrokken serve

# The OpenID provider (oidc-provider, pinned by its lock file) that the identity tests start.
OIDC := tests/identity/oidc
$(OIDC)/node_modules/.installed: $(OIDC)/package.json $(OIDC)/package-lock.json | system-deps
	cd $(OIDC) && npm ci --no-audit --no-fund
	touch $@

test: setup lint $(OIDC)/node_modules/.installed
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crypto policies hub api

# e.g. make bench BENCH_ARGS="--flags 20000 --seconds 5"; see docs/benchmarks.md.
bench: setup
	[ -x $(BIN)/py-spy ] || $(BIN)/pip install -q py-spy
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .betrokken .pytest_cache .mypy_cache .ruff_cache $(OIDC)/node_modules
