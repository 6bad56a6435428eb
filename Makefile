# The README's two commands for a fresh machine are `make demo` and `make test`.
# Each creates .venv when missing and installs the pinned requirements; a second run
# skips the install while the requirement files are unchanged.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

WEB := webresources
NODE_STAMP := $(WEB)/node_modules/.installed

.PHONY: demo test lint format bench clean webresources-test browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP) $@

# The demo seeds its organisation with Faker, a development requirement.
demo: $(DEV_STAMP)
	$(BIN)/python -m pocc demo $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The web resources: prettier's formatting check, then their unit tests on Node's own
# test runner (Node 20 comes with the machine). npm ci reinstalls the pinned packages
# whenever package.json or the lockfile changes.
$(NODE_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

webresources-test: $(NODE_STAMP)
	cd $(WEB) && npx prettier --check pocc_ test && npm test

# The browser tests (tests/browser) drive Debian's Chromium through Playwright, which
# never downloads a browser of its own. apt-get runs only when Chromium is missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

test: lint webresources-test browser
	$(BIN)/python -m pytest $(ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m pocc bench $(ARGS)

clean:
	rm -rf $(VENV) .pocc dist .pytest_cache .ruff_cache $(WEB)/node_modules
