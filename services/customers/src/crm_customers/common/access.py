"""The caller as the customers module sees it: permissions from the token, data scope and
field rules from identity (through `crmkit.access`, cached briefly)."""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, cast, false, or_
from sqlalchemy.dialects.postgresql import ARRAY, array

from crm_customers.customers.models import Customer
from crmkit.access import EVERYTHING, FieldAccess, Grants, VisibleOwners, access_client
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import PermissionDenied

MODULE = "customers"
CONTACT_FIELDS = ("phone", "email")


@dataclass(frozen=True)
class Caller:
    principal: Principal
    grants: Grants
    owners: VisibleOwners

    @property
    def user_id(self) -> uuid.UUID | None:
        if self.principal.kind is PrincipalKind.SERVICE:
            return None
        try:
            return uuid.UUID(self.principal.subject)
        except ValueError:
            return None

    def can(self, action: str) -> bool:
        if self.principal.kind is PrincipalKind.SERVICE:
            return True  # other services act for a user they have already checked
        return f"{MODULE}:{action}" in self.principal.permissions

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied(f"missing permission {MODULE}:{action}")

    def sees(self, customer: Customer) -> bool:
        owners: list[uuid.UUID | None] = [customer.owner_id]
        owners += [_uuid(c) for c in customer.collaborator_ids]
        return self.owners.sees(owners)

    def field_access(self, name: str, customer: Customer | None = None) -> FieldAccess:
        """Field rules from the caller's roles; phones and emails of a customer the caller
        does not own are masked without `customers:view_phone`, and of a customer in a public
        pool for everyone but pool managers."""
        access = self.grants.field_access(MODULE, name)
        if (
            name in CONTACT_FIELDS
            and access is FieldAccess.OPEN
            and customer is not None
            and customer.pool_id is not None
            and not self.can("pool_manage")
        ):
            return FieldAccess.MASKED
        if (
            name in CONTACT_FIELDS
            and access is FieldAccess.OPEN
            and self.principal.kind is not PrincipalKind.SERVICE
            and not self.can("view_phone")
            and (customer is None or customer.owner_id != self.user_id)
        ):
            return FieldAccess.MASKED
        return access

    def visible_condition(self) -> ColumnElement[bool]:
        if self.owners.all:
            return ~false()
        ids = sorted(self.owners.owner_ids)
        if not ids:
            return false()
        as_text = cast(array([str(i) for i in ids]), ARRAY(String))
        return or_(Customer.owner_id.in_(ids), Customer.collaborator_ids.has_any(as_text))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def caller_for(principal: Principal) -> Caller:
    if principal.kind is PrincipalKind.PORTAL:
        raise PermissionDenied("portal principals have no access to staff customer records")
    if principal.kind is PrincipalKind.SERVICE:
        return Caller(principal, Grants(permissions=principal.permissions, scopes={}), EVERYTHING)
    client = access_client()
    return Caller(principal, client.grants(principal), client.visible_owners(principal, MODULE))
