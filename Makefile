# The README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: run test install lint messages bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet -e ".[test,dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)
	@if command -v npm >/dev/null 2>&1 && [ -f package.json ]; then npm install --silent --no-audit --no-fund && $(PY) manage.py vendor_static; fi
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py devserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

messages: install
	$(PY) manage.py makemessages -l vi -l fa --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3* .celery-broker staticfiles node_modules
