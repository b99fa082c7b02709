# Two commands on a fresh machine: `make run` and `make test`.
# Dependencies come from the lock files (exact versions, hashes checked); `make lock` rewrites
# them from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
RUNTIME_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
# `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest allowed release.
LOCK_FLAGS ?=
COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_FLAGS)

.PHONY: run test lint types pytest bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# What the bot needs to run, and nothing else (no test tools).
$(RUNTIME_STAMP): $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# Runtime and development tools (ruff, mypy, pytest, playwright).
$(STAMP): $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install -q --no-deps -e .
	touch $@

run: $(RUNTIME_STAMP)
	$(BIN)/supportlive run

lint: $(STAMP)
	$(BIN)/ruff check bot probes storage tests bench
	$(BIN)/ruff format --check bot probes storage tests bench

types: $(STAMP)
	$(BIN)/mypy bot probes storage

pytest: $(STAMP)
	$(BIN)/pytest

test: lint types pytest

bench: $(STAMP)
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

# Both lock files from pyproject.toml; existing pins are kept unless LOCK_FLAGS=--upgrade.
# The runtime lock is constrained by the dev lock, so both pin the same versions.
lock: | $(BIN)/python
	$(BIN)/pip install -q 'uv>=0.9,<1'
	$(COMPILE) --extra dev -o $(DEV_LOCK)
	$(COMPILE) -c $(DEV_LOCK) -o $(LOCK)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
