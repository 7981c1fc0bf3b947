"""One data row of an import, read into what a customer (and a contact) would be, with
every problem named by the field it is in: the same rules as `POST /customers`
(its schema, dictionaries, phone and e-mail normalisation, custom field validation)."""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from crm_customers.common.bridging import bridge_key
from crm_customers.common.normalize import company_key, email_key, person_key, phone_key
from crm_customers.contacts.schemas import ContactCreate
from crm_customers.custom_fields import service as custom_fields
from crm_customers.custom_fields.models import CustomField
from crm_customers.custom_fields.schemas import Entity, FieldKind
from crm_customers.customers.schemas import CustomerCreate
from crm_customers.dictionaries import repository as dictionaries
from crm_customers.dictionaries.schemas import DictionaryKind
from crm_customers.dictionaries.service import DICTIONARY_FIELDS
from crmkit.errors import FieldError, InvalidInput

BRIDGE_KEY_LENGTH = 300  # customers.name_bridge_key
LIST_SEPARATORS = re.compile(r"[,，;；、\n]+")
WORD_SEPARATORS = re.compile(r"[,，;；、\s]+")
KINDS = {
    "company": "company",
    "organisation": "company",
    "organization": "company",
    "公司": "company",
    "企业": "company",
    "单位": "company",
    "person": "person",
    "individual": "person",
    "个人": "person",
}
TRUE_WORDS = {"true", "yes", "y", "1", "是", "√", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "否", ""}
# Customer attributes a row may set besides name, kind, phones, emails, custom.
PLAIN_FIELDS = (
    "short_name",
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


@dataclass
class Candidate:
    row: int
    errors: list[FieldError] = field(default_factory=list)
    kind: str = "company"
    name: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None
    written: set[str] = field(default_factory=set)
    customer_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @cached_property
    def name_key(self) -> str:
        return company_key(self.name) if self.kind == "company" else person_key(self.name)

    @cached_property
    def bridge_key(self) -> str | None:
        """The company's name comparable across Chinese and Latin script."""
        key = bridge_key(self.name) if self.kind == "company" else None
        # A very long Chinese name romanises past the column (300): it is then compared by
        # its own script only, rather than failing the whole chunk.
        return key if key is None or len(key) <= BRIDGE_KEY_LENGTH else None

    def fail(self, name: str, reason: str, code: str, params: dict[str, Any] | None = None) -> None:
        self.errors.append(FieldError(name, reason, code, params))

    def failed_validation(self, name: str, error: Any) -> None:
        self.errors.append(FieldError.from_pydantic(name, error))

    def as_json(self) -> dict[str, Any]:
        """What the preview shows of the row."""
        shown: dict[str, Any] = {"kind": self.kind, "name": self.name}
        shown.update({k: _plain(v) for k, v in self.values.items() if v not in (None, [])})
        if self.phones:
            shown["phones"] = self.phones
        if self.emails:
            shown["emails"] = self.emails
        if self.custom:
            shown["custom"] = self.custom
        if self.contact:
            shown["contact"] = {k: _plain(v) for k, v in self.contact.items() if v}
        return shown


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
        return str(value)
    return value


class RowReader:
    """Reads rows for one mapping; built once per chunk (dictionaries and custom fields are
    read once, not per row)."""

    def __init__(self, session: Session, *, header: list[str], mapping: dict[str, str]) -> None:
        self.columns = [(header.index(column), target) for column, target in mapping.items()]
        self.custom_fields: dict[str, CustomField] = {
            f.key: f for f in custom_fields.list_fields(session, entity=Entity.CUSTOMER)
        }
        self.words: dict[str, dict[str, str]] = {}
        for kind in (*DICTIONARY_FIELDS.values(), DictionaryKind.TAG):
            known: dict[str, str] = {}
            for item in dictionaries.items(session, kind.value):
                if item.active:
                    known.setdefault(item.key.casefold(), item.key)
                    known.setdefault(item.label.casefold(), item.key)
            self.words[kind.value] = known

    def read(self, row: int, cells: list[str]) -> Candidate:
        raw: dict[str, list[str]] = {}
        for index, target in self.columns:
            value = cells[index].strip() if index < len(cells) else ""
            if value:
                raw.setdefault(target, []).append(value)
        candidate = Candidate(row=row)
        self._customer(candidate, raw)
        self._phones_and_emails(candidate, raw)
        self._custom(candidate, raw)
        self._contact(candidate, raw)
        return candidate

    def _word(self, candidate: Candidate, name: str, kind: str, value: str) -> str | None:
        key = self.words[kind].get(value.casefold())
        if key is None:
            candidate.fail(
                name,
                f"{value!r} is not a {kind} of this tenant",
                "not_in_dictionary",
                {"value": value},
            )
        return key

    def _customer(self, candidate: Candidate, raw: dict[str, list[str]]) -> None:
        data: dict[str, Any] = {"name": raw.get("name", [""])[0]}
        kind = raw.get("kind", ["company"])[0]
        data["kind"] = KINDS.get(kind.casefold())
        if data["kind"] is None:
            candidate.fail(
                "kind", f"{kind!r} is neither company nor person", "invalid_kind", {"value": kind}
            )
            data["kind"] = "company"
        for name in PLAIN_FIELDS:
            if name not in raw:
                continue
            value = raw[name][0]
            if name in DICTIONARY_FIELDS:
                data[name] = self._word(candidate, name, DICTIONARY_FIELDS[name].value, value)
            elif name == "tags":
                words = [w.strip() for v in raw[name] for w in LIST_SEPARATORS.split(v)]
                tags = [self._word(candidate, name, "tag", w) for w in words if w]
                data[name] = [t for t in tags if t]
            else:
                data[name] = value
        try:
            parsed = CustomerCreate.model_validate(data).model_dump()
        except ValidationError as exc:
            for error in exc.errors():
                location = str(error["loc"][0]) if error["loc"] else "row"
                candidate.failed_validation(location, error)
                data.pop(location, None)
            parsed = {"status": "potential", **data}
        if parsed["kind"] == "company" and parsed.get("birthday") is not None:
            candidate.fail("birthday", "only persons have a birthday", "birthday_for_company")
        candidate.kind = parsed["kind"]
        candidate.name = str(parsed.get("name") or "").strip()
        candidate.written = {name for name in data if name != "kind"}
        candidate.values = {
            name: parsed.get(name) for name in (*PLAIN_FIELDS, "status") if name in data
        }
        candidate.values.setdefault("status", parsed.get("status") or "potential")

    def _phones_and_emails(self, candidate: Candidate, raw: dict[str, list[str]]) -> None:
        for value in (w for v in raw.get("phone", []) for w in LIST_SEPARATORS.split(v)):
            digits = phone_key(value)
            if not value.strip():
                continue
            if not 5 <= len(digits) <= 20:
                candidate.fail("phone", f"{value.strip()!r} is not a phone number", "invalid_phone")
            elif digits not in candidate.phones:
                candidate.phones.append(digits)
        for value in (w for v in raw.get("email", []) for w in WORD_SEPARATORS.split(v)):
            if not value:
                continue
            if not _is_email(value):
                candidate.fail("email", f"{value!r} is not an email address", "invalid_email")
            elif email_key(value) not in candidate.emails:
                candidate.emails.append(email_key(value))
        if len(candidate.phones) > 10:
            candidate.fail("phone", "at most 10 phone numbers", "too_long", {"max_length": 10})
        if len(candidate.emails) > 10:
            candidate.fail("email", "at most 10 email addresses", "too_long", {"max_length": 10})

    def _custom(self, candidate: Candidate, raw: dict[str, list[str]]) -> None:
        for target, values in raw.items():
            if not target.startswith("custom."):
                continue
            key = target.removeprefix("custom.")
            custom = self.custom_fields[key]
            try:
                candidate.custom[key] = custom_fields.coerce_value(
                    custom, _typed(custom, values[0]), name=target
                )
            except InvalidInput as exc:
                candidate.errors.extend(exc.errors)

    def complete_for_create(self, candidate: Candidate) -> None:
        """Defaults of custom fields the row leaves empty, and required ones it misses."""
        for key, custom in self.custom_fields.items():
            if key not in candidate.custom and custom.default is not None:
                candidate.custom[key] = custom.default
            if custom.required and candidate.custom.get(key) in (None, "", []):
                candidate.fail(f"custom.{key}", "is required", "missing")

    def _contact(self, candidate: Candidate, raw: dict[str, list[str]]) -> None:
        data: dict[str, Any] = {
            t.removeprefix("contact."): v[0] for t, v in raw.items() if t.startswith("contact.")
        }
        if not data:
            return
        phones: list[str] = []
        for value in (w for v in raw.get("contact.phone", []) for w in LIST_SEPARATORS.split(v)):
            digits = phone_key(value)
            if value.strip() and not 5 <= len(digits) <= 20:
                candidate.fail(
                    "contact.phone", f"{value.strip()!r} is not a phone number", "invalid_phone"
                )
            elif value.strip() and digits not in phones:
                phones.append(digits)
        data.pop("phone", None)
        data["phones"] = phones
        if data.get("email"):
            if not _is_email(data["email"]):
                candidate.fail(
                    "contact.email", f"{data['email']!r} is not an email address", "invalid_email"
                )
                data.pop("email")
            else:
                data["email"] = email_key(data["email"])
        if not data.get("name"):
            candidate.fail("contact.name", "a contact needs a name", "missing")
            return
        try:
            contact = ContactCreate.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                location = str(error["loc"][0]) if error["loc"] else "row"
                candidate.failed_validation(f"contact.{location}", error)
            return
        candidate.contact = contact.model_dump(exclude={"custom", "is_primary"})


def _is_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(local and at and "." in domain and not domain.startswith("."))


def _typed(custom: CustomField, text: str) -> Any:
    """A cell's text as the JSON value the custom field's validation expects."""
    kind = FieldKind(custom.type)
    if kind is FieldKind.CHECKBOX:
        word = text.strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return text
    if kind is FieldKind.MULTI_SELECT:
        return [w.strip() for w in LIST_SEPARATORS.split(text) if w.strip()]
    return text
