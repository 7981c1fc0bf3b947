"""Column mappings: which column of a file fills which field.

A mapping is `{column header: field}`; the field is a standard customer field, a customer
custom field `custom.<key>`, or a field of a contact created with the customer,
`contact.<field>`. Columns not named are ignored.
"""

import json
from typing import Any

from crm_customers.common.access import Caller
from crm_customers.custom_fields.models import CustomField
from crm_customers.custom_fields.schemas import FieldKind
from crmkit.access import FieldAccess
from crmkit.errors import FieldError, InvalidInput, PermissionDenied

STANDARD_FIELDS = (
    "kind",
    "name",
    "short_name",
    "phone",
    "email",
    "website",
    "province",
    "city",
    "district",
    "street",
    "latitude",
    "longitude",
    "industry",
    "scale",
    "source",
    "level",
    "status",
    "tags",
    "credit_rating",
    "birthday",
    "notes",
)
CONTACT_FIELDS = ("name", "title", "role", "phone", "email", "wechat", "birthday", "notes")
# Several columns may fill these (their values are added together).
REPEATABLE = {"phone", "email", "tags", "contact.phone"}
# The restrictable field (identity's catalogue) a written field falls under.
RESTRICTED_AS = {
    "phone": "phone",
    "email": "email",
    "district": "address",
    "street": "address",
    "latitude": "address",
    "longitude": "address",
    "tags": "tags",
    "contact.phone": "phone",
    "contact.wechat": "phone",
    "contact.email": "email",
}
# Headers recognised without a mapping (the preview suggests them).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("customer name", "company", "company name", "客户名称", "客户", "名称", "公司名称"),
    "kind": ("type", "customer type", "类型", "客户类型"),
    "short_name": ("short name", "简称"),
    "phone": ("mobile", "tel", "telephone", "phone number", "电话", "手机", "手机号", "联系电话"),
    "email": ("e-mail", "mail", "邮箱", "电子邮件", "电子邮箱"),
    "website": ("web", "url", "网站", "官网"),
    "province": ("省份", "省"),
    "city": ("城市", "市"),
    "district": ("区县", "区"),
    "street": ("address", "street address", "地址", "详细地址"),
    "industry": ("行业",),
    "source": ("来源", "客户来源"),
    "level": ("等级", "客户等级", "级别"),
    "status": ("状态", "客户状态"),
    "tags": ("tag", "标签"),
    "notes": ("note", "remarks", "备注"),
    "birthday": ("生日",),
    "contact.name": ("contact", "contact name", "联系人", "联系人姓名"),
    "contact.title": ("contact title", "job title", "职位", "联系人职位"),
    "contact.phone": ("contact phone", "联系人电话", "联系人手机"),
    "contact.email": ("contact email", "联系人邮箱"),
    "contact.wechat": ("wechat", "微信", "联系人微信"),
}


def parse(raw: str | None) -> dict[str, str]:
    """The `mapping` form field: a JSON object of header to field (null or "" skips)."""
    if raw is None or not raw.strip():
        raise InvalidInput.on_field("mapping", "required: a JSON object {column: field}")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput.on_field("mapping", "must be a JSON object {column: field}") from exc
    return check_shape(value)


def check_shape(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InvalidInput.on_field("mapping", "must be a JSON object {column: field}")
    mapping: dict[str, str] = {}
    for column, field in value.items():
        if field is None or field == "":
            continue
        if not isinstance(field, str):
            raise InvalidInput.on_field("mapping", f"column {column!r}: the field must be text")
        mapping[str(column).strip()] = field.strip()
    return mapping


def check(
    mapping: dict[str, str],
    *,
    header: list[str] | None,
    custom_fields: dict[str, CustomField],
    caller: Caller,
) -> dict[str, str]:
    """422 naming `mapping` for a column not in the file, an unknown field or a field given
    twice; 403 naming the field for one the caller's roles restrict."""
    problems: list[str] = []
    targets: dict[str, str] = {}
    for column, field in mapping.items():
        if header is not None and column not in header:
            problems.append(f"column {column!r} is not in the file")
        elif not _known(field, custom_fields):
            problems.append(f"{field!r} is not a field customers can be imported into")
        elif field in targets and field not in REPEATABLE:
            problems.append(f"{field!r} is filled by both {targets[field]!r} and {column!r}")
        targets.setdefault(field, column)
    if "name" not in targets:
        problems.append("some column must fill 'name'")
    if problems:
        raise InvalidInput(
            "mapping: " + "; ".join(problems),
            errors=[FieldError("mapping", p) for p in problems],
        )
    access = caller.grants.field_access
    refused = sorted(
        {f for f in targets if access("customers", _restricted_as(f)) is not FieldAccess.OPEN}
    )
    if refused:
        raise PermissionDenied(
            "your roles do not let you write these fields",
            errors=[FieldError(f, "read-only for you") for f in refused],
        )
    return mapping


def _restricted_as(field: str) -> str:
    if field.startswith("custom."):
        return field.removeprefix("custom.")
    return RESTRICTED_AS.get(field, field)


def _known(field: str, custom_fields: dict[str, CustomField]) -> bool:
    if field.startswith("custom."):
        custom = custom_fields.get(field.removeprefix("custom."))
        return custom is not None and custom.type != FieldKind.ADDRESS.value
    if field.startswith("contact."):
        return field.removeprefix("contact.") in CONTACT_FIELDS
    return field in STANDARD_FIELDS


def suggest(header: list[str], custom_fields: dict[str, CustomField]) -> dict[str, str]:
    """A mapping guessed from the header: field names, the aliases above, custom fields'
    keys and labels."""
    known: dict[str, str] = {}
    for field in STANDARD_FIELDS:
        known.setdefault(field, field)
        known.setdefault(field.replace("_", " "), field)
    for field in CONTACT_FIELDS:
        known.setdefault(f"contact.{field}", f"contact.{field}")
    for field, aliases in ALIASES.items():
        for alias in aliases:
            known.setdefault(alias.casefold(), field)
    for key, custom in custom_fields.items():
        if custom.type == FieldKind.ADDRESS.value:
            continue
        for name in (f"custom.{key}", key, custom.label):
            known.setdefault(name.casefold(), f"custom.{key}")
    suggested: dict[str, str] = {}
    used: set[str] = set()
    for column in header:
        field = known.get(column.strip().casefold(), "")
        if field and (field not in used or field in REPEATABLE):
            suggested[column] = field
            used.add(field)
    return suggested
