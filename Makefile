# One entry point. `make demo` runs the main job, `make test` checks everything (lint, types,
# tests). Both create and use .venv/ at the repository root and install what they need.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_HOME := $(CURDIR)/.demo/home

.PHONY: all venv demo test check lint typecheck pytest bench clean browser extension-deps extension-test package

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
	$(VENV)/bin/ruff check agent native_host tests bench extension
	$(VENV)/bin/ruff format --check agent native_host tests bench extension

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

# The extension's tools (eslint, web-ext) from package-lock.json; npm ci again when it changes.
NODE_STAMP := node_modules/.installed-stamp

$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "Installing Node.js and npm for the extension's checks…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

extension-deps: $(NODE_STAMP)

# The store zips (dist/) and their unpacked trees (build/): manifest.json, extension/, icons.
package:
	$(PYTHON) extension/tools/package.py

# Unit tests (node's runner), formatting (prettier), eslint, and web-ext lint on what the Firefox
# zip holds. `npm run format` rewrites the files prettier would change.
extension-test: extension-deps package
	node --test --test-reporter=spec tests/extension/
	npx prettier --check --log-level=warn --ignore-path .gitignore --ignore-path extension/.prettierignore extension tests/extension eslint.config.js
	npx eslint .
	npx web-ext lint --source-dir build/firefox --warnings-as-errors

check test: lint typecheck extension-test pytest

bench: venv
	$(PY) -m bench

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache node_modules build dist test-artifacts
