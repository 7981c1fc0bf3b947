"""Customers: create, read, update with If-Match, soft delete and restore, the change
history, dictionaries and the events every change publishes."""

import threading
from typing import Any

from customers_testkit import Org


def test_create_read_update_with_version_and_history(acme: Org) -> None:
    acme.created("/api/v1/categories/tag", {"key": "vip", "label": "VIP"})
    created = acme.customer(
        "北京华强科技有限公司", phone="138 1234 5678", email="Zhang@Example.com", tags=["vip"]
    )
    assert created["version"] == 1
    customer_id = created["id"]
    got = acme.get(f"/api/v1/customers/{customer_id}")
    assert got.status_code == 200
    assert got.headers["ETag"] == '"1"'
    body = got.json()
    assert body["phone"] == "13812345678"
    assert body["email"] == "zhang@example.com"
    assert body["status"] == "potential"
    assert body["owner_id"] == acme.ids["admin"]

    stale = acme.patch(
        f"/api/v1/customers/{customer_id}", {"level": "a"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 200, stale.text
    assert stale.json()["version"] == 2
    again = acme.patch(
        f"/api/v1/customers/{customer_id}", {"level": "b"}, headers={"If-Match": '"1"'}
    )
    assert again.status_code == 412
    assert again.json()["code"] == "precondition_failed"
    assert acme.get(f"/api/v1/customers/{customer_id}").json()["level"] == "a"

    history = acme.get(f"/api/v1/customers/{customer_id}/history").json()["items"]
    assert [h["action"] for h in history] == ["updated", "created"]
    assert history[0]["changes"] == [{"field": "level", "from": None, "to": "a"}]
    assert history[0]["actor_id"] == acme.ids["admin"]


def test_dictionary_values_are_checked_and_statuses_renamed(acme: Org) -> None:
    bad = acme.post("/api/v1/customers", {"kind": "company", "name": "X", "level": "nope"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "level"
    bad_tag = acme.post("/api/v1/customers", {"kind": "company", "name": "X", "tags": ["zz"]})
    assert bad_tag.status_code == 422
    assert bad_tag.json()["errors"][0]["field"] == "tags"
    renamed = acme.patch("/api/v1/categories/status/deal", {"label": "成交"})
    assert renamed.status_code == 200
    statuses = acme.get("/api/v1/categories/status").json()["items"]
    assert [s["key"] for s in statuses] == ["potential", "intent", "deal", "lost"]
    assert statuses[2]["label"] == "成交"
    acme.created("/api/v1/categories/status", {"key": "dormant", "label": "Dormant", "position": 9})
    assert acme.customer("Dormant Co", status="dormant")["customer"]["status"] == "dormant"


def test_concurrent_updates_one_wins_the_other_gets_412(acme: Org) -> None:
    customer = acme.customer("Race Co")
    path = f"/api/v1/customers/{customer['id']}"
    barrier = threading.Barrier(4)
    results: list[int] = []

    def write(level: str) -> None:
        barrier.wait()
        response = acme.patch(path, {"level": level, "notes": level}, headers={"If-Match": '"1"'})
        results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(lvl,)) for lvl in ("a", "b", "c", "a")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 412, 412, 412]
    assert acme.get(path).json()["version"] == 2


def test_soft_delete_to_the_recycle_bin_and_restore(acme: Org) -> None:
    customer = acme.customer("Binned Co")
    path = f"/api/v1/customers/{customer['id']}"
    assert acme.delete(path).status_code == 204
    assert acme.get(path).status_code == 404
    assert "Binned Co" not in acme.names("/api/v1/customers")
    assert "Binned Co" in acme.names("/api/v1/customers/recycle-bin")
    restored = acme.post(f"{path}/restore")
    assert restored.status_code == 200, restored.text
    assert acme.get(path).status_code == 200
    assert "Binned Co" in acme.names("/api/v1/customers")
    actions = [h["action"] for h in acme.get(f"{path}/history").json()["items"]]
    assert actions == ["restored", "deleted", "created"]


def test_every_change_is_published_with_the_record(acme: Org) -> None:
    customer = acme.customer("Evented Co", phone="13900001111")
    path = f"/api/v1/customers/{customer['id']}"
    acme.patch(path, {"notes": "hello"})
    rep = acme.add_user("rita", roles=("sales_rep",))
    acme.patch(path, {"owner_id": rep})
    acme.delete(path)
    acme.post(f"{path}/restore")

    def of(kind: str) -> list[dict[str, Any]]:
        return [e for e in acme.events(f"customers.customer.{kind}") if e["id"] == customer["id"]]

    assert of("created")[0]["phones"] == ["13900001111"]  # as the owner sees it
    assert [e["notes"] for e in of("updated")][:1] == ["hello"]
    assert of("owner_changed")[0]["owner_id"] == rep
    assert of("owner_changed")[0]["previous_owner_id"] == acme.ids["admin"]
    assert of("deleted")[0]["deleted_at"] is not None
    assert of("restored")[0]["deleted_at"] is None
