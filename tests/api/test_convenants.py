"""Convenants and tenancy (issue 18, points 3 and 4): three organisations, two of them in a
convenant. Within it, and only where both policies allow, a check by one partner shows the
other's teams and contact requests cross; the third sees nothing of either, in answers,
matches, notifications, reports or inzage; when the convenant ends, nothing of the partner
shows and the flags registered under it expire."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.clock import FixedClock
from hub.runtime import Runtime
from policies import DEMO_POLICY
from tests.helpers import check, opaque_pseudonym, register

A, B, C = "gemeente-voorbeeld", "gemeente-partner", "gemeente-derde"
TEAMS = {
    B: (
        ("partner-pw", "Handhaving Partner", "pw"),
        ("partner-shv", "Schuldhulp Partner", "schuldhulp"),
    ),
    C: (("derde-pw", "Handhaving Derde", "pw"), ("derde-shv", "Schuldhulp Derde", "schuldhulp")),
}
# What of A and B must never reach C, and what of B must not reach A without a convenant.
OF_A = (
    "pw-handhaving",
    '"team":"schuldhulp"',
    "Handhaving Participatiewet",
    A,
)
OF_B = ("partner-pw", "partner-shv", "Schuldhulp Partner", "Handhaving Partner", B)


class Hub:
    def __init__(self, client: TestClient, idp: DevIdentityProvider) -> None:
        self.client, self.idp = client, idp

    def headers(
        self, member: str, organisation: str, team: str | None, role: str
    ) -> dict[str, str]:
        token = self.idp.issue(member=member, team=team, roles=[role], organisation=organisation)
        return {"Authorization": f"Bearer {token}"}

    def member(self, organisation: str, team: str) -> dict[str, str]:
        return self.headers(f"{team}-member", organisation, team, "professional")

    def officer(self, organisation: str, team: str) -> dict[str, str]:
        return self.headers(f"fg-{organisation}", organisation, team, "privacy_officer")

    def operator(self) -> dict[str, str]:
        return self.headers("ops", "hub-beheer", None, "hub_operator")

    def call(self, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> Any:
        answer = self.client.request(method, url, headers=headers, **kwargs)
        assert answer.is_success, f"{method} {url}: {answer.status_code} {answer.text}"
        return answer.json()


@pytest.fixture
def hub(client: TestClient, idp: DevIdentityProvider) -> Hub:
    hub = Hub(client, idp)
    for organisation, teams in TEAMS.items():
        hub.call(
            "POST",
            "/api/v1/admin/organisations",
            hub.operator(),
            json={"slug": organisation, "name": organisation.title(), "kind": "gemeente"},
        )
        for slug, name, domain in teams:
            hub.call(
                "POST",
                f"/api/v1/admin/organisations/{organisation}/teams",
                hub.operator(),
                json={"slug": slug, "name": name, "domain": domain},
            )
    return hub


def convenant(hub: Hub, **changes: Any) -> dict[str, Any]:
    body = {
        "slug": "regio-noord",
        "name": "Regionale samenwerking Noord",
        "partners": [A, B],
        "domains": ["pw", "schuldhulp"],
        "purposes": ["rechtmatigheid", "schuldhulpverlening"],
        "legal_basis": "pw_art_64",
        "starts_on": "2026-11-01",
        "ends_on": "2027-10-31",
        "responsible": "Mr. J. de Boer",
        **changes,
    }
    beheerder = hub.headers("fb-voorbeeld", A, None, "functioneel_beheerder")
    return dict(hub.call("POST", "/api/v1/admin/convenants", beheerder, json=body))


def involved(hub: Hub, headers: dict[str, str], subject: str, purpose: str) -> list[dict[str, Any]]:
    answer = check(hub.client, headers, subject, purpose=purpose)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["involved"])


def test_partners_see_each_other_within_a_convenant_and_the_third_sees_nothing(
    hub: Hub, runtime: Runtime, clock: FixedClock
) -> None:
    subject = opaque_pseudonym("convenant-subject")
    a_pw, b_shv = hub.member(A, "pw-handhaving"), hub.member(B, "partner-shv")
    c_pw, c_shv = hub.member(C, "derde-pw"), hub.member(C, "derde-shv")
    a_shv = hub.member(A, "schuldhulp")
    for headers in (b_shv, c_shv, a_shv):
        assert (
            register(hub.client, headers, subject, purpose="schuldhulpverlening").status_code == 201
        )

    # without a convenant: every organisation sees its own teams only
    assert {t["team"] for t in involved(hub, a_pw, subject, "rechtmatigheid")} == {"schuldhulp"}

    made = convenant(hub)
    assert made["active"] and made["partners"] == sorted([A, B])
    seen = involved(hub, a_pw, subject, "rechtmatigheid")
    assert {(t["team"], t["organisation"]) for t in seen} == {
        ("schuldhulp", None),
        ("partner-shv", B),
    }
    b_pw = hub.member(B, "partner-pw")
    assert {t["team"] for t in involved(hub, b_pw, subject, "rechtmatigheid")} == {
        "partner-shv",
        "schuldhulp",
    }

    # a contact request crosses under the convenant; the third has no way in
    handle = next(t["handle"] for t in seen if t["team"] == "partner-shv")
    asked = hub.client.post(
        "/api/v1/contact-requests",
        json={"handle": handle, "purpose": "rechtmatigheid"},
        headers=a_pw,
    )
    assert asked.status_code == 201, asked.text
    incoming = hub.call("GET", "/api/v1/contact-requests", b_shv, params={"direction": "incoming"})
    assert [r["id"] for r in incoming["items"]] == [asked.json()["id"]]
    partner_flag = hub.call("GET", "/api/v1/flags", b_shv)["items"][0]["id"]
    forged = runtime.handles.seal(
        uuid.UUID(partner_flag), member="derde-pw-member", now=clock.now()
    )
    refused = hub.client.post(
        "/api/v1/contact-requests",
        json={"handle": forged, "purpose": "rechtmatigheid"},
        headers=c_pw,
    )
    assert refused.status_code == 403 and "convenant" in refused.json()["detail"]

    # the third organisation: nothing of A or B in answers, matches, notifications,
    # contact requests, reports or inzage
    c_officer = hub.officer(C, "derde-pw")
    texts = [
        hub.client.post(
            "/api/v1/involvement-checks",
            json={
                "subject": {"kind": "bsn", "pseudonym": subject},
                "purpose": "rechtmatigheid",
                "case_ref": "DERDE-1",
            },
            headers=c_pw,
        ).text,
        hub.client.get("/api/v1/matches", headers=c_shv).text,
        hub.client.get("/api/v1/notifications", headers=c_shv).text,
        hub.client.get("/api/v1/contact-requests", headers=c_shv).text,
        hub.client.get("/api/v1/audit/reports/checks-per-member", headers=c_officer).text,
        hub.client.get("/api/v1/audit/alerts", headers=c_officer).text,
        hub.client.post(
            "/api/v1/audit/subject-access-reports",
            json={"subject": {"kind": "bsn", "pseudonym": subject}, "case_ref": "AVG15-3"},
            headers=c_officer,
        ).text,
        hub.client.get(
            "/api/v1/admin/convenants",
            headers=hub.headers("fb-c", C, None, "functioneel_beheerder"),
        ).text,
    ]
    assert "derde-shv" in texts[0]  # its own team, so the answers are real
    for text in texts:
        for secret in OF_A + OF_B:
            assert secret not in text, f"{secret} shown to the third organisation: {text[:300]}"

    # ending the convenant: nothing of the partner shows, its flags expire
    under = opaque_pseudonym("convenant-flag")
    registered = register(
        hub.client, b_shv, under, purpose="schuldhulpverlening", convenant="regio-noord"
    )
    assert registered.status_code == 201, registered.text
    assert "partner-shv" in {t["team"] for t in involved(hub, a_pw, under, "rechtmatigheid")}
    ended = hub.call("POST", "/api/v1/admin/convenants/regio-noord/end", hub.operator())
    assert ended["active"] is False
    assert {t["team"] for t in involved(hub, a_pw, subject, "rechtmatigheid")} == {"schuldhulp"}
    assert involved(hub, b_pw, under, "rechtmatigheid") == []  # expired, also for its own
    statuses = {f["id"]: f for f in hub.call("GET", "/api/v1/flags", b_shv)["items"]}
    assert registered.json()["flag"]["id"] in statuses
    again = hub.client.post(
        "/api/v1/contact-requests",
        json={
            "handle": next(t["handle"] for t in seen if t["team"] == "partner-shv"),
            "purpose": "rechtmatigheid",
        },
        headers=a_pw,
    )
    assert again.status_code == 403 and "convenant" in again.json()["detail"]


def test_both_policies_must_allow_what_a_partner_sees(hub: Hub) -> None:
    subject = opaque_pseudonym("policy-subject")
    a_pw, b_shv = hub.member(A, "pw-handhaving"), hub.member(B, "partner-shv")
    assert register(hub.client, b_shv, subject, purpose="schuldhulpverlening").status_code == 201
    convenant(hub)
    assert "partner-shv" in {t["team"] for t in involved(hub, a_pw, subject, "rechtmatigheid")}
    # B's own policy no longer lets pw see schuldhulp: A no longer sees B's team
    text = DEMO_POLICY.read_text().replace(
        "targets: [pw, schuldhulp, wmo_pgb, vergunningen, vth, laa]",
        "targets: [pw, wmo_pgb, vergunningen, vth, laa]",
    )
    assert text != DEMO_POLICY.read_text()
    beheerder = hub.headers("fb-partner", B, None, "functioneel_beheerder")
    version = hub.call(
        "POST", f"/api/v1/admin/organisations/{B}/policies", beheerder, json={"text": text}
    )["version"]
    hub.call(
        "POST",
        f"/api/v1/admin/organisations/{B}/policies/{version}/approval",
        hub.officer(B, "partner-pw"),
    )
    assert "partner-shv" not in {t["team"] for t in involved(hub, a_pw, subject, "rechtmatigheid")}


def test_a_convenant_outside_its_domains_or_purposes_shows_nothing(hub: Hub) -> None:
    subject = opaque_pseudonym("scope-subject")
    a_pw, b_shv = hub.member(A, "pw-handhaving"), hub.member(B, "partner-shv")
    assert register(hub.client, b_shv, subject, purpose="schuldhulpverlening").status_code == 201
    convenant(hub, domains=["pw"])
    assert involved(hub, a_pw, subject, "rechtmatigheid") == []


def test_only_an_operator_or_a_partners_beheerder_makes_a_convenant(hub: Hub) -> None:
    outsider = hub.headers("fb-derde", C, None, "functioneel_beheerder")
    body = {
        "slug": "buiten",
        "name": "Buiten",
        "partners": [A, B],
        "domains": ["pw"],
        "purposes": ["rechtmatigheid"],
        "legal_basis": "pw_art_64",
        "starts_on": "2026-11-01",
        "ends_on": "2027-01-01",
        "responsible": "X. Y",
    }
    refused = hub.client.post("/api/v1/admin/convenants", json=body, headers=outsider)
    assert refused.status_code == 403
    bad = hub.client.post(
        "/api/v1/admin/convenants", json={**body, "domains": ["onbekend"]}, headers=hub.operator()
    )
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_domain"
    listed = hub.call("GET", "/api/v1/admin/convenants", hub.operator())
    assert listed["items"] == []
