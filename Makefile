# Strata: `make demo` and `make test` are the two commands; `make help` lists the rest.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Python 3.10 to 3.13: PYTHON=... when given, else the newest python3.X on the PATH that runs.
SUPPORTED_PYTHONS := 3.13 3.12 3.11 3.10
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for v in $(SUPPORTED_PYTHONS); do python$$v -c '' 2>/dev/null && { echo python$$v; break; }; done)
endif
PY_VERSION := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null))
LOCK := requirements/lock-py$(PY_VERSION).txt
VENV ?= .venv
BIN := $(VENV)/bin
# The stamp names the Python version: a venv made with another version is recreated.
INSTALLED := $(VENV)/.installed-py$(PY_VERSION)
DEMO_ARGS ?= --customers 5000 --months 24 --end-date 2025-06-30 --seed 42
export STRATA_DUCKDB_PATH ?= warehouse/strata.duckdb
# The venv is installed without byte-compiling (pip --no-compile: 69 s -> 24 s), so Python
# compiles what it imports and caches it once; PYTHONDONTWRITEBYTECODE (set on some machines)
# would make every dbt, strata and pytest process compile dbt's ~2,700 modules again: 7.2 s
# instead of 3.9 s for `import dbt.cli.main` (DECISIONS.md).
unexport PYTHONDONTWRITEBYTECODE
# numpy 2.2 (Python 3.10's) sets and unsets these while a dbt Python model imports it, and dbt's
# other threads then fail with KeyError: 'OPENBLAS_MAIN_FREE' (strata/dbt.py, NUMPY_IMPORT_ENV).
export OPENBLAS_MAIN_FREE ?= 1
export GOTOBLAS_MAIN_FREE ?= 1

.PHONY: help install demo data build summary refresh bench docs docs-build bi bi-install bi-export bi-lock test-bi bi-install-for-test install-spark test-engines test pytest lint lint-sql lint-python lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}' | \
	  sed -e 's|\$$(DOCS_DIR)|$(DOCS_DIR)|g' -e 's|\$$(DOCS_PORT)|$(DOCS_PORT)|g' -e 's|\$$(BI_PORT)|$(BI_PORT)|g'

$(INSTALLED): $(wildcard $(LOCK)) pyproject.toml
	@$(if $(filter $(PY_VERSION),$(SUPPORTED_PYTHONS)),true,echo '$(PYTHON_ERROR)' >&2; exit 1)
	@test -f $(LOCK) || { echo '$(LOCK) is missing: run make lock-py$(PY_VERSION)' >&2; exit 1; }
	@if [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != $(PY_VERSION) ]; then \
	  echo "Creating $(VENV) with $(PYTHON) (Python $(PY_VERSION))"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --no-compile -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed*
	touch $@

PYTHON_ERROR = Strata needs Python 3.10, 3.11, 3.12 or 3.13: $(if $(PYTHON),PYTHON=$(PYTHON) is $(or $(PY_VERSION),not a working interpreter),none of python3.13 / python3.12 / python3.11 / python3.10 runs on the PATH; install one or set PYTHON=/path/to/python3.X)

install: $(INSTALLED) ## Create the venv (VENV=..., default .venv): pinned dependencies and the strata command

data: install ## Generate the demo raw files into data/raw
	$(BIN)/strata generate --out data/raw $(DEMO_ARGS)

build: install ## dbt build (seeds, models, all tests) into $STRATA_DUCKDB_PATH; VARS='{...}' passes dbt vars
	$(BIN)/strata build --log-dir $(dir $(STRATA_DUCKDB_PATH))logs $(if $(VARS),--vars '$(VARS)')

summary: install ## Print the tier summary of the warehouse
	$(BIN)/strata summary

demo: data build summary ## Set up, generate demo data, build the warehouse, print the tier summary

refresh: install ## Scheduled refresh: lock, dbt build, publish the marts for BI (README "Scheduled refresh")
	$(BIN)/strata refresh $(REFRESH_ARGS)

