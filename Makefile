# Two commands: `make run` (demo on SQLite, tasks inline) and `make test`.
# pyenv picks Python 3.12 from .python-version; override with `make PYTHON=python3.13 …`.
PYTHON ?= python
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
MEMBERS ?= 2000

# Test settings: production-like (DEBUG off) but over plain HTTP and without collectstatic.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz} \
	ID_NUMBER_KEYS=$${ID_NUMBER_KEYS:-dGVzdC1vbmx5LWlkLW51bWJlci1rZXktMDEyMzQ1Njc=} \
	ID_NUMBER_HASH_KEY=$${ID_NUMBER_HASH_KEY:-test-only-id-number-hash-key-0123456789abcdef} \
	SECURE_SSL_REDIRECT=0 PLAIN_STATIC_STORAGE=1 DEBUG=0

.PHONY: run test venv lint format ci clean bench bench-statistics bench-notifications bench-pages bench-load

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), f"Python 3.12+ needed, found {sys.version.split()[0]}: make PYTHON=python3.12"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo --members $(MEMBERS)
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the demo logins above."
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# axe-core for the browser tests' accessibility checks comes from npm (package-lock.json);
# without npm those checks skip (CI requires them, see tests/e2e/conftest.py).
test: $(STAMP)
	@test -d node_modules || ! command -v npm >/dev/null || npm ci --no-audit --no-fund
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

ci:
	bash .ci/run

# The member directory against the Django admin on 100,000 members (needs PostgreSQL).
bench: $(STAMP)
	$(BIN)/python bench/directory.py

# The yearly statistics page and workbook on 100,000 members (needs PostgreSQL).
bench-statistics: $(STAMP)
	$(BIN)/python bench/yearly_statistics.py

# Batch notices to 100,000 members: freeze + enqueue, throughput with 2 worker processes to
# the fake gateway, beside one task per recipient (needs PostgreSQL and Redis; db lusong_bench11).
bench-notifications: $(STAMP)
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/11} $(BIN)/python bench/notifications.py

# The organization tree (page and every node) and the dashboard per login (needs PostgreSQL).
bench-pages: $(STAMP)
	$(BIN)/python bench/pages.py

# 20 → 50 → 100 people at once: Locust against gunicorn as production starts it, on
# 127.0.0.1 only; stops by itself (needs PostgreSQL and Redis; LOAD_ARGS to change levels).
bench-load: $(STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles test-artifacts .pytest_cache
