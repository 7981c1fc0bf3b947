"""The reclaim countdown and the pools' refusals, worded for a Chinese or an English reader."""

import datetime as dt
from functools import partial

from crm_web.formatting import Formatter
from crm_web.gateway import ApiError
from crm_web.i18n import translate
from crm_web.pages.pool_reclaim import badge_window, countdown, days_until, parse_time, pool_name
from crm_web.pages.pools import refusal_text

ZH = Formatter(locale="zh-CN", time_zone="Asia/Shanghai")
EN = Formatter(locale="en", time_zone="Asia/Shanghai")
NOW = dt.datetime(2026, 11, 24, 5, 0, tzinfo=dt.UTC)  # 13:00 in Shanghai


def test_days_are_counted_in_the_tenant_calendar() -> None:
    # 17:00 UTC on the 26th is already the 27th in Shanghai: three calendar days away.
    when = parse_time("2026-11-26T17:00:00Z")
    assert days_until(when, now=NOW, zone=EN.zone) == 3
    assert days_until(when, now=NOW, zone=dt.UTC) == 2
    assert days_until(NOW + dt.timedelta(hours=1), now=NOW, zone=EN.zone) == 0
    assert days_until(NOW - dt.timedelta(days=1), now=NOW, zone=EN.zone) == -1


def test_countdown_words_in_both_languages() -> None:
    when = parse_time("2026-11-26T17:00:00+00:00")
    english = countdown(when, now=NOW, fmt=EN, t=partial(translate, "en"))
    assert english.text == "Returns to the pool in 3 days · Nov 27, 2026"
    assert english.short == "3 days to pool"
    chinese = countdown(when, now=NOW, fmt=ZH, t=partial(translate, "zh-CN"))
    assert chinese.text == "3 天后回收到公海 · 2026年11月27日"
    tomorrow = countdown(NOW + dt.timedelta(days=1), now=NOW, fmt=EN, t=partial(translate, "en"))
    assert tomorrow.short == "1 day to pool"
    overdue = countdown(NOW - dt.timedelta(days=2), now=NOW, fmt=EN, t=partial(translate, "en"))
    assert overdue.text.startswith("Due back in the pool since")


def test_badges_show_within_the_reminder_window_or_a_week() -> None:
    assert badge_window({"remind_days_before": 1}) == dt.timedelta(days=7)
    assert badge_window({"remind_days_before": 14}) == dt.timedelta(days=14)
    assert badge_window({}) == dt.timedelta(days=7)


def test_refusals_are_explained_by_their_code() -> None:
    en = partial(translate, "en")
    limit = ApiError(409, {"code": "daily_claim_limit", "detail": "...", "limit": 5})
    assert refusal_text(limit, fmt=EN, t=en) == (
        "You have reached today's claim limit for this pool (5 a day)."
    )
    owned = ApiError(409, {"code": "owned_limit", "limit": 10, "owned": 10})
    assert "own 10 customers" in refusal_text(owned, fmt=EN, t=en)
    cooldown = ApiError(409, {"code": "claim_cooldown", "until": "2026-11-30T02:00:00+00:00"})
    assert refusal_text(cooldown, fmt=ZH, t=partial(translate, "zh-CN")) == (
        "你刚失去这个客户，2026年11月30日 10:00 之后才能再领取。"
    )
    unknown = ApiError(409, {"code": "something_new", "detail": "The API's own words"})
    assert refusal_text(unknown, fmt=EN, t=en) == "The API's own words"


def test_the_seeded_pool_name_is_said_in_the_page_language_a_chosen_one_as_given() -> None:
    assert pool_name("Default pool", "zh-CN") == "默认公海"
    assert pool_name("Default pool", "en") == "Default pool"
    assert pool_name("华南公海", "en") == "华南公海"  # renamed by an admin: theirs to word
