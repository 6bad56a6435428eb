# The README's two commands for a fresh machine are `make demo` and `make test`.
# Each creates .venv when missing and installs the pinned requirements; a second run
# skips the install while the requirement files are unchanged.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint format bench clean

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

test: lint
	$(BIN)/python -m pytest $(ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m pocc bench $(ARGS)

clean:
	rm -rf $(VENV) .pocc dist .pytest_cache .ruff_cache
