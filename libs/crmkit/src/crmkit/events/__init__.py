"""Domain events: CloudEvents envelope, transactional outbox, relay, consumer with an inbox."""

from crmkit.events.envelope import CloudEvent
from crmkit.events.outbox import record_event

__all__ = ["CloudEvent", "record_event"]
