"""Console sessions in PostgreSQL: several web processes (here: app objects, each served by
its own uvicorn) share one database and serve one visitor; the real identity service issues
and rotates the tokens (a reused refresh token ends the session there)."""

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text

from crm_identity.definition import routers as identity_routers
from crm_identity.keys.verifier import make_identity_verifier
from crm_identity.testing import identity_consumer, identity_db  # noqa: F401 - fixtures
from crm_web.app import create_app
from crm_web.database import async_engine, migrate
from crm_web.sessions import SessionStore, WebSession, csrf_token
from crm_web.settings import WebSettings
from crmkit.db import Database
from crmkit.events.consumer import EventConsumer
from crmkit.events.envelope import CloudEvent
from crmkit.http import create_app as create_service_app
from crmkit.settings import Settings
from crmkit.testing import databases

SECRET = "sessions-test-secret-key-0123456789"
PASSWORD = "Corr3ct-Horse!"
SERVICES = ("identity", "customers", "sales", "service-desk", "files", "search")
VISITOR = "crm_visitor"  # without Secure: the test talks plain http to 127.0.0.1


@contextmanager
def serve(app: Any) -> Iterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a loaded shared machine starts slowly
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@dataclass
class Company:
    slug: str
    tenant_id: str
    admin_email: str


@pytest.fixture(scope="module")
def identity_url(identity_db: Database, crm_settings: Settings) -> Iterator[str]:  # noqa: F811
    app = create_service_app(
        title="CRM identity",
        verifier=make_identity_verifier(identity_db, crm_settings),
        routers=identity_routers(),
        db=identity_db,
    )
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def companies(
    identity_url: str,
    identity_consumer: EventConsumer,  # noqa: F811
) -> tuple[Company, Company]:
    def sign_up(prefix: str) -> Company:
        slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
        email = f"admin@{slug}.example"
        response = httpx.post(
            f"{identity_url}/api/v1/signup",
            json={
                "company_name": f"{prefix.title()} Ltd",
                "slug": slug,
                "admin_email": email,
                "admin_password": PASSWORD,
                "admin_name": f"{prefix.title()} Admin",
                "locale": "en",
            },
        )
        assert response.status_code == 202, response.text
        tenant_id = response.json()["tenant_id"]
        for service in SERVICES:  # every service says it is ready: the tenant turns active
            identity_consumer.process(
                CloudEvent(
                    type=f"{service}.tenant.provisioned",
                    source=f"/crm/{service}",
                    tenantid=tenant_id,
                    data={"tenant_id": tenant_id, "service": service},
                )
            )
        return Company(slug, tenant_id, email)

    return sign_up("acme"), sign_up("globex")


@pytest.fixture(scope="module")
def web_db_url(crm_settings: Settings) -> str:
    url = databases.test_database_url(crm_settings, "web-sessions")
    with databases.fresh_database(url):
        pass
    migrate(url)  # what `python -m crm_web migrate` runs
    return url


@pytest.fixture(scope="module")
def db(web_db_url: str) -> Iterator[Engine]:
    engine = create_engine(web_db_url)
    yield engine
    engine.dispose()


MakeWeb = Callable[..., Any]


@pytest.fixture
def make_web(identity_url: str, web_db_url: str) -> MakeWeb:
    """`with make_web() as url:` one more web process on the shared database."""

    @contextmanager
    def make(**settings: Any) -> Iterator[str]:
        values = {
            "api_url": identity_url,
            "secret_key": SECRET,
            "secure_cookies": False,
            **settings,
        }
        with serve(create_app(settings=WebSettings(**values), database_url=web_db_url)) as url:
            yield url

    return make


