# Ketamine Clinic Finder -- a fresh machine needs only python3.11 and make.
#
#   make run [DATA=path/to/clinics.csv]   set up .venv and start the app
#   make serve [PORT=8080] [REPLICAS=n]    production: replicas behind nginx (deploy/)
#   make test                             set up .venv, lint, type-check, run all tests
#   make i18n                             refresh the translation catalogs (directory/locale)
#   make lint | typecheck | bench | clean | distclean
#
# Dependencies are installed only when requirements*.txt change (stamp files in .venv).
# `playwright install` is never run: browser tests use the Debian Chromium package.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
VENV_PY     := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev
PIP         := PIP_DISABLE_PIP_VERSION_CHECK=1 $(VENV_PY) -m pip

# Interpreter used to create .venv: python3.11, else python3 (must be 3.11).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

DATA        ?= data/clinics.csv
CHROMIUM    := /usr/bin/chromium
NGINX       := /usr/sbin/nginx
# Debian's libnginx-mod-http-brotli-filter: smaller JavaScript for a patient's first visit.
BROTLI_MODULE := /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so
PORT        ?= 8080
# One replica per core by default (each Streamlit process runs its scripts on one core).
REPLICAS    ?= $(shell nproc 2>/dev/null || echo 2)
# axe-core (accessibility checks in the browser tests), pinned in package-lock.json.
AXE         := node_modules/axe-core/axe.min.js
PYTEST_ARGS ?=

.PHONY: axe help i18n run serve nginx test test-fast lint typecheck bench chromium clean distclean

help:
	@echo "make run [DATA=path]  start the app (default data: $(DATA))"
	@echo "make serve [PORT=8080] [REPLICAS=n] [DATA=path]  replicas behind nginx (docs/deploy.md)"
	@echo "make test             lint, type-check and run the whole test suite"
	@echo "make test-fast        lint, type-check and run the tests not marked slow"
	@echo "make lint             ruff check + ruff format --check"
	@echo "make typecheck        mypy (paths from [tool.mypy] files in pyproject.toml)"
	@echo "make i18n             extract the patient text and update directory/locale/*/messages.po"
	@echo "make bench            run every benchmarks/bench_*.py"
	@echo "make clean            remove caches and test artifacts (keeps .venv)"
	@echo "make distclean        clean, and remove .venv too"

# ------------------------------------------------------------------ virtualenv + deps
$(VENV_PY):
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: neither python3.11 nor python3 is on PATH" >&2; exit 1; fi
	@if ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then \
		echo "error: $(PYTHON) is Python $$("$(PYTHON)" -c 'import platform; print(platform.python_version())'); Python 3.11 is required" >&2; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	@"$(PYTHON)" -m venv $(VENV) || { \
		echo "error: could not create $(VENV); on Debian/Ubuntu: apt-get install python3.11-venv" >&2; \
		exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(VENV_PY)
	$(PIP) install --quiet -r requirements.txt
	@touch $@

# requirements-dev.txt includes requirements.txt, so it satisfies the runtime stamp too.
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV_PY)
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

# ------------------------------------------------------------------------------ run
run: $(RUNTIME_STAMP)
	CLINICS_CSV="$(DATA)" $(VENV)/bin/streamlit run app.py

# The production layout on one host (docs/deploy.md): $(REPLICAS) warm replicas on loopback
# ports behind nginx on port $(PORT). Ctrl-C stops everything (deploy/serve.py).
serve: $(RUNTIME_STAMP) nginx
	CLINICS_CSV="$(DATA)" $(VENV_PY) deploy/serve.py --port "$(PORT)" --replicas "$(REPLICAS)"

# nginx (Debian package) for `make serve`, installed when root, like Chromium below.
nginx:
	@if [ -x "$(NGINX)" ] && [ -e "$(BROTLI_MODULE)" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing nginx and its brotli filter (Debian packages) for make serve..."; \
		export DEBIAN_FRONTEND=noninteractive; \
		if apt-get update -qq >/dev/null && \
		   apt-get install -y -qq --no-install-recommends nginx libnginx-mod-http-brotli-filter >/dev/null; then \
			echo "nginx installed at $(NGINX)."; \
		else \
			echo "error: could not install nginx." >&2; exit 1; \
		fi; \
	elif [ -x "$(NGINX)" ]; then \
		echo "note: no brotli module ($(BROTLI_MODULE)); make serve compresses with gzip only."; \
	else \
		echo "error: $(NGINX) not found (install the 'nginx' package as root)." >&2; exit 1; \
	fi

# ----------------------------------------------------------------------------- test
# Browser tests need a real Chromium; they skip themselves when it is missing.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium (Debian package 'chromium') for the browser tests..."; \
		export DEBIAN_FRONTEND=noninteractive; \
		if apt-get update -qq >/dev/null && \
		   apt-get install -y -qq --no-install-recommends chromium >/dev/null; then \
			echo "Chromium installed at $(CHROMIUM)."; \
		else \
			echo "note: could not install Chromium; browser tests will be skipped." >&2; \
		fi; \
	else \
		echo "note: $(CHROMIUM) not found (install the 'chromium' package as root);" \
		     "browser tests will be skipped."; \
	fi

# The accessibility tests inject axe-core from npm into Chromium; they skip without it.
$(AXE): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing npm (Debian package 'npm') for axe-core..."; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends npm >/dev/null || true; \
	fi
	@if command -v npm >/dev/null 2>&1 && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; then \
		touch $@; \
	else \
		echo "note: could not install axe-core from npm; accessibility tests will be skipped." >&2; \
	fi

axe: $(AXE)

# ------------------------------------------------------------------ translations
# Extract every marked message (_, ngettext, N_) into the template, then merge it into each
# language's catalog: new messages arrive empty, changed ones fuzzy, so a translator (and
# tests/test_i18n.py, which refuses empty and fuzzy entries) sees exactly what needs work.
# The app reads the .po files themselves at start (directory/i18n.py): nothing to compile.
LOCALE := directory/locale
i18n: $(RUNTIME_STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg --add-comments=TRANSLATORS: \
		--add-location=file --sort-by-file --width=88 --project="Ketamine Clinic Finder" \
		-o $(LOCALE)/messages.pot .
	$(VENV)/bin/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages \
		--width=88 --ignore-obsolete

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

test: $(DEV_STAMP) chromium nginx axe lint typecheck
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# The edit-test loop: skips @pytest.mark.slow (browser tests, big property tests,
# subprocesses that load the gazetteer). `make test` still runs everything.
test-fast: $(DEV_STAMP) lint typecheck
	$(VENV)/bin/pytest -n auto -m "not slow" $(PYTEST_ARGS)

# ---------------------------------------------------------------------------- bench
bench: $(RUNTIME_STAMP)
	@shopt -s nullglob; benches=(benchmarks/bench_*.py); \
	if [ $${#benches[@]} -eq 0 ]; then echo "No benchmarks/bench_*.py found."; exit 0; fi; \
	for b in "$${benches[@]}"; do \
		echo "== $$b"; \
		PYTHONPATH="$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH}" $(VENV_PY) "$$b" || exit 1; \
	done

# ---------------------------------------------------------------------------- clean
clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis artifacts
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
