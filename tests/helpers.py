"""Small helpers for tests: tokens, opaque pseudonyms, audit rows."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.dev_idp import DevIdentityProvider
from hub.audit.models import AuditEntry
from hub.organisation import repository as organisations
from hub.organisation.models import Organisation, Team
from hub.runtime import Runtime
from hub.transactions import transaction


def opaque_pseudonym(label: str) -> str:
    """A well-formed stand-in for a client pseudonym (the OPRF tests use real ones)."""
    return base64.urlsafe_b64encode(hashlib.sha512(label.encode()).digest()).rstrip(b"=").decode()


def auth(idp: DevIdentityProvider, member: str, team: str | None, *roles: str) -> dict[str, str]:
    token = idp.issue(member=member, team=team, roles=list(roles or ("professional",)))
    return {"Authorization": f"Bearer {token}"}


def register(
    client: TestClient,
    headers: dict[str, str],
    subject: str,
    *,
    purpose: str,
    kind: str = "bsn",
    **extra: Any,
) -> Any:
    body = {"subject": {"kind": kind, "pseudonym": subject}, "purpose": purpose, **extra}
    return client.post("/api/v1/flags", json=body, headers=headers)


def check(
    client: TestClient,
    headers: dict[str, str],
    subject: str,
    *,
    purpose: str,
    case_ref: str = "ZAAK-2026-001",
    kind: str = "bsn",
) -> Any:
    body = {
        "subject": {"kind": kind, "pseudonym": subject},
        "purpose": purpose,
        "case_ref": case_ref,
    }
    return client.post("/api/v1/involvement-checks", json=body, headers=headers)


def audit_rows(runtime: Runtime) -> list[AuditEntry]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def count(runtime: Runtime, model: type) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def add_neighbour(runtime: Runtime, idp: DevIdentityProvider, *, domain: str) -> dict[str, str]:
    """Another municipality with one team in ``domain``; headers for a member of it."""
    with transaction(runtime.sessions) as session:
        neighbour = Organisation(slug="buurgemeente", name="Buurgemeente", kind="gemeente")
        organisations.add(session, neighbour)
        organisations.add(
            session,
            Team(
                slug=f"buur-{domain}",
                name=f"{domain} Buurgemeente",
                organisation_id=neighbour.id,
                domain_code=domain,
            ),
        )
    token = idp.issue(
        member="nina", team=f"buur-{domain}", roles=["professional"], organisation="buurgemeente"
    )
    return {"Authorization": f"Bearer {token}"}


def seed_demo_rows(session: Session) -> None:
    """The demo's organisation, domains and teams as plain rows, for tests that read the
    audit log from its first entry (``hub.demo.seed_demo`` audits each row it adds, as the
    administration does; ``tests/hub/test_administration.py`` tests that)."""
    from hub.demo import DEMO_ORGANISATION, DOMAINS, TEAMS
    from hub.organisation.models import Domain

    organisation = Organisation(slug=DEMO_ORGANISATION, name="Gemeente Voorbeeld", kind="gemeente")
    organisations.add(session, organisation)
    organisations.add(session, *(Domain(code=code, name=name) for code, name in DOMAINS.items()))
    organisations.add(
        session,
        *(
            Team(
                slug=team.slug,
                name=team.name,
                organisation_id=organisation.id,
                domain_code=team.domain,
                contact_email=team.email,
                contact_phone=team.phone,
            )
            for team in TEAMS
        ),
    )


PW_SEES_SCHULDHULP = "targets: [pw, schuldhulp, wmo_pgb, vergunningen, vth, laa]"


def policy_without_pw_seeing_schuldhulp(name: str = "Voorbeeld, zonder schuldhulp") -> str:
    """The demo policy as a new version in which a Pw check no longer shows schuldhulp."""
    from policies import DEMO_POLICY

    text = DEMO_POLICY.read_text()
    assert PW_SEES_SCHULDHULP in text, "the demo policy changed: fix this helper"
    return text.replace(
        PW_SEES_SCHULDHULP, "targets: [pw, wmo_pgb, vergunningen, vth, laa]"
    ).replace("name: Betrokken demo policy", f"name: {name}")
