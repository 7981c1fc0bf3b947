import os

import uvicorn

from crm_gateway.app import create_gateway
from crmkit.telemetry import setup_telemetry

setup_telemetry("gateway")
uvicorn.run(
    create_gateway(),
    host=os.environ.get("CRM_HTTP_HOST", "127.0.0.1"),
    port=int(os.environ.get("CRM_GATEWAY_PORT", "8000")),
    log_config=None,
)
