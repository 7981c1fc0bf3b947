"""RabbitMQ connections and the topology every service shares."""

import pika
from pika.adapters.blocking_connection import BlockingChannel

DEAD_LETTER_SUFFIX = ".dlq"


def connect(url: str, *, name: str) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.client_properties = {"connection_name": name}
    parameters.heartbeat = 30
    parameters.blocked_connection_timeout = 60
    parameters.connection_attempts = 1
    parameters.socket_timeout = 5
    return pika.BlockingConnection(parameters)


def declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)


def retry_queue_name(queue: str, attempt: int) -> str:
    return f"{queue}.retry.{attempt}"


def declare_consumer_queues(
    channel: BlockingChannel,
    *,
    exchange: str,
    queue: str,
    bindings: list[str],
    retry_delays_ms: list[int],
) -> None:
    """One durable queue per consuming service, its retry queues and its dead-letter queue.

    A retry queue holds a failed message for its delay, then dead-letters it back into the
    main queue (per-queue TTL, so no message waits behind a longer one).
    """
    declare_exchange(channel, exchange)
    channel.queue_declare(queue=queue, durable=True)
    channel.queue_declare(queue=queue + DEAD_LETTER_SUFFIX, durable=True)
    for attempt, delay in enumerate(retry_delays_ms, start=1):
        channel.queue_declare(
            queue=retry_queue_name(queue, attempt),
            durable=True,
            arguments={
                "x-message-ttl": delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": queue,
            },
        )
    for pattern in bindings:
        channel.queue_bind(queue=queue, exchange=exchange, routing_key=pattern)
