"""Rate limits on involvement checks, per member and per team (docs/design.md invariant 9).

Two bounds from the policy, each per member and per team:

- ``per_minute``: on PostgreSQL counted in the database per minute (``check_minute_counts``,
  a fixed window in UTC), in the same way and on the same connection as the day's counts,
  so it holds in total across every hub process behind a load balancer; one more
  statement per group of checks, not per check. On SQLite (one process, the embedded
  default) a token bucket in the process: cheap, smooth, no trip to the database.
- ``per_day`` is counted in the database (``check_day_counts``), so it holds in total
  across every hub process: the cross-process bound. The day is the local day in
  Europe/Amsterdam; a refusal asks to wait until local midnight.

A check refused by a member's limit is not counted for the team, so one member who
keeps trying cannot use up the team's budget.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.ratelimit import RateLimiter
from policies import RateLimit

NEVER = 3600  # seconds to wait when the policy allows no checks at all
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
"""Where a day of checks begins and ends."""


class CheckLimits:
    """The per-minute token buckets of one hub process, or, when ``shared``, only the
    refusal of a limit of zero: the minutes are then counted in the database."""

    def __init__(self, *, shared: bool = False) -> None:
        self.shared = shared
        self._limiters: dict[tuple[str, int], RateLimiter] = {}
        self._lock = threading.Lock()

    def _limiter(self, scope: str, limit: RateLimit) -> RateLimiter:
        key = (scope, limit.per_minute)
        with self._lock:
            limiter = self._limiters.get(key)
            if limiter is None:
                limiter = RateLimiter(per_minute=limit.per_minute, burst=limit.per_minute)
                self._limiters[key] = limiter
            return limiter

    def wait_seconds(
        self, *, member: str, member_limit: RateLimit, team: str, team_limit: RateLimit
    ) -> int:
        """0 when the check may go ahead (and is counted), else how long to wait."""
        if min(member_limit.per_minute, member_limit.per_day) <= 0:
            return NEVER
        if min(team_limit.per_minute, team_limit.per_day) <= 0:
            return NEVER
        if self.shared:
            return 0  # counted with the group's minute (hub/involvement/repository.py)
        wait = self._limiter("member", member_limit).take(member)
        if wait:
            return wait
        return self._limiter("team", team_limit).take(team)


@dataclass(frozen=True)
class DayAsk:
    """One check's claim on today's counts: its member, the member's daily limit, its team."""

    member: str
    member_limit: int
    team: str


@dataclass(frozen=True)
class DayPlace:
    """Where a check falls in today's counts: its member's n-th check of the day, and its
    team's m-th, or None when the member's limit refused it (then the team did not count it).
    """

    member: int
    team: int | None

    def limit_reached(self, *, member_limit: int, team_limit: int) -> str | None:
        """``"member"`` or ``"team"``: whose daily limit the check is past; None if neither."""
        if self.team is None or self.member > member_limit:
            return "member"
        return "team" if self.team > team_limit else None


def local_day(now: datetime) -> date:
    """The day ``now`` falls on in Europe/Amsterdam."""
    return now.astimezone(LOCAL_TIME).date()


def minute_of(now: datetime) -> datetime:
    """The start of the minute ``now`` falls in: the window of the shared per-minute limits."""
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def seconds_until_next_minute(now: datetime) -> int:
    """How long until the next window of the shared per-minute limits (at least 1)."""
    return max(1, math.ceil(60 - (now - minute_of(now)).total_seconds()))


def seconds_until_local_midnight(now: datetime) -> int:
    """How long until the next day begins in Europe/Amsterdam (at least 1)."""
    tomorrow = datetime.combine(local_day(now) + timedelta(days=1), time(0), tzinfo=LOCAL_TIME)
    return max(1, math.ceil((tomorrow - now).total_seconds()))


def places_in_order(keys: Sequence[str], counts_after: dict[str, int]) -> list[int]:
    """Each key's place in its count, for keys in order, given the counts after all were
    added: the j-th of n asks for a key that now counts c is number c - n + j."""
    asked = Counter(keys)
    seen: Counter[str] = Counter()
    places = []
    for key in keys:
        seen[key] += 1
        places.append(counts_after[key] - asked[key] + seen[key])
    return places
