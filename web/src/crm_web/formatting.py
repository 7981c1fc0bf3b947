"""Dates, numbers and money the way each supported locale writes them.

Two locales only (zh-CN, en), so a few rules suffice here; Babel is the step up when a
third locale or plural rules arrive.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Symbols as each locale shows a currency; others are shown by code.
SYMBOLS = {
    "zh-CN": {"CNY": "¥", "USD": "US$", "EUR": "€", "HKD": "HK$", "JPY": "JP¥", "GBP": "£"},
    "en": {"CNY": "CN¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥", "GBP": "£"},
}
MINOR_UNITS = {"JPY": 0, "KRW": 0}


def _parse(value: object) -> dt.datetime | dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value
    text = str(value)
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class Formatter:
    def __init__(self, *, locale: str, time_zone: str = "UTC", currency: str = "CNY") -> None:
        self.locale = locale
        self.currency = currency
        try:
            self.zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = ZoneInfo("UTC")

    def date(self, value: object) -> str:
        parsed = _parse(value)
        if parsed is None:
            return ""
        if isinstance(parsed, dt.datetime):
            parsed = self._local(parsed).date()
        if self.locale == "zh-CN":
            return f"{parsed.year}年{parsed.month}月{parsed.day}日"
        return f"{MONTHS_EN[parsed.month - 1]} {parsed.day}, {parsed.year}"

    def datetime(self, value: object) -> str:
        parsed = _parse(value)
        if parsed is None:
            return ""
        if not isinstance(parsed, dt.datetime):
            return self.date(parsed)
        local = self._local(parsed)
        separator = " " if self.locale == "zh-CN" else ", "
        return f"{self.date(local)}{separator}{local:%H:%M}"

    def number(self, value: object, *, decimals: int | None = None) -> str:
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value) if value is not None else ""
        if decimals is not None:
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            return f"{number:,.{decimals}f}"
        return f"{number:,}" if number == number.to_integral() else f"{number:,f}"

    def money(self, value: object, currency: str | None = None) -> str:
        code = (currency or self.currency).upper()
        if value is None or value == "":
            return ""
        amount = self.number(value, decimals=MINOR_UNITS.get(code, 2))
        negative = amount.startswith("-")
        amount = amount.lstrip("-")
        symbol = SYMBOLS.get(self.locale, {}).get(code)
        text = f"{symbol}{amount}" if symbol else f"{code} {amount}"
        return f"-{text}" if negative else text

    def _local(self, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        return value.astimezone(self.zone)