def sign_in(web: str, company: Company) -> str:
    """Signs the company's admin in through one web process; returns the visitor cookie."""
    with httpx.Client(base_url=web) as browser:
        form = browser.get("/sign-in")
        visitor = form.cookies[VISITOR]
        response = browser.post(
            "/sign-in",
            data={
                "tenant": company.slug,
                "email": company.admin_email,
                "password": PASSWORD,
                "next": "/admin/users",
                "csrf_token": csrf_token(SECRET, visitor),
            },
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/admin/users"
        return str(response.cookies[VISITOR])


def browse(web: str, visitor: str, path: str = "/admin/users") -> httpx.Response:
    return httpx.get(f"{web}{path}", cookies={VISITOR: visitor}, timeout=30)


def signed_in_as(response: httpx.Response, company: Company) -> bool:
    if response.status_code == 303:
        assert response.headers["location"].startswith("/sign-in?next=")
        return False
    assert response.status_code == 200, response.text
    return company.admin_email in response.text


def key_of(visitor: str) -> bytes:
    # The store derives its keys at once; its engine connects only when used (never here).
    store = SessionStore(
        async_engine("postgresql+psycopg:///unused"), secret_key=SECRET, idle_seconds=1
    )
    return store.key_of(visitor)


def rows(db: Engine, *visitors: str) -> list[dict[str, Any]]:
    with db.connect() as connection:
        found = connection.execute(
            text("SELECT * FROM platform.web_sessions WHERE id = ANY(:keys)"),
            {"keys": [key_of(visitor) for visitor in visitors]},
        )
        return [dict(row._mapping) for row in found]


def version(db: Engine, visitor: str) -> int:
    [row] = rows(db, visitor)
    return int(row["version"])


def expire_access_token(db: Engine, visitor: str) -> None:
    with db.begin() as connection:
        connection.execute(
            text(
                "UPDATE platform.web_sessions SET access_expires_at = now() - interval '1 minute'"
                " WHERE id = :key"
            ),
            {"key": key_of(visitor)},
        )


def stored_session(web_db_url: str, visitor: str) -> WebSession | None:
    async def read() -> WebSession | None:
        store = SessionStore(async_engine(web_db_url), secret_key=SECRET, idle_seconds=3600)
        try:
            return await store.get(visitor)
        finally:
            await store.engine.dispose()

    return asyncio.run(read())


def test_one_session_served_by_every_replica_and_refreshed_once(
    make_web: MakeWeb, companies: tuple[Company, Company], db: Engine
) -> None:
    acme, _ = companies
    with make_web() as a, make_web() as b:
        visitor = sign_in(a, acme)
        assert signed_in_as(browse(b, visitor), acme)
        [row] = rows(db, visitor)
        assert (row["version"], str(row["tenant_id"])) == (1, acme.tenant_id)

        # B refreshes the expiring token; A then uses B's new tokens. Had A refreshed with
        # the old refresh token, identity would have ended the session (reuse).
        expire_access_token(db, visitor)
        assert signed_in_as(browse(b, visitor), acme)
        assert version(db, visitor) == 2
        assert signed_in_as(browse(a, visitor), acme)
        assert version(db, visitor) == 2

        # Both replicas at once, several requests each (each page makes several API calls
        # at once): exactly one refresh, and every request is served.
        expire_access_token(db, visitor)
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda web: browse(web, visitor), [a, b, a, b, a, b]))
        assert [signed_in_as(answer, acme) for answer in answers] == [True] * 6
        assert version(db, visitor) == 3
        assert signed_in_as(browse(b, visitor), acme)


def test_sign_out_on_one_replica_signs_out_every_replica(
    make_web: MakeWeb,
    companies: tuple[Company, Company],
    db: Engine,
    web_db_url: str,
    identity_url: str,
) -> None:
    _, globex = companies
    with make_web() as a, make_web() as b:
        visitor = sign_in(a, globex)
        assert signed_in_as(browse(b, visitor), globex)
        session = stored_session(web_db_url, visitor)
        assert session is not None
        response = httpx.post(
            f"{a}/sign-out",
            cookies={VISITOR: visitor},
            data={"csrf_token": csrf_token(SECRET, visitor)},
        )
        assert response.status_code == 303
        assert not signed_in_as(browse(b, visitor), globex)
        assert rows(db, visitor) == []
        # Identity ended it too: the tokens the console held are refused.
        me = httpx.get(
            f"{identity_url}/api/v1/me",
            headers={"Authorization": f"Bearer {session.access_token}"},
        )
        assert me.status_code == 401


def test_a_restart_keeps_visitors_signed_in(
    make_web: MakeWeb, companies: tuple[Company, Company]
) -> None:
    acme, _ = companies
    with make_web() as before:
        visitor = sign_in(before, acme)
        assert signed_in_as(browse(before, visitor), acme)
    with make_web() as after:  # a new process: nothing in memory
        assert signed_in_as(browse(after, visitor), acme)
    # Another CRM_WEB_SECRET_KEY neither finds nor opens the row: signed out, not a 500.
    with make_web(secret_key="another-secret-key-9876543210") as other:
        assert not signed_in_as(browse(other, visitor), acme)


def unused_for(db: Engine, visitor: str, seconds: float) -> None:
    """As if the visitor had not been seen for that long (no sleeping in tests)."""
    with db.begin() as connection:
        connection.execute(
            text(
                "UPDATE platform.web_sessions SET last_seen_at = now() - make_interval(secs => :s)"
                " WHERE id = :key"
            ),
            {"s": seconds, "key": key_of(visitor)},
        )


def last_seen_ago(db: Engine, visitor: str) -> float:
    with db.connect() as connection:
        return float(
            connection.execute(
                text(
                    "SELECT extract(epoch FROM now() - last_seen_at)"
                    " FROM platform.web_sessions WHERE id = :key"
                ),
                {"key": key_of(visitor)},
            ).scalar_one()
        )


