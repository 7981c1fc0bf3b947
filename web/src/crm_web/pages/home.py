"""The dashboard: what is due for me today."""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from crm_web.pages.common import CurrentPage

router = APIRouter()


@router.get("/")
async def dashboard(page: CurrentPage) -> Response:
    page.signed_in  # noqa: B018 - sends a visitor without a session to sign-in
    tasks = (await page.api("GET", "/api/v1/tasks"))["items"]
    end_of_today = datetime.now(page.fmt.zone).replace(hour=23, minute=59, second=59)
    due = [
        task for task in tasks
        if datetime.fromisoformat(task["due_at"]).astimezone(UTC) <= end_of_today.astimezone(UTC)
    ]  # fmt: skip
    later = [task for task in tasks if task not in due][:10]
    ids = ",".join(sorted({task["customer_id"] for task in due + later}))
    names: dict[str, str] = {}
    if ids:
        found = await page.api(
            "GET", "/api/v1/customers", params={"filter": f"id:in:{ids}", "limit": 100}
        )
        names = {item["id"]: item["name"] for item in found["items"]}
    week = datetime.now(UTC) - timedelta(days=7)
    return page.render("home.html", due=due, later=later, names=names, week=week)
