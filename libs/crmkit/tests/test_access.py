"""The access client: identity's grants and visible owners, asked with the caller's token
and reused per (tenant, user) for a few seconds; `forget` drops a tenant's answers.

Identity here is a real gRPC server implementing its proto with fixed answers (the real
identity answers are exercised by the customers tests)."""

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from crm_proto.crm.identity.v1 import identity_pb2, identity_pb2_grpc
from crmkit.access import AccessClient, FieldAccess
from crmkit.auth import Principal, PrincipalKind, current_principal
from crmkit.grpc import GrpcServer, build_server
from crmkit.testing.tokens import TestSigner

OWNER = uuid.uuid4()


class FixedIdentity(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()

    def GetGrants(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self.calls[("grants", current_principal().subject)] += 1
        return identity_pb2.GetGrantsResponse(
            principal_id=current_principal().subject,
            permissions=["customers:view"],
            scopes={"customers": identity_pb2.DATA_SCOPE_DEPARTMENT_TREE},
            field_rules=[
                identity_pb2.FieldRule(
                    module="customers", field="phone", access=identity_pb2.FIELD_ACCESS_MASKED
                ),
                identity_pb2.FieldRule(
                    module="customers", field="phone", access=identity_pb2.FIELD_ACCESS_HIDDEN
                ),
            ],
        )

    def ListVisibleOwners(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self.calls[("owners", current_principal().subject)] += 1
        return identity_pb2.ListVisibleOwnersResponse(
            scope=identity_pb2.DATA_SCOPE_DEPARTMENT_TREE, owner_ids=[str(OWNER)]
        )


@pytest.fixture
def identity() -> FixedIdentity:
    return FixedIdentity()


@pytest.fixture
def server(signer: TestSigner, identity: FixedIdentity) -> Iterator[GrpcServer]:
    server = build_server(
        [(identity_pb2_grpc.add_IdentityServiceServicer_to_server, identity)],
        port=0,
        verifier=signer.verifier(),
    )
    server.start()
    yield server
    server.stop(grace_seconds=0)


def user(signer: TestSigner, tenant: uuid.UUID) -> Principal:
    subject = str(uuid.uuid4())
    token = signer.mint(tenant_id=tenant, subject=subject)
    return Principal(kind=PrincipalKind.USER, subject=subject, tenant_id=tenant, token=token)


def test_answers_are_reused_per_user_then_asked_again(
    server: GrpcServer, identity: FixedIdentity, signer: TestSigner
) -> None:
    client = AccessClient(f"127.0.0.1:{server.port}", cache_seconds=0.5)
    tenant = uuid.uuid4()
    alice, bob = user(signer, tenant), user(signer, tenant)
    grants = client.grants(alice)
    assert grants.permissions == {"customers:view"}
    assert grants.scope("customers") == "department_tree"
    assert grants.scope("sales") == "own"
    assert grants.field_access("customers", "phone") is FieldAccess.HIDDEN  # the strictest
    assert grants.field_access("customers", "email") is FieldAccess.OPEN
    owners = client.visible_owners(alice, "customers")
    assert not owners.all
    assert owners.sees([OWNER])
    assert not owners.sees([uuid.uuid4(), None])
    client.grants(alice)
    client.visible_owners(alice, "customers")
    client.grants(bob)
    assert identity.calls[("grants", alice.subject)] == 1
    assert identity.calls[("owners", alice.subject)] == 1
    assert identity.calls[("grants", bob.subject)] == 1
    time.sleep(0.6)
    client.grants(alice)
    assert identity.calls[("grants", alice.subject)] == 2
    client.forget(tenant)
    client.visible_owners(alice, "customers")
    assert identity.calls[("owners", alice.subject)] == 2


def test_services_see_everything_without_asking(
    server: GrpcServer, identity: FixedIdentity, signer: TestSigner
) -> None:
    client = AccessClient(f"127.0.0.1:{server.port}")
    service = Principal(kind=PrincipalKind.SERVICE, subject="search", tenant_id=uuid.uuid4())
    assert client.visible_owners(service, "customers").all
    assert not identity.calls
