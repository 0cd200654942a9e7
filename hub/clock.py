"""Time as the hub sees it; tests and retention runs set it explicitly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, when: datetime) -> None:
        self._now = when


class UnsafeOffsetClock(Clock):
    """The real clock moved by a fixed offset: for tests that run the hub as a process
    (``BETROKKEN_UNSAFE_CLOCK_OFFSET_SECONDS``); the settings refuse it in production."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset
