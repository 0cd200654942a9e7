"""The world the authorization matrix runs in: three teams to address, and their objects.

Every object is made through the hub's own API by a member of the team that owns it, so
the matrix follows the routes' contract rather than the tables behind them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.actor import Role
from hub.db import transaction
from hub.flag.models import Flag
from hub.organisation import repository
from hub.organisation.models import Organisation, Team
from hub.runtime import Runtime
from tests.helpers import opaque_pseudonym

OWN_ORGANISATION = "gemeente-voorbeeld"
OTHER_ORGANISATION = "gemeente-elders"
_subjects = itertools.count()


@dataclass(frozen=True)
class WorldTeam:
    """A team the matrix addresses, with the purpose its flags are registered for."""

    slug: str
    organisation: str
    purpose: str
    counterpart: str  # a team that may see and contact this one, for shared objects

    def member(self, sub: str, role: Role = Role.PROFESSIONAL) -> Member:
        return Member(sub=sub, team=self, role=role)


@dataclass(frozen=True)
class Member:
    sub: str
    team: WorldTeam
    role: Role


OWN = WorldTeam("pw-handhaving", OWN_ORGANISATION, "rechtmatigheid", "vergunningen")
OTHER_TEAM = WorldTeam("schuldhulp", OWN_ORGANISATION, "schuldhulpverlening", "wmo-pgb")
OTHER_ORG = WorldTeam("elders-schuldhulp", OTHER_ORGANISATION, "schuldhulpverlening", "elders-wmo")
COUNTERPARTS = {
    "vergunningen": WorldTeam("vergunningen", OWN_ORGANISATION, "vergunningverlening", ""),
    "wmo-pgb": WorldTeam("wmo-pgb", OWN_ORGANISATION, "hulpverlening", ""),
    "elders-wmo": WorldTeam("elders-wmo", OTHER_ORGANISATION, "hulpverlening", ""),
}


def add_other_organisation(runtime: Runtime) -> None:
    """A second municipality with a schuldhulp and a Wmo team of its own."""
    with transaction(runtime.sessions) as session:
        organisation = Organisation(slug=OTHER_ORGANISATION, name="Gemeente Elders", kind="gemeente")
        repository.add(session, organisation)
        for slug, name, domain in (
            ("elders-schuldhulp", "Schuldhulpverlening Elders", "schuldhulp"),
            ("elders-wmo", "Wmo Elders", "wmo_pgb"),
        ):
            repository.add(
                session,
                Team(
                    slug=slug,
                    name=name,
                    organisation_id=organisation.id,
                    domain_code=domain,
                    contact_email=f"{slug}@elders.example",
                    contact_phone="+31 30 555 0100",
                ),
            )


class World:
    """Makes objects owned by a team, as that team's members would through the API."""

    def __init__(self, client: TestClient, idp: DevIdentityProvider, runtime: Runtime) -> None:
        self.client = client
        self.idp = idp
        self.runtime = runtime

    def headers(self, member: Member, **extra: str) -> dict[str, str]:
        token = self.idp.issue(
            member=member.sub,
            roles=[member.role.value],
            team=member.team.slug,
            organisation=member.team.organisation,
        )
        return {"Authorization": f"Bearer {token}", **extra}

    def call(self, method: str, url: str, member: Member, **kwargs: Any) -> Any:
        answer = self.client.request(method, url, headers=self.headers(member), **kwargs)
        if answer.status_code >= 300:
            raise AssertionError(f"setting up the world: {method} {url} → {answer.text}")
        return answer.json()

    # -- objects ------------------------------------------------------------------------------

    def flag(self, owner: Member, subject: str | None = None) -> str:
        """A live flag of ``owner``'s team, registered by ``owner``."""
        body = {
            "subject": {"kind": "bsn", "pseudonym": subject or new_subject()},
            "purpose": owner.team.purpose,
        }
        return str(self.call("POST", "/api/v1/flags", owner, json=body)["flag"]["id"])

    def handle(self, flag_id: str, *, seen_by: str) -> str:
        """The handle ``seen_by`` would have got for this flag in an involvement check."""
        with self.runtime.sessions() as session:
            flag = session.get(Flag, flag_id_of(flag_id))
            assert flag is not None
        return self.runtime.handles.seal(flag.id, member=seen_by, now=self.runtime.clock.now())

    def contact_request(self, requester: Member, owner: Member) -> str:
        """``requester`` asks for contact about a flag that ``owner`` registered."""
        subject = new_subject()
        flag_id = self.flag(owner, subject)
        check = {
            "subject": {"kind": "bsn", "pseudonym": subject},
            "purpose": requester.team.purpose,
            "case_ref": "MATRIX-1",
        }
        involved = self.call("POST", "/api/v1/involvement-checks", requester, json=check)
        handles = [t["handle"] for t in involved["involved"] if t["team"] == owner.team.slug]
        assert handles, f"{requester.team.slug} does not see {owner.team.slug}: fix the world"
        body = {"handle": handles[0], "purpose": requester.team.purpose}
        created = self.call("POST", "/api/v1/contact-requests", requester, json=body)
        assert flag_id
        return str(created["id"])

    def incoming_request(self, owner: Member) -> str:
        """A pending request to ``owner``'s team, from its counterpart."""
        requester = COUNTERPARTS[owner.team.counterpart].member(f"asker-{new_id()}")
        return self.contact_request(requester, owner)

    def outgoing_request(self, requester: Member) -> str:
        """A pending request from ``requester``'s team to its counterpart."""
        owner = COUNTERPARTS[requester.team.counterpart].member(f"owner-{new_id()}")
        return self.contact_request(requester, owner)

    def match(self, member: Member) -> str:
        """A match between ``member``'s team and its counterpart on a fresh subject."""
        subject = new_subject()
        self.flag(member, subject)
        self.flag(COUNTERPARTS[member.team.counterpart].member(f"other-{new_id()}"), subject)
        matches = self.call("GET", "/api/v1/matches", member)["items"]
        return str(matches[0]["id"])

    def notification(self, member: Member) -> str:
        """An unread notification in ``member``'s team inbox (a match brings one)."""
        self.match(member)
        return str(self.call("GET", "/api/v1/notifications", member)["items"][0]["id"])


def new_id() -> int:
    return next(_subjects)


def new_subject() -> str:
    return opaque_pseudonym(f"matrix-subject-{new_id()}")


def flag_id_of(text: str) -> Any:
    import uuid

    return uuid.UUID(text)
