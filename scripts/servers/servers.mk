# Local servers for the tests (PostgreSQL, RabbitMQ, OpenSearch, MinIO) and pinned Go tools.
# Included by the main Makefile. Everything lives in the git-ignored var/; see scripts/servers/README.md.
CRM_SERVERS_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

.PHONY: services services-down services-status tools browser

services:
	bash $(CRM_SERVERS_DIR)/up.sh

services-down:
	bash $(CRM_SERVERS_DIR)/down.sh

services-status:
	bash $(CRM_SERVERS_DIR)/status.sh

tools:
	bash $(CRM_SERVERS_DIR)/tools.sh

browser:
	bash $(CRM_SERVERS_DIR)/browser.sh
