# Two commands matter: `make briefs` (the whole job) and `make test` (the whole suite).
# Both create .venv from requirements.lock when it is missing, or use the active conda
# environment made from environment.yml (CONDA_DEFAULT_ENV=cchc-ba-vi).
SHELL := /bin/bash
.DEFAULT_GOAL := help
CONDA_ENV_NAME := cchc-ba-vi

ifeq ($(CONDA_DEFAULT_ENV),$(CONDA_ENV_NAME))
PYTHON := $(CONDA_PREFIX)/bin/python
STAMP := $(CONDA_PREFIX)/.analysis-installed
else
PYTHON := .venv/bin/python
STAMP := .venv/.installed
endif
BOOTSTRAP_PYTHON ?= python3
ARGS ?=
# test files run side by side, one pytest worker per core (pytest-xdist); a file stays on one
# worker, so its module fixtures are built once. `make test JOBS=0` runs in one process.
JOBS ?= auto

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml jupyter/overrides.json
ifeq ($(CONDA_DEFAULT_ENV),$(CONDA_ENV_NAME))
	$(PYTHON) -m pip install -q -e '.[dev]'
else
	test -x .venv/bin/python || $(BOOTSTRAP_PYTHON) -m venv .venv
	.venv/bin/python -m pip install -q --upgrade pip uv
	.venv/bin/uv pip install -q --python .venv/bin/python -r requirements.lock
	.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
endif
	$(PYTHON) -m ipykernel install --sys-prefix --name cchc-ba-vi --display-name "CCHC Ba Vì (analysis)" > /dev/null
	mkdir -p "$$($(PYTHON) -c 'import sys; print(sys.prefix)')/share/jupyter/lab/settings"
	cp jupyter/overrides.json "$$($(PYTHON) -c 'import sys; print(sys.prefix)')/share/jupyter/lab/settings/overrides.json"
	touch $(STAMP)

install: $(STAMP) ## create the environment (.venv or the active conda env) from the lock file

system-deps: ## install Debian's chromium, fonts and poppler-utils (pdftotext) for the browser test (needs root; skipped when present)
	@if command -v chromium > /dev/null && command -v pdftotext > /dev/null; then echo "chromium: $$(command -v chromium); pdftotext: $$(command -v pdftotext)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils > /dev/null && echo "installed chromium, poppler-utils"; \
	else echo "chromium or poppler-utils missing and not root: the browser tests will be skipped"; fi

data: install ## generate the synthetic dataset (if data/raw has no exports) and clean it
	$(PYTHON) -m analysis run --until clean $(ARGS)

briefs: install ## the whole job: demo data if needed, clean, analyse, publish every brief to reports/
	$(PYTHON) -m analysis run $(ARGS)

test: install system-deps ## run the whole test suite (JOBS=auto workers, one per core)
	$(PYTHON) -m pytest -n $(JOBS) --dist loadfile --durations=15 $(ARGS)

screenshots: install system-deps ## regenerate docs/screenshots/brief-{desktop,phone,print-page1}.png from a built brief (after make briefs)
	$(PYTHON) -m analysis.publish.screenshots $(ARGS)

lint: install ## ruff lint and format check (code and notebooks)
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(PYTHON) -m ruff check --fix .
	$(PYTHON) -m ruff format .

lab: install ## open JupyterLab with the project's kernel ("CCHC Ba Vì (analysis)")
	$(PYTHON) -m jupyter lab --notebook-dir=notebooks

bench: install ## run the benchmark scripts (prints measured ratios)
	for script in benchmarks/*.py; do echo "== $$script"; $(PYTHON) $$script || exit 1; done

lock: ## refresh requirements.lock from pyproject.toml (needs the network)
	test -x .venv/bin/uv || (python3 -m venv .venv && .venv/bin/pip install -q uv)
	.venv/bin/uv pip compile pyproject.toml --extra dev -p 3.11 --universal -o requirements.lock --custom-compile-command "make lock"

clean-outputs: ## delete generated data and reports (raw data is never touched)
	rm -rf data/processed/* data/processed/.lock reports/* reports/.build data/raw/demo

.PHONY: help install system-deps data briefs test screenshots lint format lab bench lock clean-outputs
