"""The convenants in force, kept in memory per process for the involvement check's hot path.

Read with the organisations' policies (``Runtime.refresh_kept``): at start, after a change
in this process, and at most every few seconds otherwise.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.convenant import repository

_log = logging.getLogger("betrokken.convenant")


@dataclass(frozen=True)
class KeptConvenant:
    id: uuid.UUID
    slug: str
    legal_basis: str
    domains: frozenset[str]
    purposes: frozenset[str]
    starts_on: date
    ends_on: date
    partners: dict[uuid.UUID, str]  # active partner organisations: id -> slug

    def in_force(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on

    def covers(self, *, purpose: str, domain: str | None = None) -> bool:
        return purpose in self.purposes and (domain is None or domain in self.domains)


class Convenants:
    def __init__(self) -> None:
        self._kept: list[KeptConvenant] = []

    def partners_of(
        self, organisation_id: uuid.UUID, *, purpose: str, on: date
    ) -> dict[uuid.UUID, tuple[str, list[KeptConvenant]]]:
        """The organisations ``organisation_id`` cooperates with for ``purpose`` on ``on``:
        partner id -> (slug, the convenants that say so)."""
        found: dict[uuid.UUID, tuple[str, list[KeptConvenant]]] = {}
        for each in self._kept:
            if organisation_id not in each.partners or not each.in_force(on):
                continue
            if not each.covers(purpose=purpose):
                continue
            for partner, slug in each.partners.items():
                if partner != organisation_id:
                    found.setdefault(partner, (slug, []))[1].append(each)
        return found

    def named(self, slug: str) -> KeptConvenant | None:
        return next((each for each in self._kept if each.slug == slug), None)

    def between(
        self, first: uuid.UUID, second: uuid.UUID, *, purpose: str, domain: str, on: date
    ) -> KeptConvenant | None:
        """A convenant in force between two organisations covering ``purpose`` and ``domain``."""
        for each in self._kept:
            both = first in each.partners and second in each.partners
            if both and each.in_force(on) and each.covers(purpose=purpose, domain=domain):
                return each
        return None

    def refresh(self, sessions: sessionmaker[Session]) -> None:
        try:
            with sessions() as session:
                rows = repository.not_ended(session)
                kept = [
                    KeptConvenant(
                        id=each.id,
                        slug=each.slug,
                        legal_basis=each.legal_basis,
                        domains=frozenset(each.domains.split()),
                        purposes=frozenset(each.purposes.split()),
                        starts_on=each.starts_on,
                        ends_on=each.ends_on,
                        partners=dict(partners),
                    )
                    for each, partners in rows
                ]
        except SQLAlchemyError as error:
            _log.warning("convenants not read: %s", error.__class__.__name__)
            return
        self._kept = kept
