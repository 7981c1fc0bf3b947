"""The search service's own settings (`CRM_SEARCH_*`); the shared ones are crmkit's
(`CRM_OPENSEARCH_URL` among them)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SearchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_SEARCH_", extra="ignore")

    index_prefix: str = Field(
        "crm",
        description="Prefix of every index and alias (`<prefix>-customers` → "
        "`<prefix>-customers-v1`); tests use a unique one per run",
    )
    opensearch_timeout_seconds: float = Field(5.0, description="Time-out of one OpenSearch request")
    opensearch_connections: int = Field(
        40, description="Connections kept open to OpenSearch per process (one per API thread)"
    )
    customers_grpc_target: str = Field(
        "127.0.0.1:9102", description="Customers' gRPC address (re-index streams)"
    )
    reindex_heartbeat_seconds: float = Field(
        5.0, description="How often a running re-index writes its counts and heartbeat"
    )
    reindex_stale_seconds: float = Field(
        180.0,
        description="A running re-index whose heartbeat is older is reported `stale` (its "
        "process died) and no longer blocks a new one",
    )
    mapping_cache_seconds: float = Field(
        30.0, description="How long the custom field keys read from the index mapping are reused"
    )


@lru_cache(maxsize=1)
def get_search_settings() -> SearchSettings:
    return SearchSettings()
