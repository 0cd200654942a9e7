"""Authorization matrix: every route, every role, own team / other team / other organisation.

Each cell calls the route for real, as a member of the own team (``pw-handhaving`` of
``gemeente-voorbeeld``) holding one role, and addresses data of one of three teams:

- **own team**: objects the caller's team owns (made by the caller);
- **other team**: ``schuldhulp``, in the same municipality;
- **other organisation**: ``elders-schuldhulp`` of ``gemeente-elders``.

A route with path parameters addresses that team's objects through them (made fresh for each
cell by ``OBJECTS``); a route without them addresses it through the ``Betrokken-Team``
header, so "other team" means "acting for a team not in my token". A row may instead address
the team through its body or query (``via=Via.REQUEST``), like a contact request does with
a flag handle. An anonymous call must get 401, except on public rows. Besides, no response
may contain the id of an object of another team that the cell did not address.

How to add a row, when you add a route (``test_every_route_has_a_row`` names the missing):

1. Add ``("METHOD", "/api/v1/path/{param}"): Row(...)`` to ``ROUTES``. ``roles`` are the
   roles that may call it for their own team; every other role must get 403 ``forbidden``.
   ``other_team`` and ``other_org`` say what an allowed role gets for the other teams:
   ``HIDDEN`` (404, as if it did not exist: usual for objects), ``FORBIDDEN`` (403, always
   right for header-addressed routes), ``DENIED`` (either), or ``ALLOWED``; a dict per role
   if roles differ. Give ``json``/``params``/``path`` builders when the route needs a body,
   a query or a path value that is not an object; each gets the cell's ``Target``.
2. If a path parameter names a new kind of object, add a maker to ``OBJECTS`` that creates
   one owned by ``target.owner``'s team through the API (see ``World``), and returns its id.

Organisations administer themselves (docs/administration.md): the administration rows
address the own or the other organisation through the ``{organisation}`` path parameter
(or the team's slug), so "other organisation" is the cell where a functioneel beheerder or
privacy officer must be refused and a hub operator let through. The routes a convenant may
change (``CONVENANT_ROUTES``: every administration route, checks and contact requests) run
a second time with a convenant in force between the two organisations; a row's
``with_convenant`` says what the other organisation's cells expect then.

``ALLOWED`` means the access checks let the call through: anything but 401, 404 and a 403
other than a policy refusal (the policy is tested on its own). Each row must have at least
one 2xx cell, so a wrong body cannot pass for an allowed call.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum, StrEnum
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.actor import Role
from hub.audit.models import AuditAlert
from hub.organisation import repository
from hub.organisation.models import Organisation, Team
from hub.runtime import Runtime
from hub.transactions import transaction
from policies import DEMO_POLICY
from tests.helpers import opaque_pseudonym

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
_ids = itertools.count()


# -- the world: teams and the objects they own ------------------------------------------------


@dataclass(frozen=True)
class WorldTeam:
    slug: str
    organisation: str
    purpose: str  # what its flags are registered for
    counterpart: str  # a team that may see and contact it, for objects with two sides


@dataclass(frozen=True)
class Member:
    sub: str
    team: WorldTeam
    role: Role = Role.PROFESSIONAL


class Relation(StrEnum):
    OWN_TEAM = "own team"
    OTHER_TEAM = "other team"
    OTHER_ORG = "other organisation"


OWN = WorldTeam("pw-handhaving", "gemeente-voorbeeld", "rechtmatigheid", "vergunningen")
TEAMS = {
    Relation.OWN_TEAM: OWN,
    Relation.OTHER_TEAM: WorldTeam(
        "schuldhulp", "gemeente-voorbeeld", "schuldhulpverlening", "wmo-pgb"
    ),
    Relation.OTHER_ORG: WorldTeam(
        "elders-schuldhulp", "gemeente-elders", "schuldhulpverlening", "elders-wmo"
    ),
}
COUNTERPARTS = {
    team.slug: team
    for team in (
        WorldTeam("vergunningen", "gemeente-voorbeeld", "vergunningverlening", ""),
        WorldTeam("wmo-pgb", "gemeente-voorbeeld", "hulpverlening", ""),
        WorldTeam("elders-wmo", "gemeente-elders", "hulpverlening", ""),
    )
}


def new_subject() -> str:
    return opaque_pseudonym(f"matrix-subject-{next(_ids)}")


class World:
    """Makes objects owned by a team, the way that team's members would: through the API."""

    def __init__(self, client: TestClient, idp: DevIdentityProvider, runtime: Runtime) -> None:
        self.client, self.idp, self.runtime = client, idp, runtime
        self._version_pairs: dict[str, dict[str, str]] = {}

    def headers(self, member: Member) -> dict[str, str]:
        token = self.idp.issue(
            member=member.sub,
            roles=[member.role.value],
            team=member.team.slug,
            organisation=member.team.organisation,
        )
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, url: str, member: Member, **kwargs: Any) -> Any:
        answer = self.client.request(method, url, headers=self.headers(member), **kwargs)
        if not answer.is_success:
            raise AssertionError(f"building the world: {method} {url} → {answer.text}")
        return answer.json()

    def flag(self, owner: Member, subject: str | None = None) -> str:
        body = {
            "subject": {"kind": "bsn", "pseudonym": subject or new_subject()},
            "purpose": owner.team.purpose,
        }
        return str(self.call("POST", "/api/v1/flags", owner, json=body)["flag"]["id"])

    def handle(self, flag_id: str, *, seen_by: Member) -> str:
        """The handle ``seen_by`` would get for this flag from an involvement check."""
        return self.runtime.handles.seal(
            uuid.UUID(flag_id), member=seen_by.sub, now=self.runtime.clock.now()
        )

    def contact_request(self, requester: Member, owner: Member) -> str:
        """``requester`` asks for contact about a flag ``owner`` registered, seen in a check."""
        subject = new_subject()
        self.flag(owner, subject)
        check = {
            "subject": {"kind": "bsn", "pseudonym": subject},
            "purpose": requester.team.purpose,
            "case_ref": "MATRIX-1",
        }
        seen = self.call("POST", "/api/v1/involvement-checks", requester, json=check)
        handles = [t["handle"] for t in seen["involved"] if t["team"] == owner.team.slug]
        assert handles, f"{requester.team.slug} does not see {owner.team.slug}: fix the world"
        body = {"handle": handles[0], "purpose": requester.team.purpose}
        return str(self.call("POST", "/api/v1/contact-requests", requester, json=body)["id"])

    def counterpart(self, member: Member) -> Member:
        return Member(f"counterpart-{next(_ids)}", COUNTERPARTS[member.team.counterpart])

    def incoming_request(self, owner: Member) -> str:
        return self.contact_request(self.counterpart(owner), owner)

    def outgoing_request(self, requester: Member) -> str:
        return self.contact_request(requester, self.counterpart(requester))

    def match(self, member: Member) -> str:
        """A match of ``member``'s team with its counterpart, on a fresh subject."""
        subject = new_subject()
        self.flag(member, subject)
        self.flag(self.counterpart(member), subject)
        return str(self.call("GET", "/api/v1/matches", member)["items"][0]["id"])

    def notification(self, member: Member) -> str:
        self.match(member)
        return str(self.call("GET", "/api/v1/notifications", member)["items"][0]["id"])

    def policy_version(self, owner: Member) -> str:
        """A pending policy version of ``owner``'s organisation, uploaded by a hub operator."""
        operator = Member(f"operator-{next(_ids)}", owner.team, Role.HUB_OPERATOR)
        url = f"/api/v1/admin/organisations/{owner.team.organisation}/policies"
        return str(self.call("POST", url, operator, json=policy_body())["version"])

    def two_versions(self, owner: Member) -> dict[str, str]:
        """Two pending versions of ``owner``'s organisation, made once per organisation: a
        diff asks each policy some 25,000 questions, and the cells differ in who asks."""
        organisation = owner.team.organisation
        if organisation not in self._version_pairs:
            self._version_pairs[organisation] = {
                "old": self.policy_version(owner),
                "new": self.policy_version(owner),
            }
        return self._version_pairs[organisation]

    def convenant(self, *, slug: str | None = None) -> str:
        """A convenant in force between the own and the other organisation, covering the
        world's domains and purposes (made by a hub operator)."""
        operator = Member(f"operator-{next(_ids)}", OWN, Role.HUB_OPERATOR)
        body = {
            "slug": slug or f"matrix-convenant-{next(_ids)}",
            "name": "Matrix convenant",
            "partners": [OWN.organisation, TEAMS[Relation.OTHER_ORG].organisation],
            "domains": ["pw", "schuldhulp", "wmo_pgb", "vergunningen"],
            "purposes": ["rechtmatigheid", "schuldhulpverlening", "hulpverlening"],
            "legal_basis": "pw_art_64",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "responsible": "Matrix verantwoordelijke",
        }
        made = self.call("POST", "/api/v1/admin/convenants", operator, json=body)
        self.runtime.refresh_kept()
        return str(made["slug"])

    def alert(self, member: Member) -> str:
        """An open probing alert about ``member`` (the rules that raise it are tested apart)."""
        now = self.runtime.clock.now()
        alert = AuditAlert(
            id=uuid.uuid4(),
            rule="many_distinct_subjects",
            dedupe_key=f"matrix-{next(_ids)}",
            actor_sub=member.sub,
            actor_organisation=member.team.organisation,
            actor_team=member.team.slug,
            window_start=now - timedelta(minutes=10),
            window_end=now,
            detail=json.dumps({"distinct_subjects": 40}),
            status="open",
            created_at=now,
        )
        with transaction(self.runtime.sessions) as session:
            session.add(alert)
        return str(alert.id)


