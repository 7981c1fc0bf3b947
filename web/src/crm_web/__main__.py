"""The staff web console: `python -m crm_web` (the gateway serves it at /)."""

import os

import uvicorn

from crm_web.app import create_app
from crm_web.settings import WebSettings
from crmkit.telemetry import setup_telemetry

setup_telemetry("web")
settings = WebSettings()
uvicorn.run(
    create_app(settings=settings),
    host=os.environ.get("CRM_HTTP_HOST", "127.0.0.1"),
    port=settings.port,
    log_config=None,
    proxy_headers=False,
    server_header=False,
)
