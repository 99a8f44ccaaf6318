# The two commands a fresh machine needs are `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install worker beat lint bench-import

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"

# Embedded default: SQLite, a Celery worker and beat on a broker folder (no server), mock email, rule-based
# scoring, demo data, login printed. `make run ADDR=0.0.0.0:8080` serves elsewhere; links in emails follow.
ADDR ?= 127.0.0.1:8000
SITE_URL ?= http://$(ADDR)
export SITE_URL
run: install
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py run_embedded $(ADDR)

test:
	bash scripts/test

worker:
	$(BIN)/celery -A leadops worker -l info

beat:
	$(BIN)/celery -A leadops beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
