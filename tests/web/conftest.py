"""Browser tests: Debian's Chromium (through Playwright) driving the web console, which the
gateway serves at /, against a whole platform of real processes."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from crmkit.settings import Settings
from crmkit.testing.stack import Stack, start_stack

# Helpers live in a uniquely named module beside this file (every part's test folder is
# called `tests`, so a package here would collide with the others in one pytest run).
sys.path.insert(0, str(Path(__file__).parent))

from web_testkit import Company, sign_up  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# A page is a few API calls behind the gateway; on a shared two-core machine running other
# suites, 5 s (Playwright's default) is sometimes not enough.
expect.set_options(timeout=20_000)
STACK_ENV = {
    # Every page's API calls come from the web process's one address; the tests also sign in
    # often. The limits themselves are the gateway's tests' business.
    "CRM_GATEWAY_RATE_IP_PER_MINUTE": "100000",
    "CRM_GATEWAY_RATE_AUTH_IP_PER_MINUTE": "10000",
    # Short-lived access tokens, so a test can watch the console refresh them silently.
    "CRM_IDENTITY_ACCESS_TOKEN_TTL_SECONDS": "30",
    # Imports commit a chunk at a time: small chunks, so the import's progress bar is seen
    # part-way even on a fast machine.
    "CRM_CUSTOMERS_IMPORT_CHUNK_ROWS": "200",
    # Exports commit their progress every chunk; a short pause lets a poll see it part-way.
    "CRM_CUSTOMERS_EXPORT_CHUNK_ROWS": "100",
    "CRM_CUSTOMERS_EXPORT_CHUNK_PAUSE_SECONDS": "0.2",
    # Generous: the stack's ~25 processes start on a shared two-core machine.
    "CRM_STACK_READY_SECONDS": os.environ.get("CRM_STACK_READY_SECONDS", "300"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The first test also waits for a whole stack to start (and a tenant to provision).
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(900))


@pytest.fixture(scope="session")
def stack(crm_settings: Settings) -> Iterator[Stack]:
    saved = {name: os.environ.get(name) for name in STACK_ENV}
    os.environ.update(STACK_ENV)
    try:
        running = start_stack(crm_settings, name="web", offset=4000)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base(stack: Stack) -> str:
    return stack.gateway_url


@pytest.fixture(scope="session")
def http(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=30)


@pytest.fixture(scope="session")
def companies(http: httpx.Client) -> tuple[Company, Company]:
    """Acme works in English, Globex in Chinese (their tenants' default locales)."""
    return sign_up(http, "acme", locale="en"), sign_up(http, "globex", locale="zh-CN")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


class ConsoleLog(list[str]):
    """Errors the page reported: a CSP violation or a script error fails the test."""


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def _context(browser: Browser, console: ConsoleLog, **options: object) -> BrowserContext:
    context = browser.new_context(locale="en-US", **options)  # type: ignore[arg-type]
    context.on(
        "console",
        lambda message: console.append(message.text) if message.type == "error" else None,
    )
    context.on("weberror", lambda error: console.append(str(error.error)))
    return context


@pytest.fixture
def page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    context = _context(browser, console, viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()
    _no_script_trouble(console)


@pytest.fixture
def phone(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    context = _context(
        browser, console, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()
    _no_script_trouble(console)


def _no_script_trouble(console: ConsoleLog) -> None:
    # A refused form answers 4xx on purpose; the browser logs those loads, which are fine.
    trouble = [line for line in console if "Failed to load resource" not in line]
    assert trouble == [], trouble
