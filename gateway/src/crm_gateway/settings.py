"""Gateway settings from `CRM_GATEWAY_*` environment variables (see the README table).

Token verification reads the platform's `CRM_IDENTITY_JWKS_URL`, `CRM_JWT_ISSUER` and
`CRM_JWT_AUDIENCE` through `crmkit.settings`, like every service.
"""

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from crm_gateway.routes import (
    DEFAULT_PUBLIC_ROUTES,
    DEFAULT_ROUTES,
    DEFAULT_SERVICES,
    RESERVED_SUBDOMAINS,
)
from crmkit.limits import FILE_MAX_BYTES


class GatewaySettings(BaseSettings):
    # populate_by_name: fields with an environment alias still take their own name in code.
    model_config = SettingsConfigDict(
        env_prefix="CRM_GATEWAY_", extra="ignore", populate_by_name=True
    )

    port: int = Field(8000, description="Port the gateway listens on")
    services: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SERVICES), description="Service name to base URL"
    )
    routes: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_ROUTES),
        description="First path segment after /api/v1/ (or `portal/<segment>`) to service name",
    )
    public_routes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PUBLIC_ROUTES),
        description="`METHOD /path` patterns that need no token; `{x}` matches one segment",
    )
    base_domain: str | None = Field(
        None, description="Tenants are served at `<slug>.<base domain>`; unset: no subdomains"
    )
    reserved_subdomains: list[str] = Field(
        default_factory=lambda: sorted(RESERVED_SUBDOMAINS),
        description="Subdomains that are never a tenant's slug",
    )
    tenant_lookup_path: str = Field(
        "/api/v1/signup/{slug}",
        description="Identity path answering a slug with JSON carrying `tenant_id`",
    )
    tenant_cache_seconds: float = Field(300.0, description="How long a slug lookup is kept")
    rate_ip_per_minute: int = Field(600, description="Requests per minute per client IP")
    rate_tenant_per_minute: int = Field(3000, description="Requests per minute per tenant")
    rate_auth_ip_per_minute: int = Field(
        20, description="Requests per minute per client IP on sign-up and /api/v1/auth/*"
    )
    trusted_proxy_hops: int = Field(
        0, description="Proxies in front whose X-Forwarded-For/-Proto entries are trusted"
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, description="Largest request body accepted")
    upload_max_body_bytes: int = Field(
        60 * 1024 * 1024, description="Largest body on the upload resources (imports)"
    )
    upload_resources: list[str] = Field(
        default_factory=lambda: ["imports", "files"],
        description="First path segments after /api/v1/ that take files in the request body",
    )
    file_max_bytes: int = Field(
        FILE_MAX_BYTES,
        validation_alias=AliasChoices("CRM_GATEWAY_FILE_MAX_BYTES", "CRM_FILES_MAX_FILE_BYTES"),
        description="The files service's largest file: bodies on `/files…` may be this large "
        "(plus a little for multipart framing), whatever `upload_max_body_bytes` says",
    )
    upstream_timeout_seconds: float = Field(30.0, description="Wait for an upstream's answer")
    connect_timeout_seconds: float = Field(3.0, description="Wait for a connection upstream")
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins browsers may call the API from"
    )
    hsts_seconds: int = Field(
        31536000, description="Strict-Transport-Security max-age on https requests; 0: off"
    )
    openapi_cache_seconds: float = Field(30.0, description="How long the merged OpenAPI is kept")
    web_url: str | None = Field(
        "http://127.0.0.1:8107",
        validation_alias=AliasChoices("CRM_GATEWAY_WEB_URL", "CRM_WEB_HTTP_URL"),
        description="The web console, served at / and every path outside /api; empty: none",
    )
    web_secret: str | None = Field(
        None,
        description="Shared with the web console (CRM_WEB_GATEWAY_SECRET): its API calls that "
        "carry it in X-CRM-Web-Secret name the browser's address in X-Forwarded-For",
    )
