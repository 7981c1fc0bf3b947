"""The CloudEvents 1.0 JSON envelope, with our `tenantid` and `traceparent` extensions."""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crmkit.errors import InvalidInput

ROUTING_KEY = re.compile(r"^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
"""`<service>.<aggregate>.<past-tense verb>`, e.g. `customers.customer.created`."""

CONTENT_TYPE = "application/cloudevents+json"


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    data: dict[str, Any]
    tenantid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    specversion: str = "1.0"
    datacontenttype: str = "application/json"

    def __post_init__(self) -> None:
        if not ROUTING_KEY.match(self.type):
            raise InvalidInput.on_field("type", f"{self.type!r} is not service.aggregate.verb")

    @property
    def tenant_uuid(self) -> uuid.UUID | None:
        return uuid.UUID(self.tenantid) if self.tenantid else None

    def to_dict(self) -> dict[str, Any]:
        body = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
            "data": self.data,
        }
        for extension in ("tenantid", "traceparent", "tracestate"):
            value = getattr(self, extension)
            if value is not None:
                body[extension] = value
        return body

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str).encode()

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> "CloudEvent":
        if body.get("specversion") != "1.0":
            raise InvalidInput.on_field("specversion", "must be 1.0")
        missing = [k for k in ("id", "source", "type") if not body.get(k)]
        if missing:
            raise InvalidInput.on_field(missing[0], "required CloudEvents attribute is missing")
        return cls(
            id=str(body["id"]),
            source=str(body["source"]),
            type=str(body["type"]),
            time=str(body.get("time") or ""),
            data=body.get("data") or {},
            tenantid=body.get("tenantid"),
            traceparent=body.get("traceparent"),
            tracestate=body.get("tracestate"),
            datacontenttype=body.get("datacontenttype", "application/json"),
        )

    @classmethod
    def from_json(cls, raw: bytes) -> "CloudEvent":
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput.on_field("body", f"not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise InvalidInput.on_field("body", "a CloudEvent is a JSON object")
        return cls.from_dict(body)
