"""Dates, numbers and money as a Chinese or an English reader expects them."""

import pytest

from crm_web.formatting import Formatter

ZH = Formatter(locale="zh-CN", time_zone="Asia/Shanghai", currency="CNY")
EN = Formatter(locale="en", time_zone="Asia/Shanghai", currency="CNY")


def test_dates_in_the_tenant_time_zone() -> None:
    # 20:30 UTC on the 31st is already the 1st in Shanghai.
    moment = "2026-01-31T20:30:00+00:00"
    assert ZH.datetime(moment) == "2026年2月1日 04:30"
    assert EN.datetime(moment) == "Feb 1, 2026, 04:30"
    assert ZH.date("2026-11-24") == "2026年11月24日"
    assert EN.date("2026-11-24") == "Nov 24, 2026"
    assert EN.date(None) == ""
    assert EN.date("not a date") == ""


@pytest.mark.parametrize(
    ("formatter", "amount", "currency", "expected"),
    [
        (ZH, "12345.6", None, "¥12,345.60"),
        (EN, "12345.6", None, "CN¥12,345.60"),
        (EN, 1000, "USD", "$1,000.00"),
        (ZH, 1000, "USD", "US$1,000.00"),
        (EN, "-5.005", None, "-CN¥5.01"),
        (EN, 1200, "JPY", "¥1,200"),
        (EN, 3, "CHF", "CHF 3.00"),
    ],
)
def test_money(formatter: Formatter, amount: object, currency: str | None, expected: str) -> None:
    assert formatter.money(amount, currency) == expected


def test_numbers_are_grouped() -> None:
    assert EN.number(1234567) == "1,234,567"
    assert ZH.number("1234.5") == "1,234.5"
    assert EN.number("0.125", decimals=2) == "0.13"
