"""The one public entry: authentication, tenant resolution, routing."""

import os

import uvicorn

from crm_gateway.app import create_gateway
from crm_gateway.settings import GatewaySettings
from crmkit.telemetry import setup_telemetry

setup_telemetry("gateway")
settings = GatewaySettings()
uvicorn.run(
    create_gateway(settings=settings),
    host=os.environ.get("CRM_HTTP_HOST", "127.0.0.1"),
    port=settings.port,
    log_config=None,
    # X-Forwarded-* are read by the gateway itself, as far as CRM_GATEWAY_TRUSTED_PROXY_HOPS says.
    proxy_headers=False,
    server_header=False,
)
