"""Demo data for the embedded default: one municipality, its domains and a team per domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hub.actor import Actor, Role
from hub.db import utcnow
from hub.organisation import admin, repository

DEMO_ORGANISATION = "gemeente-voorbeeld"


@dataclass(frozen=True)
class DemoTeam:
    slug: str
    name: str
    domain: str
    email: str
    phone: str


DOMAINS = {
    "pw": "Participatiewet",
    "wmo_pgb": "Wmo 2015, persoonsgebonden budget",
    "jeugd": "Jeugdwet",
    "schuldhulp": "Schuldhulpverlening",
    "vergunningen": "Vergunningen",
    "vth": "Vergunningverlening, toezicht en handhaving",
    "laa": "Landelijke Aanpak Adreskwaliteit",
    "lsi": "LSI interventieteams",
}

TEAMS = (
    DemoTeam(
        "pw-handhaving",
        "Handhaving Participatiewet",
        "pw",
        "handhaving@example.org",
        "+31 20 555 0101",
    ),
    DemoTeam(
        "schuldhulp",
        "Schuldhulpverlening",
        "schuldhulp",
        "schuldhulp@example.org",
        "+31 20 555 0102",
    ),
    DemoTeam("wmo-pgb", "Wmo-pgb", "wmo_pgb", "wmo@example.org", "+31 20 555 0103"),
    DemoTeam("jeugd-wijkteam", "Wijkteam Jeugd", "jeugd", "jeugd@example.org", "+31 20 555 0104"),
    DemoTeam(
        "vergunningen",
        "Vergunningen",
        "vergunningen",
        "vergunningen@example.org",
        "+31 20 555 0105",
    ),
    DemoTeam("vth-toezicht", "Toezicht en handhaving", "vth", "vth@example.org", "+31 20 555 0106"),
    DemoTeam(
        "adreskwaliteit", "Team Adreskwaliteit (LAA)", "laa", "laa@example.org", "+31 20 555 0107"
    ),
    DemoTeam("interventieteam", "LSI interventieteam", "lsi", "lsi@example.org", "+31 20 555 0108"),
)


SEED_ACTOR = Actor(
    sub="betrokken-demo-seed",
    name="Demo seed",
    organisation=DEMO_ORGANISATION,
    team=None,
    roles=frozenset({Role.HUB_OPERATOR}),
)
"""Who the demo seed acts as: a hub operator, through the administration's own services."""


def seed_demo(session: Session, *, now: datetime | None = None) -> int:
    """Create what is missing; running it again changes nothing. Returns rows added.

    Made through the same service calls as the administration API, so each row added is
    audited as an operator's change would be.
    """
    at = now or utcnow()
    added = 0
    if repository.get_organisation(session, DEMO_ORGANISATION) is None:
        admin.create_organisation(
            session,
            SEED_ACTOR,
            slug=DEMO_ORGANISATION,
            name="Gemeente Voorbeeld",
            kind="gemeente",
            oin=None,
            now=at,
        )
        added += 1
    for code, name in DOMAINS.items():
        if repository.get_domain(session, code) is None:
            admin.create_domain(session, SEED_ACTOR, code=code, name=name, now=at)
            added += 1
    for team in TEAMS:
        if repository.get_team(session, team.slug) is None:
            admin.create_team(
                session,
                SEED_ACTOR,
                DEMO_ORGANISATION,
                slug=team.slug,
                name=team.name,
                domain=team.domain,
                contact_person=None,
                email=team.email,
                phone=team.phone,
                now=at,
            )
            added += 1
    return added
