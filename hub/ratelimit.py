"""Token buckets per caller: a fixed refill rate and a burst allowance."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``take(key, n)`` returns 0 when allowed, else the seconds to wait (nothing is taken)."""

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        monotonic: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive")
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._now = monotonic
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def take(self, key: str, amount: int = 1) -> int:
        with self._lock:
            now = self._now()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self._max_keys:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self._burst, now)
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
            if amount > self._burst:
                return math.ceil(amount / self._rate)
            if bucket.tokens >= amount:
                bucket.tokens -= amount
                return 0
            return max(1, math.ceil((amount - bucket.tokens) / self._rate))

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        for key in [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self._rate >= self._burst
        ]:
            del self._buckets[key]
