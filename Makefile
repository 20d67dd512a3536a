# The two commands: `make run` (install, migrate, demo data, start everything) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := mentoring.settings
# Without -p honcho gives the web process PORT=5000; the README promises 8000 (PORT overrides).
HONCHO = PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $${PORT:-8000}

.PHONY: run test install lint format migrate demo worker beat web clean-var vendor bench translations messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

# The compiled translations (.mo) are built here, never committed.
translations: install
	$(BIN)/python manage.py compile_translations

# After changing marked strings: bring the Spanish and Arabic catalogues up to date (needs GNU
# gettext's xgettext; `apt-get install gettext`). Then translate what is new and empty.
messages: install
	$(BIN)/python manage.py makemessages --locale es --locale ar --no-obsolete --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'var/*' --ignore 'staticfiles/*'

migrate: translations
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	@echo
	@echo "  Mentoring is starting on http://127.0.0.1:$${PORT:-8000}/"
	@echo "  Demo logins (password: mentoring-demo):"
	@echo "    coordinator@demo.mentoring.test  (coordinator; admin at /admin/)"
	@echo "    mentor1@demo.mentoring.test, mentee1@demo.mentoring.test  (participants)"
	@echo "  Email is written to var/mail/ (one .log file per message batch)."
	@echo "  Stop with Ctrl-C."
	@echo
	$(HONCHO)

web worker beat: demo
	$(HONCHO) $@

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

vendor:
	bin/vendor-assets

bench: install
	$(BIN)/python bench/matching.py

clean-var:
	rm -rf var/
