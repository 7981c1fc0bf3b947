"""The countdown to automatic reclaim (a customer going back to its public pool), shared by
the customer list's badges and the detail page's panel."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm_web.formatting import Formatter
from crm_web.gateway import ApiError
from crm_web.i18n import translate
from crm_web.pages.common import Page

# A badge shows from this many days before reclaim, or from the pool's reminder if earlier.
BADGE_DAYS = 7
# The most ids `GET customers/reclaim` answers at once (a list page has fewer rows).
MAX_IDS_PER_CALL = 100


@dataclass
class Countdown:
    days: int  # whole days left in the tenant's calendar (0: today; negative: overdue)
    date: str  # the reclaim day, formatted
    text: str  # "Returns to the pool in 3 days · Nov 27, 2026"
    short: str  # the badge: "3 days to pool"


def parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def days_until(reclaim_at: dt.datetime, *, now: dt.datetime, zone: dt.tzinfo) -> int:
    """Calendar days from today to the reclaim day, both in the tenant's time zone."""
    return (reclaim_at.astimezone(zone).date() - now.astimezone(zone).date()).days


def countdown(
    reclaim_at: dt.datetime, *, now: dt.datetime, fmt: Formatter, t: Callable[..., str]
) -> Countdown:
    days = days_until(reclaim_at, now=now, zone=fmt.zone)
    date = fmt.date(reclaim_at)
    if days <= 0:
        key = "overdue" if days < 0 else "today"
        text = t(f"pools.countdown.{key}", date=date)
        short = t(f"pools.badge.{key}")
    else:
        count = "one" if days == 1 else "other"
        text = t(f"pools.countdown.{count}", days=days, date=date)
        short = t(f"pools.badge.{count}", days=days)
    return Countdown(days=days, date=date, text=text, short=short)


def badge_window(item: dict[str, Any]) -> dt.timedelta:
    return dt.timedelta(days=max(BADGE_DAYS, int(item.get("remind_days_before") or 0)))


async def reclaim_badges(page: Page, customer_ids: list[str]) -> dict[str, Countdown]:
    """The listed customers that reclaim takes soon (within the pool's reminder window or a
    week), by customer id: one API call per list page. Nothing when pools cannot tell."""
    ids = list(dict.fromkeys(customer_ids))[:MAX_IDS_PER_CALL]
    if not ids:
        return {}
    try:
        found = await page.api("GET", "/api/v1/customers/reclaim", params={"ids": ",".join(ids)})
    except ApiError:
        return {}
    now = dt.datetime.now(dt.UTC)
    badges: dict[str, Countdown] = {}
    for item in found.get("items") or []:
        if not item.get("reclaim_at"):
            continue
        when = parse_time(str(item["reclaim_at"]))
        if when - now <= badge_window(item):
            badges[str(item["customer_id"])] = countdown(when, now=now, fmt=page.fmt, t=page.t)
    return badges


# The name the customers service gives every tenant's first pool (migration cu_t0003).
SEEDED_POOL_NAME = "Default pool"


def pool_name(name: str, locale: str) -> str:
    """A pool's name as shown: the seeded default, never renamed, in the page's language."""
    return translate(locale, "pools.default_name") if name == SEEDED_POOL_NAME else name
