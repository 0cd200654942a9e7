"""The one way to find the team a request acts for: read once, then kept per process a while.

Every request that acts for a team needs it (id, domain, organisation); a group of checks
read them with a query of its own, about a tenth of a check's CPU (docs/benchmarks.md). Those
fields change only by seeding or the administration API (a team deactivated), rarely, so
they are kept: a team not seen before is read at once, a kept one is read again after
``ttl`` seconds, so a change holds for every check within that time (and at once in the
process that made it, which calls :meth:`ActingTeams.forget`).
The teams' whole rows (contact details, webhook: a new flag's defaults, where a notice
goes) are kept the same way, by id, for the busy writes (:meth:`ActingTeams.rows`); a
contact detail changed in another process holds there within ``ttl`` seconds too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Collection, Iterable

from sqlalchemy.orm import Session, sessionmaker

from hub.actor import Actor
from hub.organisation import repository
from hub.organisation.models import Team
from hub.organisation.repository import TeamRef
from hub.organisation.service import acting_team_among

TTL_SECONDS = 60.0


class ActingTeams:
    """Teams with their organisations' slugs by team slug, as the repository reads them."""

    def __init__(
        self, *, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._teams: dict[str, tuple[float, tuple[TeamRef, str]]] = {}
        self._rows: dict[uuid.UUID, tuple[float, Team]] = {}

    def acting(self, session: Session, actor: Actor) -> TeamRef:
        """The team ``actor`` acts for, which must belong to the actor's organisation."""
        return acting_team_among(self.of(session, [actor]).get(actor.team or ""), actor)

    async def acting_async(self, sessions: sessionmaker[Session], actor: Actor) -> TeamRef:
        """:meth:`acting` on an event loop (a team not kept is read in a thread)."""
        found = await self.of_async(sessions, [actor])
        return acting_team_among(found.get(actor.team or ""), actor)

    def of(self, session: Session, actors: Iterable[Actor]) -> dict[str, tuple[TeamRef, str]]:
        """The known teams ``actors`` act for; those not kept are read in ``session``."""
        found, missing = self._kept(actors)
        if missing:
            found |= self._read(session, missing)
        return found

    async def of_async(
        self, sessions: sessionmaker[Session], actors: Iterable[Actor]
    ) -> dict[str, tuple[TeamRef, str]]:
        """:meth:`of` on an event loop: teams not kept are read in a session, in a thread."""
        found, missing = self._kept(actors)
        if missing:

            def read() -> dict[str, tuple[TeamRef, str]]:
                with sessions() as session:
                    return self._read(session, missing)

            found |= await asyncio.get_running_loop().run_in_executor(None, read)
        return found

    def rows(self, session: Session, team_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Team]:
        """The teams' rows by id; those not kept are read in ``session``. They belong to no
        session: read them, never change them."""
        found, missing = self._kept_rows(team_ids)
        if missing:
            found |= self._read_rows(session, missing)
        return found

    async def rows_async(
        self, sessions: sessionmaker[Session], team_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, Team]:
        """:meth:`rows` on an event loop: teams not kept are read in a session, in a thread."""
        found, missing = self._kept_rows(team_ids)
        if missing:

            def read() -> dict[uuid.UUID, Team]:
                with sessions() as session:
                    return self._read_rows(session, missing)

            found |= await asyncio.get_running_loop().run_in_executor(None, read)
        return found

    def forget(self) -> None:
        """Read every team again on its next use (after an administrator changed teams)."""
        self._teams = {}
        self._rows = {}

    def _kept_rows(
        self, team_ids: Collection[uuid.UUID]
    ) -> tuple[dict[uuid.UUID, Team], set[uuid.UUID]]:
        now = self._clock()
        found: dict[uuid.UUID, Team] = {}
        missing: set[uuid.UUID] = set()
        for team_id in team_ids:
            kept = self._rows.get(team_id)
            if kept is not None and kept[0] > now:
                found[team_id] = kept[1]
            else:
                missing.add(team_id)
        return found, missing

    def _read_rows(self, session: Session, team_ids: set[uuid.UUID]) -> dict[uuid.UUID, Team]:
        until = self._clock() + self._ttl
        read = repository.team_rows(session, team_ids)
        for team_id, team in read.items():
            self._rows[team_id] = (until, team)
        return read

    def _kept(self, actors: Iterable[Actor]) -> tuple[dict[str, tuple[TeamRef, str]], set[str]]:
        now = self._clock()
        found: dict[str, tuple[TeamRef, str]] = {}
        missing: set[str] = set()
        for actor in actors:
            slug = actor.team
            if slug is None or slug in found:
                continue
            kept = self._teams.get(slug)
            if kept is not None and kept[0] > now:
                found[slug] = kept[1]
            else:
                missing.add(slug)
        return found, missing

    def _read(self, session: Session, slugs: set[str]) -> dict[str, tuple[TeamRef, str]]:
        until = self._clock() + self._ttl
        read = repository.teams_with_organisation_slug(session, slugs)
        for slug, team in read.items():
            self._teams[slug] = (until, team)
        return read
