"""This domain's Celery tasks; `crm_customers.jobs` registers them and merges SCHEDULE."""

from typing import Any

SCHEDULE: dict[str, dict[str, Any]] = {}
