# The two commands a newcomer needs: `make up` and `make test`. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: help env up migrate test test-fast lint bench clean-test-dbs

help:
	@echo "make up        start servers, migrate, run every process (Ctrl-C stops them)"
	@echo "make test      start servers, then run every test"
	@echo "make lint      ruff (lint and format check) and mypy"
	@echo "make proto     generate gRPC code from proto/ (make proto-check: is it current?)"
	@echo "make bench     benchmarks under bench/ (needs the servers)"
	@echo "make services / services-down / services-status"

include scripts/servers/servers.mk
include scripts/proto.mk

env:
	@scripts/python-env.sh

migrate: env services
	@scripts/migrate.sh

up: env services migrate
	@scripts/up.sh

test: env services tools browser lint proto-check
	@scripts/test.sh

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy -p crmkit -p crm_gateway -p crm_identity -p crm_customers -p crm_sales -p crm_service_desk -p crm_files -p crm_search -p crm_web

bench: env services
	@PY=$(PY) bench/run.sh