def test_idle_sessions_end_and_are_pruned(
    make_web: MakeWeb, companies: tuple[Company, Company], db: Engine
) -> None:
    acme, _ = companies
    with make_web(session_idle_seconds=600) as web:
        kept, idle = sign_in(web, acme), sign_in(web, acme)
        # Used 9 minutes ago: still alive, and using it marks it used now.
        unused_for(db, kept, 540)
        assert signed_in_as(browse(web, kept), acme)
        assert last_seen_ago(db, kept) < 60
        # Recently marked: a read leaves the row alone (most requests write nothing).
        unused_for(db, kept, 30)
        assert signed_in_as(browse(web, kept), acme)
        assert last_seen_ago(db, kept) >= 30
        # Unused for longer than the idle time: signed out, on every path.
        unused_for(db, idle, 601)
        assert not signed_in_as(browse(web, idle), acme)
        assert signed_in_as(browse(web, kept), acme)
        # Reads skip idle rows; being sent to sign in deletes the row.
        assert rows(db, idle) == []
        unused_for(db, kept, 601)
    with make_web(session_idle_seconds=600) as fresh:  # its first sign-in prunes idle rows
        assert len(rows(db, kept)) == 1
        newer = sign_in(fresh, acme)
        assert rows(db, kept) == []
        assert len(rows(db, newer)) == 1


def test_the_table_holds_no_usable_secret(
    make_web: MakeWeb, companies: tuple[Company, Company], db: Engine, web_db_url: str
) -> None:
    acme, _ = companies
    with make_web() as web:
        visitor = sign_in(web, acme)
    session = stored_session(web_db_url, visitor)
    assert session is not None
    with db.connect() as connection:
        dumped = connection.execute(
            text(
                "SELECT convert_to(t::text, 'UTF8') || t.sealed || t.id"
                " FROM platform.web_sessions t WHERE id = :key"
            ),
            {"key": key_of(visitor)},
        ).scalar_one()
    for secret in (session.access_token, session.refresh_token, visitor, acme.admin_email):
        assert secret.encode() not in dumped
        assert secret.encode().hex().encode() not in dumped  # nor as bytea's hex text
    # The access token's signature part, in case only a piece would leak.
    assert session.access_token.rsplit(".", 1)[1].encode() not in dumped


def test_two_tenants_sessions_never_mix(
    make_web: MakeWeb, companies: tuple[Company, Company], db: Engine
) -> None:
    acme, globex = companies
    with make_web() as a, make_web() as b:
        acme_visitor, globex_visitor = sign_in(a, acme), sign_in(b, globex)
        assert [str(rows(db, v)[0]["tenant_id"]) for v in (acme_visitor, globex_visitor)] == [
            acme.tenant_id,
            globex.tenant_id,
        ]
        for web in (a, b):
            acme_page, globex_page = browse(web, acme_visitor), browse(web, globex_visitor)
            assert signed_in_as(acme_page, acme)
            assert globex.admin_email not in acme_page.text
            assert signed_in_as(globex_page, globex)
            assert acme.admin_email not in globex_page.text
        # Someone who can write the table moves Globex's sealed tokens into Acme's row: they
        # do not open there (the row's key is bound into the seal), so Acme's visitor is
        # signed out rather than served as Globex.
        with db.begin() as connection:
            connection.execute(
                text(
                    "UPDATE platform.web_sessions SET sealed ="
                    " (SELECT sealed FROM platform.web_sessions WHERE id = :g)"
                    " WHERE id = :a"
                ),
                {"g": key_of(globex_visitor), "a": key_of(acme_visitor)},
            )
        moved = browse(a, acme_visitor)
        assert not signed_in_as(moved, acme)
        assert globex.admin_email not in moved.text
        assert signed_in_as(browse(b, globex_visitor), globex)


def test_a_visitor_without_a_cookie_costs_no_session_read(make_web: MakeWeb) -> None:
    # Nothing to read for a visitor id minted by this very request: the sign-in page is
    # served even when the database is unreachable.
    with make_web() as web:
        assert httpx.get(f"{web}/sign-in").status_code == 200
    unreachable = "postgresql+psycopg://crm:crm@127.0.0.1:9/nowhere"
    app = create_app(settings=WebSettings(api_url="http://127.0.0.1:9"), database_url=unreachable)
    with serve(app) as web:
        response = httpx.get(f"{web}/sign-in")
        assert response.status_code == 200
        assert re.search(r'name="csrf_token" value="[0-9a-f]{64}"', response.text)


def test_a_dropped_database_connection_costs_no_request(
    make_web: MakeWeb, companies: tuple[Company, Company], db: Engine
) -> None:
    acme, _ = companies
    with make_web() as web:
        visitor = sign_in(web, acme)
        assert signed_in_as(browse(web, visitor), acme)
        # As after a database restart or failover: the web process's pooled connections die.
        with db.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert ended >= 1
        assert signed_in_as(browse(web, visitor), acme)
