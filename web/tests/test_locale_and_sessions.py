"""Which language a visitor gets, CSRF tokens, and where sign-in may send a user back."""

import pytest

from crm_web.i18n import LOCALES, catalogue, choose_locale, from_accept_language, translate
from crm_web.pages.common import safe_next
from crm_web.sessions import csrf_ok, csrf_token, new_visitor_id


def test_own_choice_then_tenant_then_browser() -> None:
    browser = "en-US,en;q=0.9,zh-CN;q=0.8"
    assert (
        choose_locale(cookie="zh-CN", tenant_locale="en", accept_language=browser, default="en")
        == "zh-CN"
    )
    assert (
        choose_locale(cookie=None, tenant_locale="zh-CN", accept_language=browser, default="en")
        == "zh-CN"
    )
    assert (
        choose_locale(cookie=None, tenant_locale=None, accept_language=browser, default="zh-CN")
        == "en"
    )
    assert (
        choose_locale(cookie="fr", tenant_locale=None, accept_language="fr", default="zh-CN")
        == "zh-CN"
    )
    assert from_accept_language("fr;q=1, zh-TW;q=0.5, en;q=0.7") == "en"
    assert from_accept_language("zh-Hans-CN") == "zh-CN"


def test_both_catalogues_have_every_message() -> None:
    keys = [set(catalogue(locale)) for locale in LOCALES]
    assert keys[0] == keys[1]
    assert translate("zh-CN", "dashboard.hello", name="王") == "您好，王"
    assert translate("en", "no.such.message") == "no.such.message"


def test_csrf_token_belongs_to_one_visitor() -> None:
    alice, mallory = new_visitor_id(), new_visitor_id()
    token = csrf_token("secret", alice)
    assert csrf_ok("secret", alice, token)
    assert not csrf_ok("secret", mallory, token)
    assert not csrf_ok("other secret", alice, token)
    assert not csrf_ok("secret", alice, None)
    assert not csrf_ok("secret", alice, "")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/customers?f=name&op=eq&v=x", "/customers?f=name&op=eq&v=x"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_back_after_sign_in_only_to_this_site(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected
