"""The reader: whose records the caller sees (data scope per module, from identity through
`crmkit.access`) and which fields (field rules; phones and e-mails of records the caller
does not own are masked without `<module>:view_phone`, exactly as the customers service
masks them)."""

import uuid
from dataclasses import dataclass
from typing import Any

from crmkit.access import EVERYTHING, FieldAccess, Grants, VisibleOwners, access_client
from crmkit.auth import Principal, PrincipalKind
from crmkit.errors import PermissionDenied
from crmkit.masking import mask_email, mask_phone, mask_text

CONTACT_FIELDS = ("phone", "email")
STANDARD_FIELDS = ("phone", "email", "address", "tags")
VISIBLE = (FieldAccess.OPEN, FieldAccess.READ_ONLY)


@dataclass(frozen=True)
class Reader:
    principal: Principal
    grants: Grants
    owners: dict[str, VisibleOwners]

    @property
    def tenant_id(self) -> str:
        return str(self.principal.tenant_id)

    @property
    def is_service(self) -> bool:
        return self.principal.kind is PrincipalKind.SERVICE

    @property
    def user_id(self) -> str | None:
        if self.is_service:
            return None
        try:
            return str(uuid.UUID(self.principal.subject))
        except ValueError:
            return None

    def can(self, permission: str) -> bool:
        return self.is_service or permission in self.principal.permissions

    def rule(self, module: str, name: str) -> FieldAccess:
        """The field rule alone (what the caller's roles say, whoever owns the record)."""
        return self.grants.field_access(module, name)

    def field_access(self, module: str, name: str, owner_id: str | None) -> FieldAccess:
        access = self.rule(module, name)
        if (
            name in CONTACT_FIELDS
            and access is FieldAccess.OPEN
            and not self.can(f"{module}:view_phone")
            and (owner_id is None or owner_id != self.user_id)
        ):
            return FieldAccess.MASKED
        return access

    def restricted_custom_keys(self, module: str) -> set[str]:
        return {
            name
            for (rule_module, name), access in self.grants.field_rules.items()
            if rule_module == module and name not in STANDARD_FIELDS and access not in VISIBLE
        }

    def scope_clause(self, module: str) -> dict[str, Any] | None:
        """The OpenSearch filter of the records in scope; None: all of the tenant's."""
        owners = self.owners.get(module)
        if owners is None:
            return {"bool": {"must_not": {"match_all": {}}}}
        if owners.all:
            return None
        ids = sorted(str(o) for o in owners.owner_ids)
        return {
            "bool": {
                "should": [
                    {"terms": {"owner_id": ids}},
                    {"terms": {"collaborator_ids": ids}},
                ],
                "minimum_should_match": 1,
            }
        }


def reader_for(principal: Principal, modules: set[str]) -> Reader:
    if principal.kind is PrincipalKind.PORTAL:
        raise PermissionDenied("portal principals do not search staff records")
    if principal.kind is PrincipalKind.SERVICE:
        return Reader(
            principal,
            Grants(permissions=principal.permissions, scopes={}),
            dict.fromkeys(modules, EVERYTHING),
        )
    client = access_client()
    return Reader(
        principal,
        client.grants(principal),
        {module: client.visible_owners(principal, module) for module in sorted(modules)},
    )


def masked_values(
    reader: Reader, module: str, source: dict[str, Any]
) -> tuple[dict[str, Any], list[str], list[str]]:
    """The restrictable values of a document as the reader may see them, and the names of
    the masked and hidden fields (as the customers service names them)."""
    owner_id = source.get("owner_id")
    masked: list[str] = []
    hidden: list[str] = []
    phones = list(source.get("phones") or [])
    wechat = source.get("wechat")
    emails = list(source.get("emails") or [])
    tags = list(source.get("tags") or [])
    access = reader.field_access(module, "phone", owner_id)
    if access is FieldAccess.HIDDEN:
        phones, wechat = [], None
        hidden.append("phone")
    elif access is FieldAccess.MASKED:
        phones = [mask_phone(p) for p in phones]
        wechat = mask_phone(wechat) if wechat else None
        masked.append("phone")
    access = reader.field_access(module, "email", owner_id)
    if access is FieldAccess.HIDDEN:
        emails = []
        hidden.append("email")
    elif access is FieldAccess.MASKED:
        emails = [mask_email(e) for e in emails]
        masked.append("email")
    access = reader.field_access(module, "tags", owner_id)
    if access is FieldAccess.HIDDEN:
        tags = []
        hidden.append("tags")
    elif access is FieldAccess.MASKED:
        tags = []
        masked.append("tags")
    custom = dict(source.get("custom") or {})
    for key in list(custom):
        access = reader.field_access(module, key, owner_id)
        if access is FieldAccess.HIDDEN:
            hidden.append(key)
            del custom[key]
        elif access is FieldAccess.MASKED:
            masked.append(key)
            custom[key] = mask_text(str(custom[key]))
    values: dict[str, Any] = {"phones": phones, "emails": emails, "tags": tags, "custom": custom}
    if "wechat" in source:
        values["wechat"] = wechat
    return values, masked, hidden


def highlight_field(key: str) -> str | None:
    """Which restrictable field a highlighted OpenSearch field shows (None: always shown)."""
    root = key.split(".", 1)[0]
    if root == "phones":
        return "phone"
    if root == "emails":
        return "email"
    if root == "tags":
        return "tags"
    if root == "custom":
        return key.split(".")[1]
    return None


def visible_highlights(
    reader: Reader, module: str, source: dict[str, Any], highlight: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Highlights only of fields the reader may see unmasked on this record."""
    shown: dict[str, list[str]] = {}
    # The field itself before its sub-fields (`title` before `title.whole`): one set of
    # fragments per shown field.
    for key in sorted(highlight, key=lambda k: (k.count("."), k)):
        if key.startswith("pinyin"):
            continue  # derived from the name: the name's own highlight says it
        name = highlight_field(key)
        owner_id = source.get("owner_id")
        if name is not None and reader.field_access(module, name, owner_id) not in VISIBLE:
            continue
        parts = key.split(".")
        target = ".".join(parts[:2]) if parts[0] == "custom" else parts[0]
        shown.setdefault(target, list(highlight[key]))
    return shown
