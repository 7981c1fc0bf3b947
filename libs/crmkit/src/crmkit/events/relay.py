"""Publishes outbox rows to the `crm.events` exchange with publisher confirms.

A row is marked sent only after the broker confirmed it, in the transaction that locked it
(`FOR UPDATE SKIP LOCKED`, so several relays can run). A crash between the confirm and the
commit publishes that row again; consumers' inboxes make the repeat harmless.
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pika
import pika.exceptions
from opentelemetry import metrics
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError

from crmkit.events.amqp import connect, declare_exchange
from crmkit.events.envelope import CONTENT_TYPE
from crmkit.events.models import OutboxRecord
from crmkit.events.wakeup import OutboxWakeup

log = logging.getLogger(__name__)
meter = metrics.get_meter("crmkit.events")
published_counter = meter.create_counter(
    "crm.outbox.published", unit="{event}", description="Events confirmed by the broker"
)
outbox_lag = meter.create_histogram(
    "crm.outbox.lag", unit="s", description="From commit to the broker's confirm"
)

RECONNECT_DELAYS = (0.5, 1, 2, 5)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        *,
        amqp_url: str,
        exchange: str,
        batch_size: int = 500,
        idle_seconds: float = 0.2,
        fallback_seconds: float = 5.0,
        housekeeping: Callable[[], object] | None = None,
        housekeeping_every_seconds: float = 600,
    ) -> None:
        self._engine = engine
        self._amqp_url = amqp_url
        self._exchange = exchange
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._housekeeping = housekeeping
        self._housekeeping_every = housekeeping_every_seconds
        self._connection: pika.BlockingConnection | None = None
        self._channel: pika.adapters.blocking_connection.BlockingChannel | None = None
        # Idle, the relay sleeps until an outbox insert commits (or `fallback_seconds`);
        # without a listener it polls every `idle_seconds`.
        self._wakeup = OutboxWakeup(
            engine, fallback_seconds=fallback_seconds, poll_seconds=idle_seconds
        )

    def _ensure_channel(self) -> "pika.adapters.blocking_connection.BlockingChannel":
        if self._channel is None or not self._channel.is_open:
            self.close()
            self._connection = connect(self._amqp_url, name="outbox-relay")
            self._channel = self._connection.channel()
            self._channel.confirm_delivery()
            declare_exchange(self._channel, self._exchange)
        return self._channel

    def publish_batch(self) -> int:
        """Publish up to one batch of pending rows; returns how many were confirmed."""
        channel = self._ensure_channel()
        with self._engine.begin() as connection:
            rows = connection.execute(
                select(
                    OutboxRecord.id,
                    OutboxRecord.routing_key,
                    OutboxRecord.envelope,
                    OutboxRecord.created_at,
                )
                .where(OutboxRecord.published_at.is_(None))
                .order_by(OutboxRecord.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            sent: list[int] = []
            failure: Exception | None = None
            for row in rows:
                try:
                    channel.basic_publish(
                        exchange=self._exchange,
                        routing_key=row.routing_key,
                        body=json.dumps(row.envelope, ensure_ascii=False).encode(),
                        properties=pika.BasicProperties(
                            content_type=CONTENT_TYPE,
                            delivery_mode=pika.DeliveryMode.Persistent,
                            message_id=row.envelope["id"],
                            type=row.routing_key,
                        ),
                    )
                except (pika.exceptions.AMQPError, OSError) as exc:
                    failure = exc
                    break
                sent.append(row.id)
                outbox_lag.record((datetime.now(UTC) - row.created_at).total_seconds())
            # What the broker confirmed is marked and committed even when a later row failed.
            if sent:
                connection.execute(
                    update(OutboxRecord)
                    .where(OutboxRecord.id.in_(sent))
                    .values(published_at=func.now(), attempts=OutboxRecord.attempts + 1)
                )
        published_counter.add(len(sent))
        if failure is not None:
            raise failure
        return len(sent)

    def run(self, stop: threading.Event) -> None:
        failures = 0
        next_housekeeping = time.monotonic()
        while not stop.is_set():
            if self._housekeeping is not None and time.monotonic() >= next_housekeeping:
                next_housekeeping = time.monotonic() + self._housekeeping_every
                try:
                    self._housekeeping()
                except DBAPIError:
                    log.warning("pruning the event tables failed; next time", exc_info=True)
            try:
                self._wakeup.listen()  # before looking: a commit after the look wakes us
                published = self.publish_batch()
                failures = 0
            except (pika.exceptions.AMQPError, OSError, DBAPIError) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("relay cannot publish (%s); retrying in %ss", exc, delay)
                self.close()
                stop.wait(delay)
                continue
            if published < self._batch_size:
                self._wakeup.wait(stop)
        self.close()
        self._wakeup.close()

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except (pika.exceptions.AMQPError, OSError):
                log.debug("closing a broken AMQP connection", exc_info=True)
