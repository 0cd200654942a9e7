"""Rate limits on involvement checks, per member and per team (docs/design.md invariant 9).

The limits come from the policy and apply per hub process; behind a load balancer with
n replicas a member can reach at most n times the limit, which the anomaly reports see.
"""

from __future__ import annotations

import threading

from hub.ratelimit import RateLimiter
from policies import RateLimit

NEVER = 3600  # seconds to wait when the policy allows no checks at all


class CheckLimits:
    def __init__(self) -> None:
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
        if member_limit.per_minute <= 0 or team_limit.per_minute <= 0:
            return NEVER
        wait = self._limiter("member", member_limit).take(member)
        if wait:
            return wait
        return self._limiter("team", team_limit).take(team)
