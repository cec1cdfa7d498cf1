# Every target sets up what it needs: uv (bootstrapped from PyPI when missing) and the locked venv.
SHELL := /bin/bash
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PORT ?= 8000
HOST ?= 127.0.0.1
export DATABASE_URL ?= sqlite:///./var/backpain.db

.PHONY: help run test test-fast lint bench setup evaluate docs audit
.DEFAULT_GOAL := help
# Spectral and the OWASP ruleset, pinned in their own package-lock.json.
SPECTRAL_DIR := tools/spectral
# The HL7 FHIR R4 JSON schema, the second validator of the FHIR resources, pinned the same way.
FHIR_DIR := tools/fhir
# openapi-typescript, openapi-fetch and TypeScript, for the generated-client tests.
CLIENT_DIR := tests/clients/typescript

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: .venv/.synced ## install the locked Python packages into .venv (every target does this first)

help: ## list the targets with what each does
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/\1\t\2/' | expand -t 12

$(SPECTRAL_DIR)/node_modules/.installed: $(SPECTRAL_DIR)/package-lock.json
	npm ci --prefix $(SPECTRAL_DIR) --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

$(FHIR_DIR)/node_modules/.installed: $(FHIR_DIR)/package-lock.json
	npm ci --prefix $(FHIR_DIR) --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

$(CLIENT_DIR)/node_modules/.installed: $(CLIENT_DIR)/package-lock.json
	npm ci --prefix $(CLIENT_DIR) --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

run: setup ## migrate, seed and serve on http://127.0.0.1:8000 (HOST and PORT change it)
	$(UV) run --frozen backpain serve --host $(HOST) --port $(PORT)

test: setup $(FHIR_DIR)/node_modules/.installed $(CLIENT_DIR)/node_modules/.installed $(SPECTRAL_DIR)/node_modules/.installed ## the whole suite, on both cores; PostgreSQL tests skip unless it answers (REQUIRE_SERVICES=1 fails instead)
	$(UV) run --frozen pytest -n 2 --dist worksteal --cov --cov-branch --cov-report=term:skip-covered --cov-fail-under=92

docs: setup ## build the docs site from docs/ into var/site, strictly: a broken link or anchor fails
	NO_MKDOCS_2_WARNING=1 $(UV) run --frozen mkdocs build --strict

evaluate: setup ## migrate and seed DATABASE_URL, then run the clinical vignettes (ARGS=--no-thresholds: fail on under-triage only)
	$(UV) run --frozen backpain prepare
	$(UV) run --frozen backpain evaluate $(ARGS)

test-fast: setup $(FHIR_DIR)/node_modules/.installed ## the inner loop: SQLite only, without browsers, server processes and schemathesis
	@# The marks select; the ignore saves collecting schemathesis, which builds a seeded app to do it.
	$(UV) run --frozen pytest -n 2 --dist worksteal -m "not slow and not postgres" -q --ignore=tests/test_schemathesis.py

lint: setup $(SPECTRAL_DIR)/node_modules/.installed ## ruff, mypy (strict), import contracts, runtime dependencies (deptry), typos, hadolint, Spectral
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports
	$(UV) run --frozen deptry .
	$(UV) run --frozen typos
	$(UV) run --frozen hadolint Dockerfile
	@mkdir -p var
	@# The document describes the triage ruleset a database serves: lint it as a prepared one would.
	DATABASE_URL=sqlite:///./var/lint.db $(UV) run --frozen backpain prepare
	DATABASE_URL=sqlite:///./var/lint.db $(UV) run --frozen backpain openapi > var/openapi.json
	$(SPECTRAL_DIR)/node_modules/.bin/spectral lint var/openapi.json --ruleset $(SPECTRAL_DIR)/.spectral.yaml \
		--fail-severity error --display-only-failures

bench: setup ## throughput against a bare ASGI app; pass options with ARGS="--items 10000"
	$(UV) run --frozen python -m bench $(ARGS)

# The locked packages and the Node tools' lock files against the public advisory databases (PyPI's
# JSON API for pip-audit, the npm registry's audit endpoint for npm audit). It needs both services,
# so CI does not run it. One line per tool says whether it found nothing, found advisories (listed
# after it) or could not reach its database; either of the last two fails the target.
AUDIT_DIR := var/audit
UNREACHABLE := could not reach the advisory database; nothing was audited

audit: setup ## known vulnerabilities in uv.lock (pip-audit) and the Node tools' lock files (npm audit); needs the network
	@mkdir -p $(AUDIT_DIR)
	@rm -f $(AUDIT_DIR)/pip-audit.json
	@$(UV) export --frozen --quiet --no-emit-project --format requirements-txt -o $(AUDIT_DIR)/requirements.txt
	@failed=0; \
	$(UV) run --frozen pip-audit --requirement $(AUDIT_DIR)/requirements.txt --disable-pip --no-deps \
		--progress-spinner off --format json --output $(AUDIT_DIR)/pip-audit.json > $(AUDIT_DIR)/pip-audit.log 2>&1; \
	$(UV) run --frozen python tools/audit/pip_audit_summary.py $(AUDIT_DIR)/pip-audit.json $(AUDIT_DIR)/pip-audit.log || failed=1; \
	for dir in $(SPECTRAL_DIR) $(FHIR_DIR) $(CLIENT_DIR); do \
		if ! command -v npm >/dev/null; then echo "npm audit ($$dir): npm is not installed"; failed=1; continue; fi; \
		log=$(AUDIT_DIR)/npm-$$(basename $$dir).log; \
		npm audit --prefix $$dir --package-lock-only > $$log 2>&1; status=$$?; \
		if grep -qE 'audit endpoint returned an error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT' $$log; then \
			echo "npm audit ($$dir): $(UNREACHABLE) (details: $$log)"; failed=1; \
		elif [ "$$status" -ne 0 ]; then \
			echo "npm audit ($$dir): advisories:"; cat $$log; failed=1; \
		else \
			echo "npm audit ($$dir): $$(tail -n 1 $$log)"; \
		fi; \
	done; \
	exit $$failed
