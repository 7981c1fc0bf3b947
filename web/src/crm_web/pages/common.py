"""What every page handler gets: who is asking, in which locale, and how to render."""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from crm_web.formatting import Formatter
from crm_web.gateway import ApiError, Gateway, SignInRequired
from crm_web.i18n import LOCALE_COOKIE, choose_locale, translate
from crm_web.sessions import SessionStore, WebSession, csrf_token
from crm_web.settings import WebSettings


@dataclass
class Page:
    request: Request
    settings: WebSettings
    gateway: Gateway
    store: SessionStore
    templates: Environment
    visitor_id: str
    session: WebSession | None
    locale: str
    fmt: Formatter

    def t(self, key: str, **values: object) -> str:
        return translate(self.locale, key, **values)

    @property
    def csrf(self) -> str:
        return csrf_token(self.settings.secret_key, self.visitor_id)

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    @property
    def signed_in(self) -> WebSession:
        if self.session is None:
            raise SignInRequired
        return self.session

    async def api(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return await self.gateway.call(self.session, method, path, **kwargs)
        except ApiError as exc:
            exc.locale = self.locale
            raise

    def render(
        self,
        template: str,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        html = self.templates.get_template(template).render(
            page=self, t=self.t, fmt=self.fmt, csrf=self.csrf, session=self.session,
            locale=self.locale, path=self.request.url.path, **context,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status_code, headers=headers)


async def page_of(request: Request) -> Page:
    state = request.app.state
    visitor_id: str = request.state.visitor_id
    session = await _session_of(request, visitor_id)
    tenant = session.tenant if session else {}
    locale = choose_locale(
        cookie=request.cookies.get(LOCALE_COOKIE),
        tenant_locale=tenant.get("locale"),
        accept_language=request.headers.get("accept-language"),
        default=state.settings.default_locale,
    )
    fmt = Formatter(
        locale=locale,
        time_zone=str(tenant.get("time_zone") or "Asia/Shanghai"),
        currency=str(tenant.get("currency") or "CNY"),
    )
    return Page(
        request=request, settings=state.settings, gateway=state.gateway, store=state.store,
        templates=state.templates, visitor_id=visitor_id, session=session, locale=locale, fmt=fmt,
    )  # fmt: skip


async def _session_of(request: Request, visitor_id: str) -> WebSession | None:
    """Read once per request (error pages reuse it); a visitor id minted by this request
    has no session to read."""
    if getattr(request.state, "fresh_visitor", False):
        return None
    if not hasattr(request.state, "web_session"):
        store: SessionStore = request.app.state.store
        request.state.web_session = await store.get(visitor_id)
    session: WebSession | None = request.state.web_session
    return session


CurrentPage = Annotated[Page, Depends(page_of)]


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path of this site: never `//host` or a scheme (an open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    return value


def redirect(page: Page, url: str) -> Response:
    """A redirect that also works for an HTMX request (which would otherwise swap the target
    page into a fragment)."""
    if page.htmx:
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def sign_in_url(next_path: str) -> str:
    return f"/sign-in?next={quote(next_path, safe='/')}"