def policy_body(_: object = None) -> dict[str, str]:
    """The demo policy under a new name: a new version that decides as the demo does."""
    text = DEMO_POLICY.read_text().replace(
        "name: Betrokken demo policy", f"name: Matrix policy {next(_ids)}"
    )
    return {"text": text}


def add_other_organisation(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        elders = Organisation(slug="gemeente-elders", name="Gemeente Elders", kind="gemeente")
        repository.add(session, elders)
        for slug, name, domain in (
            ("elders-schuldhulp", "Schuldhulpverlening Elders", "schuldhulp"),
            ("elders-wmo", "Wmo Elders", "wmo_pgb"),
        ):
            repository.add(
                session,
                Team(
                    slug=slug,
                    name=name,
                    organisation_id=elders.id,
                    domain_code=domain,
                    contact_email=f"{slug}@elders.example",
                    contact_phone="+31 30 555 0100",
                ),
            )


# -- rows ------------------------------------------------------------------------------------


class Outcome(Enum):
    ALLOWED = "allowed"
    FORBIDDEN = "403"
    HIDDEN = "404"
    DENIED = "403 or 404"
    ROLE_REFUSED = "403 forbidden"
    UNAUTHENTICATED = "401"

    def admits(self, answer: httpx.Response) -> bool:
        status, code = answer.status_code, _code(answer)
        match self:
            case Outcome.ALLOWED:
                return status not in (401, 403, 404) or code == "policy_refusal"
            case Outcome.FORBIDDEN:
                return status == 403
            case Outcome.HIDDEN:
                return status == 404
            case Outcome.DENIED:
                return status in (403, 404)
            case Outcome.ROLE_REFUSED:
                return status == 403 and code == "forbidden"
            case Outcome.UNAUTHENTICATED:
                return status == 401 and "WWW-Authenticate" in answer.headers
        raise AssertionError(self)


ALLOWED, FORBIDDEN, HIDDEN, DENIED = (
    Outcome.ALLOWED,
    Outcome.FORBIDDEN,
    Outcome.HIDDEN,
    Outcome.DENIED,
)


class Via(StrEnum):
    PATH = "path"  # the path's object parameters
    HEADER = "header"  # Betrokken-Team
    REQUEST = "request"  # the body or query, built by the row


@dataclass(frozen=True)
class Target:
    """One cell: who calls (``caller``) and whose team's data it addresses (``owner``)."""

    relation: Relation
    caller: Member
    owner: Member
    world: World


Builder = Callable[[Target], Any]
Expectation = Outcome | Mapping[Role, Outcome]


@dataclass(frozen=True)
class Row:
    roles: frozenset[Role] = frozenset()
    other_team: Expectation = FORBIDDEN
    other_org: Expectation = FORBIDDEN
    public: bool = False
    via: Via | None = None  # default: PATH if the path has parameters, else HEADER
    path: Mapping[str, Builder] = field(default_factory=dict)
    json: Builder | None = None
    params: Builder | None = None
    sees: frozenset[Relation] = frozenset()  # whose objects a response may show by design
    gap: str | None = None  # a known hole, named; the test xfails until it is closed
    # What an allowed role gets for the other organisation while a convenant between the
    # two is in force (default: as without one).
    with_convenant: Expectation | None = None

    def expected(self, role: Role, relation: Relation, *, convenant: bool = False) -> Outcome:
        if self.public:
            return ALLOWED
        if role not in self.roles:
            return Outcome.ROLE_REFUSED
        if relation is Relation.OWN_TEAM:
            return ALLOWED
        other = self.other_team if relation is Relation.OTHER_TEAM else self.other_org
        if relation is Relation.OTHER_ORG and convenant and self.with_convenant is not None:
            other = self.with_convenant
        return other if isinstance(other, Outcome) else other[role]

    def may_show(self, role: Role, relation: Relation, *, convenant: bool = False) -> bool:
        """Whether a response to ``role`` may contain objects of ``relation``'s team."""
        return (
            relation in self.sees or self.expected(role, relation, convenant=convenant) is ALLOWED
        )


def public() -> Row:
    return Row(public=True)


MEMBERS = frozenset({Role.PROFESSIONAL, Role.TEAM_LEAD, Role.CONNECTOR})
PEOPLE = frozenset({Role.PROFESSIONAL, Role.TEAM_LEAD})
LEADS = frozenset({Role.TEAM_LEAD})
OFFICERS = frozenset({Role.PRIVACY_OFFICER})
ADMINS = frozenset({Role.ADMIN})
OPERATORS = frozenset({Role.ADMIN, Role.HUB_OPERATOR})
ADMINISTRATORS = OPERATORS | {Role.FUNCTIONEEL_BEHEERDER}
READERS = ADMINISTRATORS | {Role.PRIVACY_OFFICER}
# An operator administers every organisation; a beheerder or officer only their own.
OWN_ORGANISATION_ONLY = {
    Role.ADMIN: ALLOWED,
    Role.HUB_OPERATOR: ALLOWED,
    Role.FUNCTIONEEL_BEHEERDER: FORBIDDEN,
    Role.PRIVACY_OFFICER: FORBIDDEN,
}


def subject(_: Target) -> dict[str, str]:
    return {"kind": "bsn", "pseudonym": new_subject()}


def own_purpose(target: Target) -> str:
    return target.caller.team.purpose


def seen_handle(target: Target) -> str:
    """A handle to a flag of the target team, as the caller's own check would have shown it."""
    flag_id = target.world.flag(target.owner)
    return target.world.handle(flag_id, seen_by=target.caller)


def latest_checkpoint_size(target: Target) -> int:
    officer = Member(f"officer-{next(_ids)}", OWN, Role.PRIVACY_OFFICER)
    return int(target.world.call("GET", "/api/v1/audit/checkpoints/latest", officer)["size"])


OBJECTS: dict[str, Builder] = {
    "flag_id": lambda t: t.world.flag(t.owner),
    "request_id": lambda t: t.world.incoming_request(t.owner),
    "match_id": lambda t: t.world.match(t.owner),
    "notification_id": lambda t: t.world.notification(t.owner),
    "alert_id": lambda t: t.world.alert(t.owner),
    "version": lambda t: t.world.policy_version(t.owner),
    "convenant": lambda t: t.world.convenant(),
}


def owner_organisation(target: Target) -> str:
    return target.owner.team.organisation


def fresh_slug(prefix: str) -> Builder:
    return lambda t: f"{prefix}-{next(_ids)}"


def two_versions(target: Target) -> dict[str, str]:
    return target.world.two_versions(target.owner)


BY_ORGANISATION = {"organisation": owner_organisation}
ADMINISTRATION: dict[tuple[str, str], Row] = {
    ("GET", "/api/v1/admin/domains"): Row(
        roles=READERS, via=Via.REQUEST, other_team=ALLOWED, other_org=ALLOWED
    ),
    ("POST", "/api/v1/admin/domains"): Row(
        roles=OPERATORS,
        via=Via.REQUEST,
        other_team=ALLOWED,
        other_org=ALLOWED,
        json=lambda t: {"code": f"matrix_{next(_ids)}", "name": "Matrix domain"},
    ),
    ("GET", "/api/v1/admin/organisations"): Row(
        roles=READERS, via=Via.REQUEST, other_team=ALLOWED, other_org=ALLOWED
    ),
    ("POST", "/api/v1/admin/organisations"): Row(
        roles=OPERATORS,
        via=Via.REQUEST,
        other_team=ALLOWED,
        other_org=ALLOWED,
        json=lambda t: {"slug": f"matrix-org-{next(_ids)}", "name": "Matrix", "kind": "gemeente"},
    ),
    ("PATCH", "/api/v1/admin/organisations/{organisation}"): Row(
        roles=OPERATORS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=ALLOWED,
        json=lambda t: {"name": f"Gemeente {next(_ids)}"},
    ),
    ("GET", "/api/v1/admin/organisations/{organisation}/teams"): Row(
        roles=READERS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
    ),
    ("POST", "/api/v1/admin/organisations/{organisation}/teams"): Row(
        roles=ADMINISTRATORS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
        json=lambda t: {"slug": f"matrix-team-{next(_ids)}", "name": "Matrix", "domain": "pw"},
    ),
    ("PATCH", "/api/v1/admin/teams/{team}"): Row(
        roles=ADMINISTRATORS,
        via=Via.PATH,
        path={"team": lambda t: t.owner.team.slug},
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
        json=lambda t: {"contact_person": f"Contact {next(_ids)}"},
    ),
    ("GET", "/api/v1/admin/organisations/{organisation}/policies"): Row(
        roles=READERS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
    ),
    ("POST", "/api/v1/admin/organisations/{organisation}/policies"): Row(
        roles=ADMINISTRATORS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
        json=policy_body,
    ),
    ("GET", "/api/v1/admin/organisations/{organisation}/policy-diff"): Row(
        roles=READERS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
        params=two_versions,
    ),
    ("GET", "/api/v1/admin/organisations/{organisation}/policies/{version}"): Row(
        roles=READERS,
        via=Via.PATH,
        path=BY_ORGANISATION,
        other_team=ALLOWED,
        other_org=OWN_ORGANISATION_ONLY,
    ),
    ("GET", "/api/v1/admin/convenants"): Row(
        roles=READERS, via=Via.REQUEST, other_team=ALLOWED, other_org=ALLOWED
    ),
    # a hub operator or a partner's beheerder (a non-partner's: tests/api/test_convenants.py)
    ("POST", "/api/v1/admin/convenants"): Row(
        roles=ADMINISTRATORS,
        via=Via.REQUEST,
        other_team=ALLOWED,
        other_org=ALLOWED,
        json=lambda t: {
            "slug": f"matrix-new-{next(_ids)}",
            "name": "Nieuw convenant",
            "partners": [OWN.organisation, TEAMS[Relation.OTHER_ORG].organisation],
            "domains": ["pw"],
            "purposes": ["rechtmatigheid"],
            "legal_basis": "pw_art_64",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "responsible": "Matrix",
        },
    ),
    ("POST", "/api/v1/admin/convenants/{convenant}/end"): Row(
        roles=ADMINISTRATORS, other_team=ALLOWED, other_org=ALLOWED
    ),
    # the two-person rule: the organisation's own privacy officer, never the uploader
    ("POST", "/api/v1/admin/organisations/{organisation}/policies/{version}/approval"): Row(
        roles=OFFICERS, via=Via.PATH, path=BY_ORGANISATION, other_team=ALLOWED
    ),
    ("POST", "/api/v1/admin/organisations/{organisation}/policies/{version}/rejection"): Row(
        roles=OFFICERS, via=Via.PATH, path=BY_ORGANISATION, other_team=ALLOWED
    ),
    # the policy of the caller's own organisation (the token's), read and explained
    ("GET", "/api/v1/policy"): Row(
        roles=READERS, via=Via.REQUEST, other_team=ALLOWED, other_org=ALLOWED
    ),
    ("GET", "/api/v1/policy/explanation"): Row(
        roles=READERS,
        via=Via.REQUEST,
        params=lambda t: {
            "team": t.caller.team.slug,
            "target_team": t.owner.team.slug,
            "purpose": "rechtmatigheid",
        },
        other_team=ALLOWED,
        other_org=HIDDEN,  # another organisation's team is as unknown as none
    ),
    ("GET", "/api/v1/policy/diff"): Row(
        roles=READERS,
        via=Via.REQUEST,
        params=lambda t: dict.fromkeys(("old", "new"), t.world.runtime.policy.current().version),
        other_team=ALLOWED,
        other_org=ALLOWED,
    ),
}

# A municipality's privacy officer oversees the log of all its teams, and no other's.
OVERSIGHT = frozenset({Relation.OTHER_TEAM})

ROUTES: dict[tuple[str, str], Row] = {
    ("GET", "/api/v1/health"): public(),
    ("GET", "/dev-idp/.well-known/openid-configuration"): public(),
    ("GET", "/dev-idp/jwks.json"): public(),
    ("GET", "/dev-idp/authorize"): public(),
    ("POST", "/dev-idp/authorize"): public(),
    ("POST", "/dev-idp/token"): public(),
    ("GET", "/dev-idp/login.css"): public(),
    # the web app and the API docs
    ("GET", "/"): public(),
    ("GET", "/app"): public(),
    ("GET", "/app/"): public(),
    ("GET", "/app/config.json"): public(),
    ("GET", "/favicon.ico"): public(),
    ("GET", "/app/{path}"): Row(public=True, path={"path": lambda t: "index.html"}),
    ("GET", "/api/v1/docs"): public(),
    ("GET", "/api/v1/docs/assets/{name}"): Row(
        public=True, path={"name": lambda t: "swagger-init.js"}
    ),
    # the caller's own profile: any role, for a team of their own token
    ("GET", "/api/v1/me"): Row(roles=frozenset(Role)),
    # flags
    ("POST", "/api/v1/flags"): Row(
        roles=MEMBERS, json=lambda t: {"subject": subject(t), "purpose": own_purpose(t)}
    ),
    ("GET", "/api/v1/flags"): Row(roles=MEMBERS),
    ("POST", "/api/v1/flag-batches"): Row(
        roles=MEMBERS,
        json=lambda t: {"flags": [{"subject": subject(t), "purpose": own_purpose(t)}]},
    ),
    ("PUT", "/api/v1/flags/{flag_id}/deadlines"): Row(
        roles=MEMBERS, other_team=HIDDEN, other_org=HIDDEN, json=lambda t: {"deadlines": []}
    ),
    ("DELETE", "/api/v1/flags/{flag_id}"): Row(roles=MEMBERS, other_team=HIDDEN, other_org=HIDDEN),
    ("POST", "/api/v1/flags/{flag_id}/renewal"): Row(
        roles=MEMBERS, other_team=HIDDEN, other_org=HIDDEN, json=lambda t: {}
    ),
    ("PUT", "/api/v1/flags/{flag_id}/own-reference"): Row(
        roles=MEMBERS, other_team=HIDDEN, other_org=HIDDEN, json=lambda t: {"reference": "Z-1"}
    ),
    ("POST", "/api/v1/involvement-checks"): Row(
        roles=MEMBERS,
        json=lambda t: {"subject": subject(t), "purpose": own_purpose(t), "case_ref": "Z-1"},
    ),
    # matches and notifications
    ("GET", "/api/v1/matches"): Row(roles=MEMBERS),
    ("PUT", "/api/v1/matches/{match_id}/regie"): Row(
        roles=MEMBERS,
        other_team=HIDDEN,
        other_org=HIDDEN,
        json=lambda t: {"team": t.caller.team.slug},
    ),
    ("PUT", "/api/v1/matches/{match_id}/contact-status"): Row(
        roles=MEMBERS,
        other_team=HIDDEN,
        other_org=HIDDEN,
        json=lambda t: {"already_in_contact": True},
    ),
    ("GET", "/api/v1/notifications"): Row(roles=MEMBERS),
    ("PUT", "/api/v1/notifications/{notification_id}/read"): Row(
        roles=MEMBERS, other_team=HIDDEN, other_org=HIDDEN
    ),
    ("PUT", "/api/v1/team/webhook"): Row(
        roles=LEADS, json=lambda t: {"url": "https://hooks.voorbeeld.example/betrokken"}
    ),
    # contact requests: asked about another team's flag, decided by the flag's team
    ("POST", "/api/v1/contact-requests"): Row(
        roles=PEOPLE,
        via=Via.REQUEST,
        other_team=ALLOWED,  # the point of a contact request: seen in my own check
        other_org=FORBIDDEN,  # another organisation's flag: only under a convenant
        with_convenant=ALLOWED,
        json=lambda t: {"handle": seen_handle(t), "purpose": own_purpose(t)},
    ),
    ("GET", "/api/v1/contact-requests"): Row(roles=MEMBERS),
    ("GET", "/api/v1/contact-requests/{request_id}"): Row(
        roles=MEMBERS, other_team=HIDDEN, other_org=HIDDEN
    ),
    ("POST", "/api/v1/contact-requests/{request_id}/acceptance"): Row(
        roles=PEOPLE, other_team=HIDDEN, other_org=HIDDEN
    ),
    ("POST", "/api/v1/contact-requests/{request_id}/decline"): Row(
        roles=PEOPLE, other_team=HIDDEN, other_org=HIDDEN, json=lambda t: {"reason": "not_relevant"}
    ),
    ("POST", "/api/v1/contact-requests/{request_id}/withdrawal"): Row(
        roles=PEOPLE,
        other_team=HIDDEN,
        other_org=HIDDEN,
        path={"request_id": lambda t: t.world.outgoing_request(t.owner)},
    ),
    # retention and erasure
    ("POST", "/api/v1/retention-runs"): Row(roles=ADMINS),
    ("POST", "/api/v1/erasures"): Row(
        roles=OFFICERS, json=lambda t: {"subject": subject(t), "reason": "objection"}
    ),
    # the verwerkingslog
    ("GET", "/api/v1/audit/public-key"): public(),
    ("GET", "/api/v1/audit/entries"): Row(
        roles=OFFICERS,
        via=Via.REQUEST,
        params=lambda t: {"organisation": t.owner.team.organisation},
        other_team=ALLOWED,
        other_org=FORBIDDEN,
    ),
    ("POST", "/api/v1/audit/searches"): Row(
        roles=OFFICERS,
        via=Via.REQUEST,
        json=lambda t: {"subject": subject(t), "organisation": t.owner.team.organisation},
        other_team=ALLOWED,
        other_org=FORBIDDEN,
    ),
    ("GET", "/api/v1/audit/checkpoints/latest"): Row(roles=OFFICERS),
    ("GET", "/api/v1/audit/proofs/inclusion"): Row(
        roles=OFFICERS, params=lambda t: {"index": 0}, sees=OVERSIGHT
    ),
    ("GET", "/api/v1/audit/proofs/consistency"): Row(
        roles=OFFICERS, params=lambda t: {"first": latest_checkpoint_size(t)}
    ),
    ("GET", "/api/v1/audit/reports/{kind}"): Row(
        roles=OFFICERS,
        via=Via.HEADER,
        path={"kind": lambda t: "checks-per-member"},
        sees=OVERSIGHT,
    ),
    ("GET", "/api/v1/audit/alerts"): Row(roles=OFFICERS, sees=OVERSIGHT),
    ("POST", "/api/v1/audit/alerts/{alert_id}/acknowledgement"): Row(
        roles=OFFICERS, other_team=ALLOWED, other_org=HIDDEN
    ),
    ("POST", "/api/v1/audit/subject-access-reports"): Row(
        roles=OFFICERS, json=lambda t: {"subject": subject(t), "case_ref": "AVG15-1"}
    ),
    ("GET", "/api/v1/audit/otlp"): Row(roles=OFFICERS, sees=OVERSIGHT),
    ("GET", "/api/v1/audit/integrity"): Row(roles=OFFICERS),
    # the export is the whole tree (as `betrokken audit export`): a hub operator's; an
    # officer's only while it holds no other organisation's leaves (here it does: a 409)
    ("GET", "/api/v1/audit/export"): Row(
        roles=OFFICERS | OPERATORS, sees=frozenset({Relation.OTHER_TEAM, Relation.OTHER_ORG})
    ),
    **ADMINISTRATION,
}


# -- the tests -------------------------------------------------------------------------------


def _code(answer: httpx.Response) -> str | None:
    if "json" not in answer.headers.get("content-type", ""):
        return None
    body = answer.json()
    return body.get("code") if isinstance(body, dict) else None


def operations(client: TestClient) -> set[tuple[str, str]]:
    """Every operation of the OpenAPI document, and every route the document leaves out."""
    spec = client.get("/api/v1/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    hidden = {
        (method, str(route.path_format))
        for route in iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute) and not route.include_in_schema
        for method in route.methods or ()
    }
    return documented | hidden


