"""Consuming events: one durable queue per service, an inbox for idempotency, retries with
back-off through delay queues, and a dead-letter queue for what keeps failing.

The inbox row and the handler's effect commit in one transaction, so a redelivered event
(after a crash, a lost ack, or the relay publishing twice) changes nothing.
"""

import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from opentelemetry import context as otel_context
from opentelemetry import metrics, propagate, trace
from opentelemetry.trace import SpanKind
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from crmkit.db import Database
from crmkit.errors import CrmError
from crmkit.events.amqp import (
    DEAD_LETTER_SUFFIX,
    connect,
    declare_consumer_queues,
    retry_queue_name,
)
from crmkit.events.envelope import CloudEvent
from crmkit.events.models import InboxRecord
from crmkit.tenancy import tenant_context

log = logging.getLogger(__name__)
tracer = trace.get_tracer("crmkit.events")
meter = metrics.get_meter("crmkit.events")
handled_counter = meter.create_counter(
    "crm.events.handled", unit="{event}", description="Events by consumer and outcome"
)

ATTEMPT_HEADER = "x-crm-attempt"
ERROR_HEADER = "x-crm-error"
RECONNECT_DELAYS = (0.5, 1, 2, 5)

HandlerFn = Callable[[Session, CloudEvent], None]


@dataclass(frozen=True)
class Handler:
    """Handles events whose type matches `pattern` (AMQP topic syntax: `*` one word, `#` any).

    `tenant_schema`: run in a session on the event's tenant schema (the default). Handlers
    that create that schema (provisioning) run in a platform session with the tenant set.
    """

    pattern: str
    fn: HandlerFn
    tenant_schema: bool = True


def topic_matches(pattern: str, key: str) -> bool:
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and (p[0] in ("*", k[0])) and match(p[1:], k[1:])

    return match(pattern.split("."), key.split("."))


