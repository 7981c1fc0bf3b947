"""Settings from environment variables (`CRM_*`); see the table in the README.

Nothing here runs at import: call `get_settings()` where the value is needed, so tests can
set the environment first.
"""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    service_name: str = Field("crm", description="Name of this service; also its database suffix")
    database_url: str = Field(
        "postgresql+psycopg://crm:crm@127.0.0.1:5432/crm_{service}",
        description="SQLAlchemy URL; `{service}` becomes the service name with underscores",
    )
    database_pool_size: int = Field(10, description="Connections kept per process (all tenants)")
    amqp_url: str = Field("amqp://crm:crm@127.0.0.1:5672/%2F", description="RabbitMQ URL")
    events_exchange: str = Field("crm.events", description="Topic exchange for domain events")
    event_retry_delays_ms: list[int] = Field(
        [1000, 5000, 30000],
        description="Back-off before each redelivery of a failed event; then dead-letter",
    )
    relay_batch_size: int = Field(500, description="Outbox rows the relay publishes per batch")
    relay_idle_seconds: float = Field(0.2, description="Relay poll interval when idle")
    outbox_retention_hours: float = Field(
        72, description="Published outbox rows are deleted this long after publishing"
    )
    inbox_retention_hours: float = Field(
        168, description="Inbox rows (processed event ids) are deleted this long after"
    )
    event_prune_every_seconds: float = Field(
        600, description="How often the relay prunes the outbox and inbox"
    )
    idempotency_retention_hours: float = Field(
        24, description="Answers kept for Idempotency-Key retries are pruned after this"
    )
    idempotency_abandoned_seconds: float = Field(
        60, description="A claimed Idempotency-Key with no answer after this is taken over"
    )
    opensearch_url: str = Field("http://127.0.0.1:9200", description="OpenSearch URL")
    s3_endpoint: str = Field("http://127.0.0.1:9000", description="S3 (MinIO) endpoint")
    s3_access_key: str = Field("crm-minio", description="S3 access key")
    s3_secret_key: str = Field("crm-minio-secret", description="S3 secret key")
    s3_bucket: str = Field("crm-files", description="The deployment's one bucket")
    http_host: str = Field("127.0.0.1", description="Address the HTTP API binds")
    http_port: int | None = Field(None, description="HTTP port; default 81xx of the service")
    grpc_port: int | None = Field(None, description="gRPC port; default 91xx of the service")
    grpc_deadline_seconds: float = Field(5.0, description="Default deadline of outgoing calls")
    identity_jwks_url: str = Field(
        "http://127.0.0.1:8101/.well-known/jwks.json",
        description="Where services fetch identity's public keys",
    )
    identity_grpc_target: str = Field(
        "127.0.0.1:9101", description="Identity's gRPC address (session checks, grants)"
    )
    session_check_enabled: bool = Field(
        True, description="Ask identity whether a token's session is alive (logout, disabling)"
    )
    session_check_cache_seconds: float = Field(
        2.0,
        description="How long a session check answer is reused; an ended session is "
        "refused at most this long (plus the call) after it ends",
    )
    session_check_stale_seconds: float = Field(
        60.0,
        description="With identity unreachable, a positive answer this recent is still used; "
        "older ones refuse the token",
    )
    access_cache_seconds: float = Field(
        5.0,
        description="How long grants and visible owners from identity are reused per user "
        "(crmkit.access)",
    )
    jwt_issuer: str = Field("crm-identity", description="Issuer every access token must carry")
    jwt_audience: str = Field("crm", description="Audience every access token must carry")
    log_level: str = Field("INFO", description="Root log level")

    def database_url_for(self, service: str | None = None) -> str:
        name = (service or self.service_name).replace("-", "_")
        return self.database_url.replace("{service}", name)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
