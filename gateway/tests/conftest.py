"""Fixtures: the upstreams (shared by the session) and a fresh gateway per test."""

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from crm_gateway.app import create_gateway
from crm_gateway.settings import GatewaySettings
from crmkit.settings import Settings
from crmkit.testing.tokens import TestSigner

# Test helpers live in a uniquely named module beside this file: every part's test folder
# is called `tests`, so a package here would collide with the others in one pytest run.
sys.path.insert(0, str(Path(__file__).parent))

from gateway_testkit import (  # noqa: E402
    BASE_DOMAIN,
    ROUTES,
    Hit,
    MakeGateway,
    Upstreams,
    free_port,
    serve,
    upstream_app,
)


@pytest.fixture(scope="session")
def upstreams(signer: TestSigner) -> Iterator[Upstreams]:
    hits: list[Hit] = []
    with (
        serve(upstream_app("identity", signer, hits)) as identity,
        serve(upstream_app("customers", signer, hits)) as customers,
        serve(upstream_app("sales", signer, hits)) as sales,
    ):
        yield Upstreams(
            urls={
                "identity": identity,
                "customers": customers,
                "sales": sales,
                "files": f"http://127.0.0.1:{free_port()}",
            },
            hits=hits,
        )


@pytest.fixture
def hits(upstreams: Upstreams) -> Upstreams:
    upstreams.hits.clear()
    return upstreams


@pytest.fixture
def make_gateway(upstreams: Upstreams) -> Iterator[MakeGateway]:
    with ExitStack() as stack:

        def make(**overrides: Any) -> str:
            tracer_provider = overrides.pop("tracer_provider", None)
            values: dict[str, Any] = {
                "services": upstreams.urls,
                "routes": ROUTES,
                "base_domain": BASE_DOMAIN,
                "upstream_timeout_seconds": 1.0,
                "rate_ip_per_minute": 1000,
                "rate_auth_ip_per_minute": 1000,
                "rate_tenant_per_minute": 1000,
                **overrides,
            }
            platform = Settings(
                identity_jwks_url=f"{upstreams.urls['identity']}/.well-known/jwks.json",
                # The test identity here serves keys only; the live-session check against
                # the real identity is proven end to end (tests/e2e/test_identity_e2e.py).
                session_check_enabled=False,
            )
            app = create_gateway(
                settings=GatewaySettings(**values),
                platform=platform,
                tracer_provider=tracer_provider,
            )
            return stack.enter_context(serve(app))

        yield make


@pytest.fixture
def gateway(make_gateway: MakeGateway, hits: Upstreams) -> str:
    return make_gateway()