class EventConsumer:
    def __init__(
        self,
        db: Database,
        *,
        name: str,
        handlers: list[Handler],
        amqp_url: str,
        exchange: str,
        retry_delays_ms: list[int],
        prefetch: int = 32,
        transient_errors: tuple[type[Exception], ...] = (),
    ) -> None:
        self._db = db
        # Failures of a dependency that is down (like the database): the message goes back
        # to the queue and the consumer reconnects with back-off, spending no retry budget.
        self._transient: tuple[type[Exception], ...] = (DBAPIError, *transient_errors)
        self.name = name
        self._handlers = handlers
        self._amqp_url = amqp_url
        self._exchange = exchange
        self._retry_delays_ms = retry_delays_ms
        self._prefetch = prefetch

    def declare(self, channel: BlockingChannel) -> None:
        declare_consumer_queues(
            channel,
            exchange=self._exchange,
            queue=self.name,
            bindings=sorted({h.pattern for h in self._handlers}),
            retry_delays_ms=self._retry_delays_ms,
        )

    def declare_topology(self) -> None:
        """Create the queues now, so events published before the first start are kept."""
        connection = connect(self._amqp_url, name=f"{self.name}-declare")
        try:
            self.declare(connection.channel())
        finally:
            connection.close()

    def process(self, event: CloudEvent) -> bool:
        """Apply `event` once; returns False when the inbox says it was already applied."""
        handler = next((h for h in self._handlers if topic_matches(h.pattern, event.type)), None)
        if handler is None:
            return False
        tenant_id = event.tenant_uuid
        with tenant_context(tenant_id):
            if tenant_id is not None and handler.tenant_schema:
                session = self._db.tenant_session()
            else:
                session = self._db.platform_session()
            with session, session.begin():
                first_time = session.execute(
                    insert(InboxRecord)
                    .values(
                        consumer=self.name,
                        event_id=uuid.UUID(event.id),
                        tenant_id=tenant_id,
                        event_type=event.type,
                    )
                    .on_conflict_do_nothing()
                    .returning(InboxRecord.event_id)
                ).first()
                if first_time is None:
                    return False
                handler.fn(session, event)
        return True

    def _on_message(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        headers: dict[str, Any] = dict(properties.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 0))
        try:
            event = CloudEvent.from_json(body)
        except CrmError as exc:
            self._dead_letter(channel, body, properties, headers, f"unreadable event: {exc}")
            channel.basic_ack(method.delivery_tag)
            return
        parent = propagate.extract(
            {
                k: v
                for k, v in (("traceparent", event.traceparent), ("tracestate", event.tracestate))
                if v
            }
        )
        token = otel_context.attach(parent)
        try:
            with tracer.start_as_current_span(
                f"{event.type} process",
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.destination.name": self._exchange,
                    "messaging.operation": "process",
                    "messaging.message.id": event.id,
                    "crm.consumer": self.name,
                    "crm.tenant_id": event.tenantid or "",
                },
            ) as span:
                outcome = {"crm.consumer": self.name, "outcome": "applied"}
                try:
                    if not self.process(event):
                        outcome["outcome"] = "duplicate_or_unhandled"
                except self._transient:
                    # The database (or another transient dependency) is down: leave the
                    # message in the queue.
                    span.set_status(trace.StatusCode.ERROR)
                    channel.basic_nack(method.delivery_tag, requeue=True)
                    raise
                except Exception as exc:  # noqa: BLE001 - any handler failure is retried
                    span.record_exception(exc)
                    span.set_status(trace.StatusCode.ERROR)
                    self._retry_or_dead_letter(channel, body, properties, headers, attempt, exc)
                    outcome["outcome"] = "failed"
                handled_counter.add(1, outcome)
                channel.basic_ack(method.delivery_tag)
        finally:
            otel_context.detach(token)

    def _retry_or_dead_letter(
        self,
        channel: BlockingChannel,
        body: bytes,
        properties: BasicProperties,
        headers: dict[str, Any],
        attempt: int,
        exc: Exception,
    ) -> None:
        reason = "".join(traceback.format_exception_only(exc)).strip()
        if attempt < len(self._retry_delays_ms):
            log.warning("event handling failed (attempt %d), will retry: %s", attempt + 1, reason)
            headers[ATTEMPT_HEADER] = attempt + 1
            headers[ERROR_HEADER] = reason[:1000]
            channel.basic_publish(
                exchange="",
                routing_key=retry_queue_name(self.name, attempt + 1),
                body=body,
                properties=_copy_properties(properties, headers),
            )
        else:
            log.error("event handling failed %d times, dead-lettered: %s", attempt + 1, reason)
            self._dead_letter(channel, body, properties, headers, reason)

    def _dead_letter(
        self,
        channel: BlockingChannel,
        body: bytes,
        properties: BasicProperties,
        headers: dict[str, Any],
        reason: str,
    ) -> None:
        headers[ERROR_HEADER] = reason[:1000]
        channel.basic_publish(
            exchange="",
            routing_key=self.name + DEAD_LETTER_SUFFIX,
            body=body,
            properties=_copy_properties(properties, headers),
        )

    def run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            connection = None
            try:
                connection = connect(self._amqp_url, name=f"{self.name}-consumer")
                channel = connection.channel()
                # Confirms make the retry/dead-letter publishes durable before the ack.
                channel.confirm_delivery()
                self.declare(channel)
                channel.basic_qos(prefetch_count=self._prefetch)
                channel.basic_consume(queue=self.name, on_message_callback=self._on_message)
                failures = 0
                while not stop.is_set():
                    connection.process_data_events(time_limit=0.2)
            except (pika.exceptions.AMQPError, OSError, *self._transient) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning(
                    "consumer %s lost its connection (%s); retry in %ss", self.name, exc, delay
                )
                stop.wait(delay)
            finally:
                if connection is not None and connection.is_open:
                    try:
                        connection.close()
                    except (pika.exceptions.AMQPError, OSError):
                        log.debug("closing a broken AMQP connection", exc_info=True)


def _copy_properties(properties: BasicProperties, headers: dict[str, Any]) -> BasicProperties:
    return pika.BasicProperties(
        content_type=properties.content_type,
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=properties.message_id,
        type=properties.type,
        headers=headers,
    )


def replay_dead_letters(*, amqp_url: str, queue: str, limit: int = 1000) -> int:
    """Move dead-lettered messages back to the service's queue with a fresh retry budget."""
    connection = connect(amqp_url, name=f"{queue}-replay")
    replayed = 0
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        while replayed < limit:
            method, properties, body = channel.basic_get(queue + DEAD_LETTER_SUFFIX)
            if method is None:
                break
            headers = dict(properties.headers or {})
            headers.pop(ATTEMPT_HEADER, None)
            channel.basic_publish(
                exchange="",
                routing_key=queue,
                body=body,
                properties=_copy_properties(properties, headers),
            )
            channel.basic_ack(method.delivery_tag)
            replayed += 1
    finally:
        connection.close()
    return replayed
