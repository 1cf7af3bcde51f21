# The two commands: `make demo` (install and run the demo) and `make test` (install and pass the tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/trialmatch
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install lock demo test lint test-embedded test-production services browser

LOCK := requirements.lock

# Installs exactly the versions in requirements.lock, every file checked against its hash (a new release
# upstream changes nothing), then this package itself without touching them.
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(VENV)/bin/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

## Re-resolve requirements.lock from pyproject.toml (keeps the pinned versions that still fit; add
## UPGRADE=--upgrade for the newest releases, or UPGRADE="--upgrade-package NAME" for one), then `make install`.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--python-platform x86_64-unknown-linux-gnu $(UPGRADE) -o $(LOCK)

## 1. Install, load the demo (SQLite, tasks in-process) and serve it on http://127.0.0.1:8000
demo: install
	$(PY) manage.py demo --serve

## 2. Install and pass every check: lint, types, migrations, tests on SQLite, then on PostgreSQL + Redis + Celery
test: install browser services lint test-embedded test-production

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy apps trialmatch
	$(PY) manage.py makemigrations --check --dry-run

# Integration tests (real PostgreSQL, Redis and Celery worker processes) are deselected here, explicitly:
# they run in test-production.
test-embedded: install
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -m "not integration" -n 2 -p no:cacheprovider

# The whole suite again on PostgreSQL, then the integration tests one at a time (they share Redis and workers).
test-production: install services
	DATABASE_URL=$(PG_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -m "not integration" -n 2 -p no:cacheprovider
	DATABASE_URL=$(PG_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest -m integration -p no:cacheprovider

services:
	bash .ci/services

browser:
	bash .ci/browser
