# The two commands a newcomer needs: `make demo` and `make test`.
# Both build everything from nothing (venv, Python packages, npm toolchain) and are idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Slither needs web3<8, the app pins web3 8: it gets its own venv (a CLI tool, run as a subprocess by the tests).
SLITHER_VENV  := .venv-slither
SLITHER_STAMP := $(SLITHER_VENV)/.installed
# titanoboa (the `bench speed` comparison) pins its own py-evm stack: a venv of its own too. Its stamp holds the
# constraints' sha256, as bench/titanoboa.py writes it when it makes the venv on first use; it gets safe-pysha3
# too (bench/titanoboa.py's EXTRAS): boa's process inherits ETH_HASH_BACKEND=pysha3 from tradechain.
BOA_VENV  := .venv-boa
BOA_STAMP := $(BOA_VENV)/.installed

.PHONY: demo test setup test-deps clean

demo: $(STAMP) node_modules/.installed  # the demo needs no static analyser
	$(BIN)/tradechain demo

# The installs are independent (their own venvs and folders), and mostly wait on downloads and the disk: made side
# by side; --output-sync keeps each one's output together.
test:
	$(MAKE) -j5 --output-sync=target setup test-deps
	$(BIN)/python -m pytest

# The servers the read-side tests drive for real: headless Chromium (browser tests through Playwright; browsers
# cannot be downloaded here, Debian's is used), PostgreSQL (started by a pytest fixture as the postgres user) and
# wrk (the HTTP load generator of `bench index`, smoke-tested). Installed from Debian when missing; needs root
# (or sudo), as on a fresh CI machine.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_DEBS := chromium postgresql wrk
test-deps:
	@missing=""; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing from Debian"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(TEST_DEBS); \
	fi

setup: $(STAMP) $(SLITHER_STAMP) $(BOA_STAMP) node_modules/.installed hardhat-op/node_modules/.installed

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $@

$(SLITHER_STAMP): constraints-slither.txt
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install -q --disable-pip-version-check -c constraints-slither.txt slither-analyzer
	touch $@

$(BOA_STAMP): constraints-boa.txt
	$(PYTHON) -m venv --clear $(BOA_VENV)
	$(BOA_VENV)/bin/pip install -q --disable-pip-version-check -c constraints-boa.txt \
		"$$(grep -i '^titanoboa==' constraints-boa.txt)" "$$(grep -i '^safe-pysha3==' constraints-boa.txt)"
	sha256sum constraints-boa.txt | cut -d' ' -f1 > $@

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
	rm -rf build .venv $(SLITHER_VENV) .venv-boa node_modules hardhat-op/node_modules .pytest_cache
