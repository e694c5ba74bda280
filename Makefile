# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 >/dev/null 2>&1 && echo python3.12 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= 4
DB := $(PY) -m portal.pgembed run --
# The suite's workers (pytest-xdist): one per core, at most 4; TEST_WORKERS= runs it in one
# process. Each worker has a database of its own; see tests/conftest.py for the order kept.
TEST_WORKERS ?= --numprocesses=auto --maxprocesses=4 --dist=loadgroup

.PHONY: run serve test bench soak profile bench-deps lint format migrations-check ci browser-deps node-deps clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
	  { echo "Python 3.12+ is needed (found $$($(PYTHON) --version)); see .python-version"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# boot --worker: the job worker (trials/jobs.py) runs beside the server; Ctrl-C/SIGTERM stops both.
run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(DB) $(PY) manage.py boot --worker -- $(PY) manage.py runserver 127.0.0.1:$(PORT)

# portal/gunicorn_conf.py: the master builds the facet index once, the workers share it.
serve: $(VENV)/.installed
	$(DB) $(PY) manage.py boot --collectstatic --worker -- \
	  $(VENV)/bin/gunicorn portal.wsgi -c portal/gunicorn_conf.py --workers $(WORKERS) \
	  --bind 127.0.0.1:$(PORT) --access-logfile -

browser-deps:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver) >/dev/null; }

# axe-core, which the browser tests inject into pages to check accessibility (package.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "Installing Debian's npm for the accessibility checks"; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends npm) >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: node_modules/axe-core/axe.min.js

test: $(VENV)/.installed browser-deps node-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(DB) $(PY) -m pytest $(TEST_WORKERS)

bench-deps:
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian's wrk for the benchmarks"; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk) >/dev/null; }

# SOAK_ARGS="--size 100k --minutes 10"; see bench/soak.py and docs/benchmarks.md.
soak: $(VENV)/.installed bench-deps
	$(DB) $(PY) -m bench.soak $(SOAK_ARGS)

# BENCH_ARGS="--size 100k" etc.; see docs/benchmarks.md.
bench: $(VENV)/.installed bench-deps
	$(DB) $(PY) -m bench $(BENCH_ARGS)

# PROFILE_ARGS="words_plain [--size 100k] [--top 12] [--cprofile]": one query type timed in one
# process, its slowest URLs and their phases (bench/inprocess.py).
profile: $(VENV)/.installed
	$(DB) $(PY) -m bench.inprocess $(PROFILE_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

ci: test

clean:
	rm -rf $(VENV) staticfiles node_modules
