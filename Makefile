# One entry point. `make demo` runs the main job, `make test` checks everything (lint, types,
# tests). Both create and use .venv/ at the repository root and install what they need.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_HOME := $(CURDIR)/.demo/home

.PHONY: all venv demo test check lint typecheck pytest bench clean browser

all: test

$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e . -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	rm -rf $(DEMO_HOME) && mkdir -p $(DEMO_HOME)
	BADGEKEEPER_HOME=$(DEMO_HOME) $(VENV)/bin/badgekeeper demo

lint: venv
	$(VENV)/bin/ruff check agent native_host tests bench
	$(VENV)/bin/ruff format --check agent native_host tests bench

typecheck: venv
	$(VENV)/bin/mypy

# Debian's chromium for the real-browser tests; installed when missing (root, as in CI).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

pytest: venv browser
	$(VENV)/bin/pytest -q

check test: lint typecheck pytest

bench: venv
	$(PY) -m bench

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
