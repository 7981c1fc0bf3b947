"""Bulk actions on the customer list: transfer, add or remove a tag, release to the pool.

The list's checkboxes post their ids here; the answer is a summary ("12 transferred, 1
refused: <name> — reason") that reloads the list's table, so new owners and tags show."""

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from crm_web.gateway import ApiError
from crm_web.pages.common import CurrentPage, Page, safe_next

router = APIRouter()

ACTIONS = ("transfer", "tag_add", "tag_remove", "release")
# Refusal codes with a message of their own; others show the API's words.
KNOWN_CODES = ("not_found", "customer_in_pool", "permission_denied", "precondition_failed")


@dataclass
class Refused:
    name: str | None
    reason: str


@dataclass
class Outcome:
    action: str
    done: int = 0
    refused: list[Refused] = field(default_factory=list)
    error: str = ""  # the whole request refused (bad input, no permission)
    field: str = ""  # which control the error belongs beside


def refusal_reason(page: Page, code: str, detail: str) -> str:
    return page.t(f"bulk.code.{code}") if code in KNOWN_CODES else detail


def outcome_of(page: Page, action: str, answer: dict[str, Any]) -> Outcome:
    return Outcome(
        action=action,
        done=len(answer["done"]),
        refused=[
            Refused(r["name"], refusal_reason(page, r["code"], r["detail"]))
            for r in answer["refused"]
        ],
    )


async def run(
    page: Page, *, action: str, ids: list[str], owner_id: str, tag: str, reason: str
) -> Outcome:
    if not ids:
        return Outcome(action, error=page.t("bulk.none_selected"))
    try:
        if action == "transfer":
            if not owner_id:
                return Outcome(action, error=page.t("bulk.need_owner"), field="owner_id")
            answer = await page.api(
                "POST",
                "/api/v1/customers/bulk/transfer",
                json={"ids": ids, "owner_id": owner_id},
            )
            return outcome_of(page, action, answer)
        if action in ("tag_add", "tag_remove"):
            if not tag:
                return Outcome(action, error=page.t("bulk.need_tag"), field="tag")
            change = {"add": [tag]} if action == "tag_add" else {"remove": [tag]}
            answer = await page.api(
                "POST", "/api/v1/customers/bulk/tags", json={"ids": ids, **change}
            )
            return outcome_of(page, action, answer)
        if not reason.strip():
            return Outcome(action, error=page.t("bulk.need_reason"), field="reason")
        answer = await page.api(
            "POST", "/api/v1/customers/bulk/release", json={"ids": ids, "reason": reason.strip()}
        )
        return outcome_of(page, action, answer)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        if exc.status == 403:
            return Outcome(action, error=page.t("bulk.code.permission_denied"))
        errors = exc.field_errors
        beside = next((f for f in errors if f in ("owner_id", "tag", "reason")), "")
        return Outcome(action, error=next(iter(errors.values()), exc.detail), field=beside)


@router.post("/customers/bulk")
async def bulk_action(
    page: CurrentPage,
    action: Annotated[str, Form()] = "",
    ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    owner_id: Annotated[str, Form()] = "",
    tag: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/customers",
) -> Response:
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    if action not in ACTIONS:
        outcome = Outcome(action, error=page.t("bulk.none_selected"))
    else:
        chosen = list(dict.fromkeys(i for i in ids if i))
        outcome = await run(
            page, action=action, ids=chosen, owner_id=owner_id, tag=tag, reason=reason
        )
    list_url = safe_next(back, "/customers")
    if not list_url.startswith("/customers"):
        list_url = "/customers"
    if not page.htmx:  # without JavaScript: the summary on a page, a link back to the list
        return page.render(
            "customers/bulk_done.html", outcome=outcome, list_url=list_url, standalone=True
        )
    return page.render(
        "customers/_bulk_result.html", outcome=outcome, list_url=list_url, standalone=False
    )
