"""The header's typeahead and the results page grouped by record type."""

from fastapi import APIRouter
from fastapi.responses import Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage

router = APIRouter()
LINKS = {"customer": "/customers/{id}", "contact": "/customers/{customer_id}"}


def link_of(hit: dict[str, object]) -> str:
    pattern = LINKS.get(str(hit.get("type")), "")
    try:
        return pattern.format(**hit) if pattern else "#"
    except KeyError:
        return "#"


@router.get("/search/suggest")
async def suggest(page: CurrentPage, q: str = "") -> Response:
    page.signed_in  # noqa: B018
    suggestions: list[dict[str, object]] = []
    if q.strip():
        try:
            found = await page.api("GET", "/api/v1/search/suggest", params={"q": q, "limit": 8})
            suggestions = found["suggestions"]
        except ApiError as exc:
            if exc.status >= 500:
                return page.render("search/_suggest.html", q=q, suggestions=[], down=True)
            raise
    return page.render(
        "search/_suggest.html", q=q, suggestions=suggestions, link_of=link_of, down=False
    )


@router.get("/search")
async def results(page: CurrentPage, q: str = "") -> Response:
    page.signed_in  # noqa: B018
    groups: dict[str, list[dict[str, object]]] = {}
    down = False
    if q.strip():
        try:
            groups = (await page.api("GET", "/api/v1/search", params={"q": q, "limit": 20}))[
                "groups"
            ]
        except ApiError as exc:
            if exc.status < 500:
                raise
            down = True
    return page.render("search/results.html", q=q, groups=groups, link_of=link_of, down=down)
