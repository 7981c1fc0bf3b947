"""The routing table: which service owns which public resource, from configuration.

`CRM_GATEWAY_SERVICES` maps service names to base URLs (JSON); the defaults are the local
ports of ARCHITECTURE.md. New resources join by configuration, not by code in the gateway.
"""

import json
import os

DEFAULT_SERVICES = {
    "identity": "http://127.0.0.1:8101",
    "customers": "http://127.0.0.1:8102",
    "sales": "http://127.0.0.1:8103",
    "service-desk": "http://127.0.0.1:8104",
    "files": "http://127.0.0.1:8105",
    "search": "http://127.0.0.1:8106",
}


def service_urls() -> dict[str, str]:
    raw = os.environ.get("CRM_GATEWAY_SERVICES")
    if not raw:
        return dict(DEFAULT_SERVICES)
    urls = json.loads(raw)
    if not isinstance(urls, dict) or not all(isinstance(v, str) for v in urls.values()):
        raise ValueError("CRM_GATEWAY_SERVICES must be a JSON object of name to base URL")
    return urls
