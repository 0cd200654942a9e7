"""The policy in force per organisation, kept in memory: the hot path never reads it.

An organisation without an approved policy of its own is governed by the hub's policy file
(``PolicyFile``, the embedded default for a single-organisation deployment). The approved
versions are read once at start, again after an approval in this process, and at most every
``ttl`` seconds otherwise (so an approval made by another hub process holds within that time),
always outside a check: by the request's dependency, or the group before it starts.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.organisation_policy import repository
from policies import Policy, PolicyError, PolicyFile, parse_policy

TTL_SECONDS = 10.0
_log = logging.getLogger("betrokken.policy")


class OrganisationPolicies:
    """Approved policy versions per organisation slug, each with the moment it takes effect."""

    def __init__(
        self,
        fallback: PolicyFile,
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fallback = fallback
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._by_organisation: dict[str, tuple[list[datetime], list[Policy]]] = {}
        self._parsed: dict[str, Policy] = {}
        self._read_at = float("-inf")

    def current(self, organisation: str | None, now: datetime) -> Policy:
        """The policy in force for ``organisation`` at ``now``: memory only."""
        kept = self._by_organisation.get(organisation or "")
        if kept is not None:
            starts, policies = kept
            at = bisect.bisect_right(starts, now)
            if at:
                return policies[at - 1]
        return self.fallback.current()

    @property
    def stale(self) -> bool:
        return self._clock() - self._read_at >= self._ttl

    def in_force(self, now: datetime) -> dict[str, str]:
        """The version hash in force per organisation kept, ``""`` for the policy file."""
        found = {"": self.fallback.current().version}
        for organisation in list(self._by_organisation):
            found[organisation] = self.current(organisation, now).version
        return found

    def versions(self, organisation: str) -> Mapping[str, Policy]:
        """Every approved version of ``organisation`` kept, by version hash."""
        kept = self._by_organisation.get(organisation)
        return MappingProxyType({p.version: p for p in kept[1]} if kept else {})

    def refresh(self, sessions: sessionmaker[Session]) -> None:
        """Read the approved versions again (a failed read keeps what is kept)."""
        try:
            with sessions() as session:
                rows = [
                    (slug, row.version, row.text, row.active_from)
                    for slug, row in repository.approved(session)
                ]
        except SQLAlchemyError as error:  # e.g. a database not yet migrated
            _log.warning("organisation policies not read: %s", error.__class__.__name__)
            self._read_at = self._clock()
            return
        by_organisation: dict[str, tuple[list[datetime], list[Policy]]] = {}
        for slug, version, text, active_from in rows:
            policy = self._parse(version, text, slug)
            if policy is None:
                continue
            starts, policies = by_organisation.setdefault(slug, ([], []))
            starts.append(active_from)
            policies.append(policy)
        with self._lock:
            self._by_organisation = by_organisation
            self._read_at = self._clock()

    def refresh_if_stale(self, sessions: sessionmaker[Session]) -> None:
        if self.stale:
            self.refresh(sessions)

    def _parse(self, version: str, text: str, organisation: str) -> Policy | None:
        kept = self._parsed.get(version)
        if kept is not None:
            return kept
        try:
            policy = parse_policy(text, f"{organisation}@{version[:12]}")
        except PolicyError as error:  # validated on upload; only a schema change gets here
            _log.error("approved policy %s of %s no longer loads: %s", version, organisation, error)
            return None
        self._parsed[version] = policy
        return policy
