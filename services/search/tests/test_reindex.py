"""An admin re-indexes their tenant from the search API: identity issues the service
token (for the admin), customers streams the records, search finds them afterwards; the
other tenant is untouched and cannot see the run; a rep without the permission is refused;
one running re-index per tenant, a dead one reported stale."""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from search_testkit import SearchWorld, Tenant

from crm_proto.crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crm_proto.crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crm_search.indexing import store
from crm_search.indexing.registry import CUSTOMER
from crm_search.reindexing.models import ReindexRun, RunStatus
from crm_search.reindexing.tokens import ServiceTokenClient, set_service_token_client
from crm_search.settings import get_search_settings
from crmkit.db import Database
from crmkit.grpc import GrpcServer, make_channel

REINDEX = "/api/v1/search/reindex"


@pytest.fixture
def reindexing(customers_grpc: GrpcServer, identity_grpc: GrpcServer) -> Iterator[None]:
    """The search API's re-index reaches the test's customers and identity servers."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_SEARCH_CUSTOMERS_GRPC_TARGET", f"127.0.0.1:{customers_grpc.port}")
        get_search_settings.cache_clear()
        set_service_token_client(ServiceTokenClient(f"127.0.0.1:{identity_grpc.port}"))
        yield
        set_service_token_client(None)
    get_search_settings.cache_clear()


def start(tenant: Tenant, as_: str = "admin") -> Any:
    return tenant.world.search.post(REINDEX, headers=tenant.headers(as_))


def run_of(tenant: Tenant, run_id: str, as_: str = "admin") -> Any:
    return tenant.world.search.get(f"{REINDEX}/{run_id}", headers=tenant.headers(as_))


def finished(tenant: Tenant, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = run_of(tenant, run_id)
        assert response.status_code == 200, response.text
        if response.json()["status"] != "running":
            return dict(response.json())
        time.sleep(0.2)
    raise AssertionError(f"re-index {run_id} still running after 60 s")


def contact(tenant: Tenant, customer_id: str, name: str) -> None:
    created = tenant.post(f"/api/v1/customers/{customer_id}/contacts", {"name": name})
    assert created.status_code == 201, created.text


def title_of(world: SearchWorld, tenant: Tenant, customer_id: str) -> str | None:
    doc = store.get(world.opensearch, CUSTOMER, tenant_id=tenant.tenant_id, doc_id=customer_id)
    return None if doc is None else str(doc["title"])


def test_an_admin_reindexes_a_tenant_never_indexed_and_search_finds_it(
    world: SearchWorld, reindexing: None
) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    acme_customers = [acme.customer(f"Rebuilt Co {i}") for i in range(12)]
    for customer in acme_customers[:4]:
        contact(acme, customer["id"], "Rebuilt Liaison")
    # The index never saw acme's records (a new index, events lost long ago).
    world.delivered.update(row_id for row_id, _ in acme.envelopes())
    acme.refresh()
    assert acme.titles("Rebuilt") == set()

    # Globex's index is current, then its customer is renamed without the event arriving:
    # only a re-index of globex (not of acme) would change its document.
    kept = globex.customer("Rebuilt Globex Co")
    globex.deliver()
    renamed = globex.patch(
        f"/api/v1/customers/{kept['id']}",
        {"name": "Renamed Globex Co"},
        headers={"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    world.delivered.update(row_id for row_id, _ in globex.envelopes())

    started = start(acme)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "running"
    run = finished(acme, started.json()["id"])
    assert run["status"] == "done", run
    assert (run["customers"], run["contacts"]) == (12, 4)
    assert run["finished_at"] >= run["started_at"]
    assert "error" not in run

    acme.refresh()
    assert acme.titles("Rebuilt") == {f"Rebuilt Co {i}" for i in range(12)}
    assert len(acme.found("Liaison", group="contact")) == 4
    assert title_of(world, globex, kept["id"]) == "Rebuilt Globex Co"
    assert globex.titles("Rebuilt") == {"Rebuilt Globex Co"}
    assert run_of(globex, run["id"]).status_code == 404


def test_a_rep_without_the_permission_gets_403_and_nothing_runs(
    world: SearchWorld, reindexing: None, search_db: Database
) -> None:
    acme = world.tenant("acme")
    acme.add_user("rae", roles=("sales_rep",))
    refused = start(acme, as_="rae")
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "permission_denied"
    with search_db.platform_session() as session:
        runs = session.query(ReindexRun).filter_by(tenant_id=uuid.UUID(acme.tenant_id)).count()
    assert runs == 0
    started = start(acme)
    assert run_of(acme, started.json()["id"], as_="rae").status_code == 403
    finished(acme, started.json()["id"])


def _running_row(db: Database, tenant: Tenant, heartbeat_age: timedelta) -> str:
    now = datetime.now(UTC)
    run = ReindexRun(
        id=uuid.uuid4(),
        tenant_id=uuid.UUID(tenant.tenant_id),
        requested_by=tenant.ids["admin"],
        status=RunStatus.RUNNING,
        customers=3,
        contacts=0,
        started_at=now - heartbeat_age,
        heartbeat_at=now - heartbeat_age,
    )
    with db.platform_transaction() as session:
        session.add(run)
    return str(run.id)


def test_one_running_reindex_per_tenant_and_a_dead_one_is_stale(
    world: SearchWorld, reindexing: None, search_db: Database
) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    alive = _running_row(search_db, acme, timedelta(seconds=5))
    busy = start(acme)
    assert busy.status_code == 409, busy.text
    assert alive in busy.json()["detail"]
    # Another tenant's running re-index does not hold globex back.
    other = start(globex)
    assert other.status_code == 202, other.text
    assert finished(globex, other.json()["id"])["status"] == "done"

    stale_after = get_search_settings().reindex_stale_seconds
    dead = _running_row(search_db, globex, timedelta(seconds=stale_after + 5))
    assert run_of(globex, dead).json()["status"] == "stale"
    replacing = start(globex)
    assert replacing.status_code == 202, replacing.text
    assert finished(globex, replacing.json()["id"])["status"] == "done"
    assert run_of(globex, dead).json()["status"] == "stale"
    assert run_of(acme, alive).json()["status"] == "running"


def test_identitys_service_token_opens_customers_stream_of_the_users_tenant_only(
    world: SearchWorld, customers_grpc: GrpcServer, identity_grpc: GrpcServer
) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    acme.customer("Streamed Acme Co")
    globex.customer("Streamed Globex Co")
    identity = identity_pb2_grpc.IdentityServiceStub(
        make_channel(f"127.0.0.1:{identity_grpc.port}")
    )
    token = identity.IssueServiceToken(
        identity_pb2.IssueServiceTokenRequest(service="search", purpose="reindex"),
        metadata=(("authorization", acme.headers()["Authorization"]),),
    ).token
    customers = customers_pb2_grpc.CustomersServiceStub(
        make_channel(f"127.0.0.1:{customers_grpc.port}")
    )
    streamed = customers.StreamCustomers(
        customers_pb2.StreamCustomersRequest(),
        metadata=(("authorization", f"Bearer {token}"),),
        timeout=30,
    )
    assert [r.customer.name for r in streamed] == ["Streamed Acme Co"]
    # A user's own token is not enough for the stream.
    with pytest.raises(grpc.RpcError) as refused:
        list(
            customers.StreamCustomers(
                customers_pb2.StreamCustomersRequest(),
                metadata=(("authorization", acme.headers()["Authorization"]),),
                timeout=30,
            )
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_a_run_fails_saying_why_when_identity_refuses_the_service_token(
    world: SearchWorld, reindexing: None
) -> None:
    acme = world.tenant("acme")
    acme.customer("Never Rebuilt Co")
    world.delivered.update(row_id for row_id, _ in acme.envelopes())
    role = acme.identity_created(
        "/api/v1/roles", {"name": "Indexer", "permissions": ["search:reindex"], "scopes": {}}
    )
    acme.add_user("ivy", role_ids=(str(role["id"]),))
    acme.identity_patch(f"/api/v1/roles/{role['id']}", {"permissions": ["search:use"]})
    # Ivy's token still lists search:reindex, so search starts the run; identity, asked
    # for the service token, goes by her roles now.
    started = start(acme, as_="ivy")
    assert started.status_code == 202, started.text
    run = finished(acme, started.json()["id"])
    assert run["status"] == "failed", run
    assert "search:reindex" in run["error"]
    assert run["finished_at"] >= run["started_at"]
    acme.refresh()
    assert acme.titles("Rebuilt") == set()
    again = start(acme)
    assert again.status_code == 202, "a failed run does not block the next"
    assert finished(acme, again.json()["id"])["status"] == "done"
    acme.refresh()
    assert acme.titles("Rebuilt") == {"Never Rebuilt Co"}
