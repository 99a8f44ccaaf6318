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

# Embedded default: SQLite, inline tasks, mock email, rule-based scoring, demo data, login printed.
run: install
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test:
	bash scripts/test

worker:
	$(BIN)/celery -A leadops worker -l info

beat:
	$(BIN)/celery -A leadops beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
