"""Identity's role, user and department changes reach search at once, not when the
cached access answers expire."""

import uuid

from search_testkit import SearchWorld

from crm_search.epochs import repository as epochs
from crmkit.access import AccessClient, access_client, set_access_client
from crmkit.db import Database


def test_a_role_change_reaches_search_before_the_cache_expires(
    world: SearchWorld, search_db: Database
) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    role = acme.role("narrow", scope="own")
    acme.add_user("nina", role_ids=(role,))
    acme.customer("Alpha Robotics")
    globex.customer("Alpha Globex")
    acme.deliver()
    globex.deliver()
    previous = access_client()
    set_access_client(AccessClient(previous._target, cache_seconds=60))  # noqa: SLF001
    try:
        assert acme.titles("Alpha", as_="nina") == set()
        acme.identity_patch(f"/api/v1/roles/{role}", {"scopes": {"customers": "all"}})
        assert acme.titles("Alpha", as_="nina") == set()  # still the cached answer
        assert acme.deliver_access_changes() >= 1
        assert acme.titles("Alpha", as_="nina") == {"Alpha Robotics"}
        assert acme.deliver_access_changes() == 0  # delivered twice, applied once
        assert globex.titles("Alpha") == {"Alpha Globex"}
        with search_db.platform_session() as session:
            assert epochs.current(session, uuid.UUID(acme.tenant_id)) >= 1
            assert epochs.current(session, uuid.UUID(globex.tenant_id)) == 0
    finally:
        set_access_client(previous)
