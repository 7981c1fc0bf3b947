"""The relay's alarm clock: PostgreSQL notifies `crm_outbox` when an outbox insert commits
(a trigger, crmkit_0004), so an idle relay sleeps until there is work instead of polling.

It is only an optimisation: a listener that fails falls back to polling, and an idle relay
still looks every `fallback_seconds` in case a notification was missed.
"""

import logging
import threading
import time

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)

CHANNEL = "crm_outbox"
SLICE_SECONDS = 1.0  # how often a waiting relay notices it was asked to stop


class OutboxWakeup:
    def __init__(self, engine: Engine, *, fallback_seconds: float, poll_seconds: float) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._fallback_seconds = fallback_seconds
        self._poll_seconds = poll_seconds
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def listen(self) -> bool:
        """Subscribe before the relay looks at the outbox, so nothing committed after the look
        goes unnoticed; False (and plain polling) when the database refuses."""
        if self._connection is not None and not self._connection.closed:
            return True
        try:
            self._connection = psycopg.connect(self._conninfo, autocommit=True)
            self._connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.warning("relay cannot listen for outbox inserts (%s); polling instead", exc)
            self.close()
            return False
        return True

    def wait(self, stop: threading.Event) -> None:
        """Until an outbox insert commits, the fallback interval passes, or `stop` is set."""
        if self._connection is None:
            stop.wait(self._poll_seconds)
            return
        deadline = time.monotonic() + self._fallback_seconds
        try:
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                woken = any(
                    True
                    for _ in self._connection.notifies(
                        timeout=min(SLICE_SECONDS, left), stop_after=1
                    )
                )
                if woken:
                    for _ in self._connection.notifies(timeout=0):
                        pass  # what queued up meanwhile: one look serves them all
                    return
        except psycopg.Error as exc:
            log.warning("relay lost its outbox listener (%s); polling until it is back", exc)
            self.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            connection.close()
