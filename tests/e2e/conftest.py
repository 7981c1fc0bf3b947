import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crmkit.settings import Settings
from crmkit.testing.stack import SERVICES, Stack, start_stack

# Helpers live in a uniquely named module beside this file (every part's test folder is
# called `tests`, so a package here would collide with the others in one pytest run).
sys.path.insert(0, str(Path(__file__).parent))

from e2e_testkit import Company, sign_up, wait_active  # noqa: E402


@pytest.fixture(scope="session")
def stack(crm_settings: Settings) -> Iterator[Stack]:
    running = start_stack(crm_settings, name="e2e", offset=2000)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def http(stack: Stack) -> httpx.Client:
    return httpx.Client(base_url=stack.gateway_url, timeout=30)


@pytest.fixture(scope="session")
def companies(http: httpx.Client) -> tuple[Company, Company]:
    acme, globex = sign_up(http, "acme"), sign_up(http, "globex")
    for company in (acme, globex):
        status = wait_active(company)
        assert status["status"] == "active", status
        assert status["services"] == {name: "done" for name in SERVICES}
        company.login("admin", f"admin@{company.slug}.example")
    return acme, globex
