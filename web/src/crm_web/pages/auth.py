"""Sign-up with provisioning progress, sign-in, sign-out, and the language switch."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from crm_web.gateway import ApiError
from crm_web.i18n import LOCALE_COOKIE, LOCALES, supported
from crm_web.pages.common import CurrentPage, redirect, safe_next
from crm_web.sessions import new_visitor_id

router = APIRouter()
SIGN_UP_FIELDS = ("company_name", "slug", "admin_name", "admin_email", "admin_password")


@router.get("/sign-in")
def sign_in_form(page: CurrentPage, next: str = "/", tenant: str = "") -> Response:  # noqa: A002
    return page.render("auth/sign_in.html", next=safe_next(next), tenant=tenant, email="", error="")


@router.post("/sign-in")
async def sign_in(
    page: CurrentPage,
    tenant: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    try:
        session = await page.gateway.sign_in(
            tenant=tenant.strip(), email=email.strip(), password=password
        )
    except ApiError as exc:
        key = "auth.too_many" if exc.status == 429 else "auth.failed"
        return page.render(
            "auth/sign_in.html", status_code=exc.status if exc.status < 500 else 502,
            next=safe_next(next), tenant=tenant, email=email, error=page.t(key),
        )  # fmt: skip
    # A new visitor id on sign-in, so an id planted before it cannot ride the session.
    await page.store.drop(page.visitor_id)
    visitor_id = new_visitor_id()
    page.request.state.new_visitor_id = visitor_id
    await page.store.put(visitor_id, session)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/sign-out")
async def sign_out(page: CurrentPage) -> Response:
    session = await page.store.drop(page.visitor_id)
    if session is not None:
        await page.gateway.sign_out(session)
    page.request.state.new_visitor_id = new_visitor_id()
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/sign-up")
def sign_up_form(page: CurrentPage) -> Response:
    values = dict.fromkeys(SIGN_UP_FIELDS, "")
    return page.render("auth/sign_up.html", values=values, errors={}, error="")


@router.post("/sign-up")
async def sign_up(
    page: CurrentPage,
    company_name: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
    admin_name: Annotated[str, Form()] = "",
    admin_email: Annotated[str, Form()] = "",
    admin_password: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "company_name": company_name.strip(),
        "slug": slug.strip().lower(),
        "admin_name": admin_name.strip(),
        "admin_email": admin_email.strip(),
        "admin_password": admin_password,
    }
    body = {**values, "locale": supported(locale) or page.locale}
    try:
        await page.gateway.public("POST", "/api/v1/signup", json=body)
    except ApiError as exc:
        values["admin_password"] = ""
        return page.render(
            "auth/sign_up.html", status_code=exc.status if exc.status < 500 else 502,
            values=values, errors=exc.field_errors, error=exc.detail,
        )  # fmt: skip
    return RedirectResponse(f"/sign-up/{values['slug']}", status_code=303)


@router.get("/sign-up/{slug}")
async def provisioning(page: CurrentPage, slug: str) -> Response:
    status = await page.gateway.public("GET", f"/api/v1/signup/{slug}")
    return page.render("auth/provisioning.html", slug=slug, status=status)


@router.get("/sign-up/{slug}/status")
async def provisioning_status(page: CurrentPage, slug: str) -> Response:
    """The progress fragment the provisioning page polls; once active it sends the browser on."""
    status = await page.gateway.public("GET", f"/api/v1/signup/{slug}")
    return page.render("auth/_provisioning_status.html", slug=slug, status=status)


@router.post("/locale")
async def switch_locale(
    page: CurrentPage,
    locale: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    response = redirect(page, safe_next(next))
    if locale in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE, locale, max_age=365 * 86400, httponly=True,
            secure=page.settings.secure_cookies, samesite="lax", path="/",
        )  # fmt: skip
    return response