DOCS_DIR ?= warehouse/docs
DOCS_PORT ?= 8080
docs-build: install ## Build the dbt docs site (lineage, models, columns, metrics) from the warehouse into $(DOCS_DIR)
	@test -f $(STRATA_DUCKDB_PATH) || { echo "$(STRATA_DUCKDB_PATH) is missing: run make demo (or a build) first, the site's column types come from it" >&2; exit 1; }
	$(BIN)/dbt docs generate --static --profiles-dir profiles --target-path $(DOCS_DIR) --log-path $(DOCS_DIR)/logs
	@echo "Docs site: $(DOCS_DIR)/static_index.html (one file; open it in a browser, or make docs to serve it)"

docs: docs-build ## Build the docs site and serve it on http://127.0.0.1:$(DOCS_PORT)/ (DOCS_PORT=...; Ctrl-C stops)
	@echo "Serving the docs site on http://127.0.0.1:$(DOCS_PORT)/ (Ctrl-C stops)"
	$(BIN)/python -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory $(DOCS_DIR)

# Superset (README "BI dashboard"): its own venv, Python 3.11 by default (its pins clash with dbt's).
BI_VENV ?= .venv-bi
BI_PYTHON ?= $(shell for v in 3.11 3.12 3.10; do python$$v -c '' 2>/dev/null && { echo python$$v; break; }; done)
BI_HOME ?= $(dir $(STRATA_DUCKDB_PATH))bi
BI_PORT ?= 8088
SERVING_FILE ?= $(or $(STRATA_SERVING_DIR),$(dir $(STRATA_DUCKDB_PATH))serving)/strata_serving.duckdb
BI_INSTALLED := $(BI_VENV)/.installed

$(BI_INSTALLED): bi/requirements.in bi/lock-py3.11.txt
	@test -n "$(BI_PYTHON)" || { echo "make bi needs python3.11, 3.12 or 3.10 (BI_PYTHON=...)" >&2; exit 1; }
	rm -rf $(BI_VENV)
	$(BI_PYTHON) -m venv $(BI_VENV)
	$(BI_VENV)/bin/python -m pip install --quiet --upgrade pip==25.3
	@if [ "$$($(BI_VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = 3.11 ]; then \
	  echo "$(BI_VENV)/bin/python -m pip install --quiet --no-compile -r bi/lock-py3.11.txt"; \
	  $(BI_VENV)/bin/python -m pip install --quiet --no-compile -r bi/lock-py3.11.txt; \
	else \
	  echo "$(BI_VENV)/bin/python -m pip install --quiet --no-compile -r bi/requirements.in (no lock for this Python)"; \
	  $(BI_VENV)/bin/python -m pip install --quiet --no-compile -r bi/requirements.in; fi
	$(BI_VENV)/bin/python bi/strata_bi.py template
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { echo "Installing Debian's chromium for the dashboard's browser test"; apt-get install -y -qq chromium >/dev/null; }; } || \
	  echo "chromium is not installed (apt-get install chromium): the dashboard's browser test will be skipped"
	touch $@

bi-install: $(BI_INSTALLED) ## Install Superset into .venv-bi (and Debian's chromium for its browser test)

bi: install $(BI_INSTALLED) ## Superset on the served copy (make refresh first if none): import bi/assets, serve on 127.0.0.1:$(BI_PORT)
	@test -f $(SERVING_FILE) || { echo "No served copy at $(SERVING_FILE) yet: make refresh publishes the warehouse's marts"; \
	  $(MAKE) --no-print-directory refresh; }
	$(BI_VENV)/bin/python bi/strata_bi.py setup --home $(BI_HOME) --serving $(SERVING_FILE)
	$(BI_VENV)/bin/python bi/strata_bi.py serve --home $(BI_HOME) --port $(BI_PORT)

