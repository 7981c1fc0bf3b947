"""Helpers for the admin, dashboard and map browser tests: API calls that sign in again when
the short-lived test token has expired, and a browser context that may reach only this
machine (any other request is refused and recorded)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Route
from web_testkit import Company

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def call(company: Company, method: str, path: str, who: str = "admin", **kwargs: Any) -> Any:
    """`company.api`, signing `who` in again if the token expired (the stack's live 30 s)."""
    email = company.admin_email if who == "admin" else f"{who}@{company.slug}.example"
    if who not in company.tokens:
        company.login(who, email)
    headers = {"Authorization": f"Bearer {company.tokens[who]}", **kwargs.pop("headers", {})}
    response = company.http.request(method, path, headers=headers, **kwargs)
    if response.status_code == 401:
        company.login(who, email)
        headers["Authorization"] = f"Bearer {company.tokens[who]}"
        response = company.http.request(method, path, headers=headers, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


@contextmanager
def offline_page(browser: Browser, console: list[str]) -> Iterator[tuple[Page, list[str]]]:
    """A page whose every request to another host is aborted; yields it and the list of
    such attempts (a test asserts it stays empty)."""
    attempts: list[str] = []
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda error: console.append(str(error.error)))

    def guard(route: Route) -> None:
        if (urlsplit(route.request.url).hostname or "") in LOCAL_HOSTS:
            route.continue_()
        else:
            attempts.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", guard)
    try:
        yield context.new_page(), attempts
    finally:
        context.close()
