"""Message catalogues (one JSON file per locale) and which locale a request gets."""

import json
from functools import cache
from pathlib import Path

LOCALES = ("zh-CN", "en")
LOCALE_COOKIE = "crm_locale"
CATALOGUES = Path(__file__).parent / "locales"


@cache
def catalogue(locale: str) -> dict[str, str]:
    """`<locale>.json` plus each area's `<area>.<locale>.json` (pools, imports, files…), so
    areas keep their messages apart; one key in two files is a mistake and fails loudly."""
    data: dict[str, str] = json.loads((CATALOGUES / f"{locale}.json").read_text("utf-8"))
    for area in sorted(CATALOGUES.glob(f"*.{locale}.json")):
        messages: dict[str, str] = json.loads(area.read_text("utf-8"))
        repeated = sorted(set(messages) & set(data))
        if repeated:
            raise ValueError(f"{area.name} repeats messages defined elsewhere: {repeated}")
        data.update(messages)
    return data


def translate(locale: str, key: str, **values: object) -> str:
    """The locale's message, else English, else the key itself (a missing message shows)."""
    message = catalogue(locale).get(key) or catalogue("en").get(key) or key
    return message.format(**values) if values else message


def supported(value: str | None) -> str | None:
    if not value:
        return None
    for locale in LOCALES:
        if value.lower() == locale.lower():
            return locale
    if value.lower().startswith("zh"):
        return "zh-CN"
    if value.lower().startswith("en"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first supported language of the browser's list, by weight."""
    if not header:
        return None
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        weighted.append((-weight, position, tag.strip()))
    for _, _, tag in sorted(weighted):
        locale = supported(tag)
        if locale:
            return locale
    return None


def choose_locale(
    *, cookie: str | None, tenant_locale: str | None, accept_language: str | None, default: str
) -> str:
    """The user's own choice, else the tenant's default, else the browser's, else ours."""
    return (
        supported(cookie)
        or supported(tenant_locale)
        or from_accept_language(accept_language)
        or supported(default)
        or "en"
    )
