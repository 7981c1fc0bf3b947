"""The pure pieces: token buckets and reading a tenant slug from a host."""

import pytest

from crm_gateway.limits import RateLimiter, retry_after
from crm_gateway.routes import RESERVED_SUBDOMAINS
from crm_gateway.tenants import host_slug


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=6, clock=lambda: now[0])
    assert [limiter.take("ip") for _ in range(6)] == [0.0] * 6
    assert limiter.take("ip") == pytest.approx(10.0)
    assert limiter.take("other") == 0.0, "keys do not share a bucket"
    now[0] = 9.0
    assert limiter.take("ip") == pytest.approx(1.0)
    now[0] = 10.0
    assert limiter.take("ip") == 0.0
    assert retry_after(0.2) == "1"
    assert retry_after(9.1) == "10"


@pytest.mark.parametrize(
    ("host", "slug"),
    [
        ("acme.crm.test", "acme"),
        ("ACME.crm.test:8443", "acme"),
        ("acme.crm.test.", "acme"),
        ("crm.test", None),
        ("www.crm.test", None),
        ("a.b.crm.test", None),
        ("acme.evil-crm.test", None),
        ("acme.crm.test.evil.test", None),
        ("[::1]:8000", None),
        ("127.0.0.1:8000", None),
        (None, None),
    ],
)
def test_host_slug(host: str | None, slug: str | None) -> None:
    assert host_slug(host, base_domain="crm.test", reserved=RESERVED_SUBDOMAINS) == slug


def test_no_base_domain_means_no_slug() -> None:
    assert host_slug("acme.crm.test", base_domain=None, reserved=RESERVED_SUBDOMAINS) is None
