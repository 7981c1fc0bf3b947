"""Web console settings from `CRM_WEB_*` environment variables."""

import secrets

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    # populate_by_name: fields with an environment alias still take their own name in code.
    model_config = SettingsConfigDict(env_prefix="CRM_WEB_", extra="ignore", populate_by_name=True)

    port: int = Field(8107, description="Port the web console listens on (the gateway fronts it)")
    api_url: str = Field(
        "http://127.0.0.1:8000",
        # The Helm chart names every service's address as CRM_<NAME>_HTTP_URL.
        validation_alias=AliasChoices("CRM_WEB_API_URL", "CRM_GATEWAY_HTTP_URL"),
        description="The gateway's public API, the only thing web calls",
    )
    secure_cookies: bool = Field(
        True,
        description="Mark cookies Secure with the __Host- prefix; browsers accept them on "
        "https and on http://localhost / 127.0.0.1",
    )
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        description="Signs CSRF tokens and seals the stored sessions; every replica needs the "
        "same one. Unset: a new one per process start (a restart then signs everyone out)",
    )
    session_idle_seconds: int = Field(8 * 3600, description="A session unused this long ends")
    default_locale: str = Field("en", description="When neither cookie, tenant nor browser says")
    api_timeout_seconds: float = Field(15.0, description="Wait for the gateway's answer")
    gateway_secret: str | None = Field(
        None,
        description="Shared with the gateway (CRM_GATEWAY_WEB_SECRET): API calls then name the "
        "browser's address, so limits and sign-in throttling count browsers, not this process",
    )
