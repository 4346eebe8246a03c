# Quick start: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps run test lint lock lock-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions, made from pyproject.toml's ranges by `make lock`: requirements.lock is the
# deployed service (the container image installs it), requirements-dev.lock adds the tests' tools
# at the same versions (make and CI install it).
COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url \
	--no-emit-find-links
SERVICE_LOCK := $(COMPILE) --extra service --extra heif pyproject.toml
DEV_LOCK := $(COMPILE) --extra service --extra heif --extra jpegli --extra jinja2 --extra test --constraint requirements.lock pyproject.toml

$(VENV)/.installed: pyproject.toml requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

system-deps:
	./scripts/system-deps

run: install
	@$(BIN)/python -c "import socket; socket.create_server(('$(HOST)', $(PORT)))" 2>/dev/null \
	  || (echo "make run: port $(PORT) on $(HOST) is taken: pick another, e.g. make run PORT=8010" >&2; exit 1)
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "resizer demo: http://$(HOST):$(PORT)/"
	$(BIN)/uvicorn settings.asgi:application --host $(HOST) --port $(PORT)

test: install system-deps lock-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-resolve after changing a range in pyproject.toml; pins that still fit are kept.
lock: install
	$(SERVICE_LOCK) --output-file requirements.lock
	$(DEV_LOCK) --output-file requirements-dev.lock

# CI: each lock must be what `make lock` makes of pyproject.toml today.
lock-check: install
	cp requirements.lock $(VENV)/check.lock
	cp requirements-dev.lock $(VENV)/check-dev.lock
	$(SERVICE_LOCK) --output-file $(VENV)/check.lock
	$(DEV_LOCK) --output-file $(VENV)/check-dev.lock
	@diff -u requirements.lock $(VENV)/check.lock && diff -u requirements-dev.lock $(VENV)/check-dev.lock \
	  || (echo "lock-check: a lock is stale against pyproject.toml: run make lock" >&2; exit 1)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache
