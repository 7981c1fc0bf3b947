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
    reminder_pass_seconds: float = Field(
        60.0, description="How often the worker announces reminders that fell due"
    )
    pool_reclaim_every_seconds: float = Field(
        3600.0, description="How often the worker reclaims idle customers into their pools"
    )
    pool_reclaim_batch: int = Field(
        200, description="Customers reclaimed per transaction (each batch locks only its rows)"
    )
    geocoder: str = Field(
        "crm_customers.insights.geocoding:OfflineGeocoder",
        description="`module:Class` of the geocoder filling missing coordinates",
    )
    import_max_bytes: int = Field(
        50 * 1024 * 1024, description="Largest import file accepted (413 above it)"
    )
    import_chunk_rows: int = Field(
        1000, description="Rows an import commits at a time (with their outcomes and progress)"
    )
    import_chunk_pause_seconds: float = Field(
        0.0, description="Pause between an import's chunks, to leave the database room"
    )
    export_chunk_rows: int = Field(
        1000, description="Rows an export writes between two commits of its progress"
    )
    export_chunk_pause_seconds: float = Field(
        0.0, description="Pause between an export's chunks, to leave the database room"
    )


@lru_cache(maxsize=1)
def get_customers_settings() -> CustomersSettings:
    return CustomersSettings()
