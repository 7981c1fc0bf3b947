"""The customers service's own settings (`CRM_CUSTOMERS_*`); the shared ones are crmkit's."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CustomersSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_CUSTOMERS_", extra="ignore")

    exact_total_limit: int = Field(
        10_000,
        description="Lists count matches exactly up to this many; above it `total` is "
        "PostgreSQL's estimate and `total_is_estimate` is true",
    )


@lru_cache(maxsize=1)
def get_customers_settings() -> CustomersSettings:
    return CustomersSettings()
