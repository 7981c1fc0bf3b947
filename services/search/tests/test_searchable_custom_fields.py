"""Only custom fields marked searchable are matched: the customers events say which keys
are, per tenant."""

from search_testkit import SearchWorld, Tenant


def _field(tenant: Tenant, key: str, *, searchable: bool) -> None:
    tenant.created(
        "/api/v1/custom-fields",
        {
            "entity": "customer",
            "key": key,
            "label": key.title(),
            "type": "text",
            "searchable": searchable,
        },
    )


def test_only_searchable_custom_fields_are_matched(world: SearchWorld) -> None:
    acme, globex = world.tenant("acme"), world.tenant("globex")
    _field(acme, "region", searchable=True)
    _field(acme, "vault_code", searchable=False)
    _field(globex, "vault_code", searchable=True)
    acme.customer("Acme Widgets", custom={"region": "Zhejiangnorth", "vault_code": "qx77secret"})
    globex.customer("Globex Gears", custom={"vault_code": "qx77secret"})
    acme.deliver()
    globex.deliver()

    assert acme.titles("Zhejiangnorth") == {"Acme Widgets"}
    assert acme.titles("qx77secret") == set()  # not searchable in acme
    assert globex.titles("qx77secret") == {"Globex Gears"}  # searchable in globex
    assert globex.titles("Zhejiangnorth") == set()
    found = acme.found("Acme Widgets")[0]
    assert found["custom"] == {"region": "Zhejiangnorth"}