@pytest.fixture
def world(client: TestClient, idp: DevIdentityProvider, runtime: Runtime) -> World:
    add_other_organisation(runtime)
    return World(client, idp, runtime)


# The routes whose answers a convenant between the organisations may change (the new
# routes of issue 18, and the ones that cross organisations under a convenant): each is
# run once more with a convenant in force between the own and the other organisation.
CONVENANT_ROUTES = sorted(
    route
    for route in ROUTES
    if route[1].startswith("/api/v1/admin/")
    or route in {("POST", "/api/v1/contact-requests"), ("POST", "/api/v1/involvement-checks")}
)


def test_every_route_has_a_row(client: TestClient) -> None:
    served = operations(client)
    missing = sorted(served - ROUTES.keys())
    stale = sorted(ROUTES.keys() - served)
    assert not missing, f"add a row to ROUTES in {__name__} for: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda route: " ".join(route))
def test_route_authorization(route: tuple[str, str], world: World) -> None:
    check_route(route, world, convenant=False)


@pytest.mark.parametrize("route", CONVENANT_ROUTES, ids=lambda route: " ".join(route))
def test_route_authorization_with_a_convenant(route: tuple[str, str], world: World) -> None:
    world.convenant()
    check_route(route, world, convenant=True)


def check_route(route: tuple[str, str], world: World, *, convenant: bool) -> None:
    method, template = route
    row = ROUTES[route]
    secrets = background(world)
    mismatches: list[str] = []
    successes = 0
    # A role the route refuses is turned away before any object is looked up, so those
    # cells share one request per relation instead of making objects of their own.
    refused: dict[Relation, Prepared] = {}
    for role, relation in itertools.product(Role, Relation):
        target = new_target(world, role, relation)
        if row.public or role in row.roles:
            request = prepare(row, template, target)
        else:
            request = refused.setdefault(relation, prepare(row, template, target))
        answer = send(world, method, request, caller=target.caller)
        expected = row.expected(role, relation, convenant=convenant)
        successes += answer.is_success
        if not expected.admits(answer):
            mismatches.append(
                f"{role.value:>16}, {relation.value:<18} expected {expected.value}, "
                f"got {answer.status_code} {_code(answer) or ''}"
            )
        shown = [
            name
            for (owner, name), value in secrets.items()
            if value in answer.text and not row.may_show(role, owner, convenant=convenant)
        ]
        if shown:
            mismatches.append(f"{role.value:>16}, {relation.value:<18} shows {shown}")
    anonymous = send(world, method, refused.get(Relation.OWN_TEAM) or request, caller=None)
    wanted = ALLOWED if row.public else Outcome.UNAUTHENTICATED
    if not wanted.admits(anonymous):
        mismatches.append(f"anonymous expected {wanted.value}, got {anonymous.status_code}")
    if row.gap:
        if mismatches:
            pytest.xfail(f"{row.gap}:\n" + "\n".join(mismatches))
        pytest.fail(f"the gap is closed; remove gap= from the row: {row.gap}")
    assert not mismatches, f"{method} {template}:\n" + "\n".join(mismatches)
    assert successes or row.public, "no cell succeeded: check the row's body and parameters"