bi-lock: ## Re-pin bi/lock-py3.11.txt from bi/requirements.in (needs python3.11)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; python3.11 -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip==25.3; \
	"$$tmp/venv/bin/python" -m pip install --quiet -r bi/requirements.in; \
	{ echo "# Full pinned tree of .venv-bi for Python 3.11, generated by 'make bi-lock' from bi/requirements.in."; \
	  echo "# Do not edit by hand."; "$$tmp/venv/bin/python" -m pip freeze; } > bi/lock-py3.11.txt

test-bi: install bi-install ## Only the dashboard's browser test (tests/python/test_bi.py, also run by make test)
	STRATA_REQUIRE_BI=1 $(BIN)/pytest -q -ra tests/python/test_bi.py

# make test installs Superset too; where this machine cannot (no python3.10-3.12, no network), it
# says so and test_bi.py is skipped with the reason, unless STRATA_REQUIRE_BI is set (CI).
bi-install-for-test:
	@$(MAKE) --no-print-directory bi-install || { test -z "$${STRATA_REQUIRE_BI:-}" && \
	  echo "make test: Superset could not be installed into $(BI_VENV) (above), so the dashboard's browser test will be skipped"; }

SPARK_INSTALLED := $(VENV)/.installed-spark
$(SPARK_INSTALLED): $(INSTALLED) requirements/spark.txt
	$(BIN)/python -m pip install --quiet --no-compile --no-deps -r requirements/spark.txt
	touch $@

install-spark: $(SPARK_INSTALLED) ## Add pyspark and dbt-spark to the venv, for the spark target (needs Java 17)

test-engines: install-spark ## The marts built on PostgreSQL (a server the test starts) and Spark against DuckDB's (its own CI step)
	STRATA_REQUIRE_ENGINES=1 $(BIN)/pytest -q -ra --durations=5 tests/python/test_engines.py

bi-export: $(BI_INSTALLED) ## Write the dashboard as edited in Superset's UI back to bi/assets (review with git diff)
	$(BI_VENV)/bin/python bi/strata_bi.py export --home $(BI_HOME)

bench: install ## Benchmark at scale vs a hand-written DuckDB baseline and pandas (not part of make test)
	$(BIN)/strata bench $(BENCH_ARGS)

pytest: install ## Run the pytest suite (dbt builds on test fixtures, compared with a Python oracle)
	STRATA_TEST_DUCKDB15=$${STRATA_TEST_DUCKDB15:-1} $(BIN)/pytest -n 2 --dist loadgroup --no-loadscope-reorder --durations=15 --ignore=tests/python/test_engines.py tests/python

lint-sql: install ## sqlfluff lint (dbt templater, in-memory target)
	$(BIN)/sqlfluff lint

lint-python: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint: lint-sql lint-python ## All linters

test: ## Every test: the venvs (.venv and Superset's .venv-bi, at once), ruff (seconds), then pytest beside sqlfluff
	$(MAKE) --no-print-directory -j2 install bi-install-for-test
	$(MAKE) --no-print-directory lint-python
	$(MAKE) --no-print-directory -j2 pytest lint-sql

lock: $(addprefix lock-py,$(SUPPORTED_PYTHONS)) ## Re-pin requirements/lock-py3.X.txt from requirements.in, for each python3.X on the PATH (one: make lock-py3.12)

lock-py%:
	@if ! python$* -c '' 2>/dev/null; then \
	  echo "make lock: skipped Python $* (python$* does not run), requirements/lock-py$*.txt left as it is"; exit 0; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "make lock: Python $* -> requirements/lock-py$*.txt"; \
	python$* -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip==25.3; \
	"$$tmp/venv/bin/python" -m pip install --quiet -r requirements.in; \
	{ echo "# Full pinned dependency tree for Python $*, generated by 'make lock' from requirements.in."; \
	  echo "# Do not edit by hand."; "$$tmp/venv/bin/python" -m pip freeze; } > "$$tmp/lock.txt"; \
	mkdir -p requirements; mv "$$tmp/lock.txt" requirements/lock-py$*.txt

clean: ## Remove build outputs (keeps .venv, data and the warehouse)
	rm -rf target logs .pytest_cache .ruff_cache
