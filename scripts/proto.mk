# gRPC contracts: include from the root Makefile (`include scripts/proto.mk`).
BUF ?= var/cache/bin/buf

.PHONY: proto proto-check buf-lint

proto: ## Generate Python code from proto/ into libs/crm-proto
	scripts/proto.sh

proto-check: ## Fail if the committed generated code is not what proto/ generates
	scripts/proto.sh --check

buf-lint: ## Lint proto/ with buf's STANDARD rules
	cd proto && $(abspath $(BUF)) lint
