"""The staff web console: `python -m crm_web [api]` serves it (the gateway serves it at /);
`python -m crm_web migrate` creates or upgrades its database (the sessions table)."""

import argparse
import os

import uvicorn

from crm_web.app import create_app
from crm_web.database import migrate
from crm_web.settings import WebSettings
from crmkit.telemetry import setup_telemetry


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m crm_web")
    parser.add_argument("command", nargs="?", default="api", choices=["api", "migrate"])
    command = parser.parse_args().command
    setup_telemetry("web")
    if command == "migrate":
        migrate()
        return
    settings = WebSettings()
    uvicorn.run(
        create_app(settings=settings),
        host=os.environ.get("CRM_HTTP_HOST", "127.0.0.1"),
        port=settings.port,
        log_config=None,
        proxy_headers=False,
        server_header=False,
    )


main()
