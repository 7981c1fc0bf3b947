"""Identity's own settings (`CRM_IDENTITY_*`); the shared ones are `crmkit.settings`."""

import re
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_IDENTITY_", extra="ignore")

    provisioning_services: str = Field(
        "identity customers sales service-desk files search",
        description="Services that must answer `<service>.tenant.provisioned` before a new "
        "tenant is active (space or comma separated)",
    )
    provisioning_timeout_seconds: int = Field(
        300, description="A tenant still waiting for a service after this long is failed"
    )
    provisioning_sweep_seconds: float = Field(
        15, description="How often the worker looks for provisioning that timed out"
    )
    access_token_ttl_seconds: int = Field(300, description="Lifetime of an access token")
    service_token_ttl_seconds: int = Field(
        900,
        description="Lifetime of a service token issued for a user's request "
        "(`IssueServiceToken`, e.g. a search re-index): long enough to start its streams",
    )
    refresh_token_ttl_seconds: int = Field(
        30 * 24 * 3600, description="Lifetime of a refresh token (each use issues a new one)"
    )
    signing_key_rotation_seconds: int = Field(
        7 * 24 * 3600, description="Age after which a new signing key replaces the current one"
    )
    login_failure_window_seconds: int = Field(
        900, description="Window in which failed logins are counted"
    )
    login_max_failures_per_account: int = Field(
        5, description="Failed logins of one account (tenant and email) before it is blocked"
    )
    login_max_failures_per_ip: int = Field(
        30, description="Failed logins from one address before it is blocked"
    )
    login_block_seconds: int = Field(900, description="How long a throttled login is refused")

    @property
    def longest_token_ttl_seconds(self) -> int:
        return max(self.access_token_ttl_seconds, self.service_token_ttl_seconds)

    @property
    def required_services(self) -> tuple[str, ...]:
        return tuple(name for name in re.split(r"[\s,]+", self.provisioning_services) if name)


@lru_cache(maxsize=1)
def get_identity_settings() -> IdentitySettings:
    return IdentitySettings()
