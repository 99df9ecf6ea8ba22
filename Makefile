# The README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: run test install lint messages bench fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet -e ".[test,dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The counter's QR scanner comes from npm when Node is here; without Node the camera button stays hidden.
VENDORED := static/vendor/qr-scanner/VERSION

$(VENDORED): package-lock.json | $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --silent --no-audit --no-fund && $(PY) manage.py vendor_static; \
	else echo "npm not found: the counter works without its camera button"; fi

install: $(STAMP) $(VENDORED)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py devserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The generated API tests (schemathesis, stateless and stateful) with a larger random budget than `make test`'s
# derandomised one: FUZZ_EXAMPLES examples (scenarios) per test, a new seed each run.
FUZZ_EXAMPLES ?= 500
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -m fuzz -p no:randomly -q $(PYTEST_ARGS)

# Hygiene, also run by .ci/run: ruff's rules and format, the import contract (the core never imports the program
# apps; no import cycles), and models that agree with their migrations.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q tests/test_import_graph.py
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	$(PY) manage.py makemessages -l vi -l fa --ignore=.venv --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3* .celery-broker staticfiles node_modules static/vendor/qr-scanner
