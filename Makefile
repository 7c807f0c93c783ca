# The few verbs people need. `make run` and `make test` set everything up themselves on a machine with
# Python 3.11+ (a virtualenv in .venv, the package and its test tools, the database migrations).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt i18n migrate wheel-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/consultbot migrate
	$(BIN)/consultbot run

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract messages from the code, merge them into every catalog, and check that every catalog compiles.
i18n: $(STAMP)
	$(BIN)/pybabel extract --mapping babel.cfg --keywords N_ --keywords __ --sort-by-file \
		--project consultbot --msgid-bugs-address "" --no-location -o locales/messages.pot .
	$(BIN)/pybabel update --input-file locales/messages.pot --output-dir locales --domain messages \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m bot.i18n_check

migrate: $(STAMP)
	$(BIN)/consultbot migrate

clean:
	rm -rf $(VENV) build dist *.egg-info
