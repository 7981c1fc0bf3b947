# shellcheck shell=bash disable=SC2034
# Every pinned version of the local servers and tools, in one place.
# Sourced by lib.sh; edit here only.

# Debian 12 packages (apt): the major version is pinned by the package name.
POSTGRES_MAJOR=15
POSTGRES_PACKAGE=postgresql-15
RABBITMQ_PACKAGE=rabbitmq-server         # Debian 12 ships 3.10.8

# OpenSearch distribution (org.opensearch.distribution.integ-test-zip:opensearch:zip) and the jars
# of its missing modules, from Maven Central.
OPENSEARCH_VERSION=2.19.3
# (coordinates are in opensearch/pom.xml, which gets these versions as -D properties)
MAVEN_DEPENDENCY_PLUGIN_VERSION=3.6.1

# Go-installed binaries (module@version), built into var/cache/bin.
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

BUF_MODULE=github.com/bufbuild/buf
BUF_PKG=github.com/bufbuild/buf/cmd/buf
BUF_VERSION=v1.75.0

GRPCURL_MODULE=github.com/fullstorydev/grpcurl
GRPCURL_PKG=github.com/fullstorydev/grpcurl/cmd/grpcurl
GRPCURL_VERSION=v1.9.4

HELM_MODULE=helm.sh/helm/v3
HELM_PKG=helm.sh/helm/v3/cmd/helm
HELM_VERSION=v3.22.0

KUBECONFORM_MODULE=github.com/yannh/kubeconform
KUBECONFORM_PKG=github.com/yannh/kubeconform/cmd/kubeconform
KUBECONFORM_VERSION=v0.8.0
