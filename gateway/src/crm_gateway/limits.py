"""Token-bucket rate limits kept in process memory.

Limits are per gateway replica: with N replicas a client may get up to N times the rate.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

_MAX_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`capacity` requests at once, refilled at `per_minute` a minute, per key."""

    def __init__(self, *, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(max(per_minute, 1))
        self._rate = self.capacity / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend one token for `key`: 0 when allowed, else seconds until one is available."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._rate

    def _forget_full(self, now: float) -> None:
        """A bucket that has refilled is the same as no bucket: drop those to bound memory."""
        refill = self.capacity / self._rate
        stale = [k for k, b in self._buckets.items() if now - b.updated >= refill]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) >= _MAX_KEYS:
            self._buckets.clear()


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
