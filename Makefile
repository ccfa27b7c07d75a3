# The two commands a newcomer needs: `make demo` and `make test`.
# Both build everything from nothing (venv, Python packages, npm toolchain) and are idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Slither needs web3<8, the app pins web3 8: it gets its own venv (a CLI tool, run as a subprocess by the tests).
SLITHER_VENV  := .venv-slither
SLITHER_STAMP := $(SLITHER_VENV)/.installed

.PHONY: demo test setup clean

demo: $(STAMP) node_modules/.installed  # the demo needs no static analyser
	$(BIN)/tradechain demo

test: setup
	$(BIN)/python -m pytest

setup: $(STAMP) $(SLITHER_STAMP) node_modules/.installed hardhat-op/node_modules/.installed

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $@

$(SLITHER_STAMP): constraints-slither.txt
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install -q --disable-pip-version-check -c constraints-slither.txt slither-analyzer
	touch $@

# `npm install` against the committed lock (exact pins), not `npm ci`: the registry reachable here has
# no darwin/win32 builds of anvil, so `npm ci` can never see the lock as complete.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Hardhat 3 (OP Stack chain type) needs Node >= 22.10 and cannot share node_modules with Hardhat 2: its own
# folder, with a Node binary from npm. Only the L1-data-fee test uses it.
hardhat-op/node_modules/.installed: hardhat-op/package.json hardhat-op/package-lock.json
	cd hardhat-op && npm install --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf build .venv $(SLITHER_VENV) node_modules hardhat-op/node_modules .pytest_cache
