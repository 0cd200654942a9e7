"""Demo data for the embedded default: one municipality, its domains and a team per domain."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub.organisation import repository
from hub.organisation.models import Domain, Organisation, Team

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
)


def seed_demo(session: Session) -> int:
    """Create what is missing; running it again changes nothing. Returns rows added."""
    added = 0
    organisation = repository.get_organisation(session, DEMO_ORGANISATION)
    if organisation is None:
        organisation = Organisation(
            slug=DEMO_ORGANISATION, name="Gemeente Voorbeeld", kind="gemeente"
        )
        repository.add(session, organisation)
        added += 1
    for code, name in DOMAINS.items():
        if repository.get_domain(session, code) is None:
            repository.add(session, Domain(code=code, name=name))
            added += 1
    for team in TEAMS:
        if repository.get_team(session, team.slug) is None:
            repository.add(
                session,
                Team(
                    slug=team.slug,
                    name=team.name,
                    organisation_id=organisation.id,
                    domain_code=team.domain,
                    contact_email=team.email,
                    contact_phone=team.phone,
                ),
            )
            added += 1
    return added
