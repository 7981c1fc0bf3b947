"""customers.v1 over gRPC: records as the caller may see them (masked), access checks for
another user asked by a service, and a tenant's whole stream for re-indexing."""

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from customers_testkit import Org

from crm_proto.crm.customers.v1 import customers_pb2, customers_pb2_grpc
from crmkit.grpc import GrpcServer, make_channel


@pytest.fixture
def stub(customers_grpc: GrpcServer) -> Iterator[Any]:
    channel = make_channel(f"127.0.0.1:{customers_grpc.port}")
    yield customers_pb2_grpc.CustomersServiceStub(channel)
    channel.close()


def auth(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def test_get_customers_and_contacts_masked_for_the_caller(
    stub: Any, acme: Org, globex: Org
) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    acme.add_user("sam", roles=("sales_rep",))
    mine = acme.customer(
        "Rita's", as_="rita", phone="13812345678", collaborator_ids=[acme.ids["sam"]]
    )
    hidden = acme.customer("Admin's")
    contact = acme.created(
        f"/api/v1/customers/{mine['id']}/contacts", {"name": "Z", "phones": ["13900001111"]}
    )
    theirs = globex.customer("Globex's")
    answer = stub.GetCustomers(
        customers_pb2.GetCustomersRequest(ids=[mine["id"], hidden["id"], theirs["id"]]),
        metadata=auth(acme.tokens["sam"]),
    )
    assert [c.id for c in answer.customers] == [mine["id"]]
    assert list(answer.customers[0].phones) == ["138****5678"]
    assert "phone" in answer.customers[0].masked_fields
    own = stub.GetCustomers(
        customers_pb2.GetCustomersRequest(ids=[mine["id"]]), metadata=auth(acme.tokens["rita"])
    )
    assert list(own.customers[0].phones) == ["13812345678"]
    contacts = stub.GetContacts(
        customers_pb2.GetContactsRequest(ids=[contact["id"]]), metadata=auth(acme.tokens["sam"])
    )
    assert list(contacts.contacts[0].phones) == ["139****1111"]
    with pytest.raises(grpc.RpcError) as bad:
        stub.GetCustomers(
            customers_pb2.GetCustomersRequest(ids=["nope"]), metadata=auth(acme.tokens["sam"])
        )
    assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_check_access_for_users_asked_by_a_service(stub: Any, acme: Org, globex: Org) -> None:
    acme.add_user("rita", roles=("sales_rep",))
    acme.add_user("sam", roles=("sales_rep",))
    customer = acme.customer("Rita's", as_="rita")
    contact = acme.created(
        f"/api/v1/customers/{customer['id']}/contacts", {"name": "Q"}, as_="rita"
    )
    service = auth(acme.service_token())

    def check(record_type: int, record_id: str, user: str) -> tuple[bool, bool]:
        answer = stub.CheckAccess(
            customers_pb2.CheckAccessRequest(
                record_type=record_type, record_id=record_id, user_id=acme.ids[user]
            ),
            metadata=service,
        )
        return answer.can_view, answer.can_edit

    assert check(customers_pb2.RECORD_TYPE_CUSTOMER, customer["id"], "rita") == (True, True)
    assert check(customers_pb2.RECORD_TYPE_CUSTOMER, customer["id"], "sam") == (False, False)
    assert check(customers_pb2.RECORD_TYPE_CONTACT, contact["id"], "rita") == (True, True)
    assert check(customers_pb2.RECORD_TYPE_CONTACT, contact["id"], "sam") == (False, False)
    # Users may ask about themselves, not about others; another tenant's id is unknown.
    mine = stub.CheckAccess(
        customers_pb2.CheckAccessRequest(
            record_type=customers_pb2.RECORD_TYPE_CUSTOMER, record_id=customer["id"]
        ),
        metadata=auth(acme.tokens["sam"]),
    )
    assert not mine.can_view
    with pytest.raises(grpc.RpcError) as refused:
        stub.CheckAccess(
            customers_pb2.CheckAccessRequest(
                record_type=customers_pb2.RECORD_TYPE_CUSTOMER,
                record_id=customer["id"],
                user_id=acme.ids["rita"],
            ),
            metadata=auth(acme.tokens["sam"]),
        )
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    other = stub.CheckAccess(
        customers_pb2.CheckAccessRequest(
            record_type=customers_pb2.RECORD_TYPE_CUSTOMER, record_id=customer["id"]
        ),
        metadata=auth(globex.service_token()),
    )
    assert not other.can_view


def test_stream_a_tenants_customers_for_reindexing(stub: Any, acme: Org, globex: Org) -> None:
    names = {f"Streamed {i}" for i in range(5)}
    for name in names:
        acme.customer(name, phone="13812345678" if name.endswith("0") else None, force=True)
    globex.customer("Not acme's")
    deleted = acme.customer("Deleted")
    acme.delete(f"/api/v1/customers/{deleted['id']}")
    streamed = list(
        stub.StreamCustomers(
            customers_pb2.StreamCustomersRequest(), metadata=auth(acme.service_token())
        )
    )
    assert {m.customer.name for m in streamed} == names
    zero = next(m.customer for m in streamed if m.customer.name == "Streamed 0")
    assert list(zero.phones) == ["13812345678"]  # services get it unmasked
    assert json.loads(zero.custom_json) == {}
    with pytest.raises(grpc.RpcError) as refused:
        list(
            stub.StreamCustomers(
                customers_pb2.StreamCustomersRequest(), metadata=auth(acme.tokens["admin"])
            )
        )
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED


def test_stream_a_tenants_contacts_for_reindexing(stub: Any, acme: Org, globex: Org) -> None:
    kept = acme.customer("Contacts Kept Co")
    gone = acme.customer("Contacts Gone Co")
    theirs = globex.customer("Contacts Theirs Co")
    for customer, org, name in (
        (kept, acme, "王经理"),
        (kept, acme, "Li Wei"),
        (gone, acme, "Of a deleted customer"),
        (theirs, globex, "Not acme's"),
    ):
        created = org.post(
            f"/api/v1/customers/{customer['id']}/contacts",
            {"name": name, "phones": ["13900001111"], "email": "w@example.com"},
        )
        assert created.status_code == 201, created.text
    dropped = acme.post(f"/api/v1/customers/{kept['id']}/contacts", {"name": "Dropped"}).json()
    assert acme.delete(f"/api/v1/contacts/{dropped['id']}").status_code == 204
    assert acme.delete(f"/api/v1/customers/{gone['id']}").status_code == 204
    streamed = [
        m.contact
        for m in stub.StreamContacts(
            customers_pb2.StreamContactsRequest(), metadata=auth(acme.service_token())
        )
    ]
    assert {c.name for c in streamed} == {"王经理", "Li Wei"}
    assert {c.customer_id for c in streamed} == {kept["id"]}
    assert all(list(c.phones) == ["13900001111"] for c in streamed)  # unmasked for services
    with pytest.raises(grpc.RpcError) as refused:
        list(
            stub.StreamContacts(
                customers_pb2.StreamContactsRequest(), metadata=auth(acme.tokens["admin"])
            )
        )
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