def new_target(world: World, role: Role, relation: Relation) -> Target:
    caller = Member(f"matrix-{role.value}-{next(_ids)}", OWN, role)
    if relation is Relation.OWN_TEAM:
        owner = Member(caller.sub, OWN)  # the caller's own objects, made in a member's role
    else:
        owner = Member(f"matrix-owner-{next(_ids)}", TEAMS[relation])
    return Target(relation=relation, caller=caller, owner=owner, world=world)


@dataclass(frozen=True)
class Prepared:
    url: str
    json: Any
    params: Any
    acting_team: str | None


def prepare(row: Row, template: str, target: Target) -> Prepared:
    """The request of one cell, with the objects it addresses made for it."""
    parameters = list(_path_parameters(template))
    via = row.via or (Via.PATH if any(p in OBJECTS for p in parameters) else Via.HEADER)
    values = {name: (row.path.get(name) or OBJECTS[name])(target) for name in parameters}
    return Prepared(
        url=template.format(**values),
        json=row.json(target) if row.json else None,
        params=row.params(target) if row.params else None,
        acting_team=target.owner.team.slug if via is Via.HEADER else None,
    )


def send(world: World, method: str, request: Prepared, *, caller: Member | None) -> httpx.Response:
    headers = world.headers(caller) if caller else {}
    if caller and request.acting_team:
        headers["Betrokken-Team"] = request.acting_team
    answer: httpx.Response = world.client.request(
        method, request.url, headers=headers, json=request.json, params=request.params
    )
    return answer


def _path_parameters(template: str) -> Iterator[str]:
    for part in template.split("{")[1:]:
        yield part.split("}")[0]


def background(world: World) -> dict[tuple[Relation, str], str]:
    """Objects of the other teams that no cell addresses: their ids must not show up."""
    found: dict[tuple[Relation, str], str] = {}
    for relation in (Relation.OTHER_TEAM, Relation.OTHER_ORG):
        owner = Member(f"background-{next(_ids)}", TEAMS[relation])
        found[relation, f"{relation.value}'s flag"] = world.flag(owner)
        found[relation, f"{relation.value}'s request"] = world.incoming_request(owner)
    return found
