"""Administration services (issue 18): organisations and teams, the per-organisation policy
with its two-person rule, and the audit of every change and refusal."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.dev_idp import DevIdentityProvider
from hub.actor import Actor, Role
from hub.audit.models import AuditEntry
from hub.audit.vocabulary import Action
from hub.clock import FixedClock
from hub.demo import DOMAINS, SEED_ACTOR, TEAMS, seed_demo
from hub.organisation import admin
from hub.organisation.models import Team
from hub.organisation_policy import service as policies
from hub.runtime import Runtime
from hub.transactions import transaction
from policies import DEMO_POLICY, parse_policy
from tests.helpers import audit_rows, check, opaque_pseudonym, register

ORG = "gemeente-voorbeeld"


def actor(sub: str, *roles: Role, organisation: str = ORG) -> Actor:
    return Actor(sub=sub, name=sub, organisation=organisation, team=None, roles=frozenset(roles))


def own_policy(name: str = "Eigen beleid") -> str:
    return DEMO_POLICY.read_text().replace("name: Betrokken demo policy", f"name: {name}")


def headers(
    idp: DevIdentityProvider, sub: str, role: str, team: str | None = None
) -> dict[str, str]:
    token = idp.issue(member=sub, roles=[role], team=team, organisation=ORG)
    return {"Authorization": f"Bearer {token}"}


def test_the_demo_seed_goes_through_the_audited_services(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(Team.__table__.delete())  # start from no teams: the seed adds them
        added = seed_demo(session)
    assert added == len(TEAMS)
    seeded = [r for r in audit_rows(runtime) if r.actor_sub == SEED_ACTOR.sub]
    assert [r.action for r in seeded] == [Action.TEAM_CREATE.value] * len(TEAMS)
    with transaction(runtime.sessions) as session:
        assert seed_demo(session) == 0
    assert len(DOMAINS) == len(admin.list_domains(runtime.sessions()))


def test_a_beheerder_manages_only_their_own_organisations_teams(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    token = idp.issue(member="fb", roles=["functioneel_beheerder"], organisation="gemeente-elders")
    answer = client.patch(
        "/api/v1/admin/teams/schuldhulp",
        json={"name": "Overgenomen"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    refused = [r for r in audit_rows(runtime) if r.action == Action.TEAM_UPDATE.value]
    assert [(r.outcome, r.object_id, r.actor_sub) for r in refused] == [
        ("refused", "schuldhulp", "fb")
    ]
    # under the policy of the organisation whose team it is
    assert refused[0].policy_version == runtime.policy.current().version
    with runtime.sessions() as session:
        assert admin.get_team(session, "schuldhulp").name == "Schuldhulpverlening"


def test_bad_input_is_a_problem_and_changes_nothing(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    operator = headers(idp, "ops", "hub_operator")
    url = f"/api/v1/admin/organisations/{ORG}/teams"
    before = len(audit_rows(runtime))
    cases = [
        ({"slug": "nieuw-team", "name": "Nieuw", "domain": "onbekend"}, 400, "unknown_domain"),
        ({"slug": "schuldhulp", "name": "Dubbel", "domain": "pw"}, 409, "duplicate_slug"),
        ({"slug": "nieuw-team", "name": "Team 999990019", "domain": "pw"}, 422, "invalid_payload"),
        ({"slug": "Nieuw Team", "name": "Nieuw", "domain": "pw"}, 422, "invalid_payload"),
        ({"slug": "team-12345678", "name": "Nieuw", "domain": "pw"}, 422, "invalid_payload"),
    ]
    for body, status, code in cases:
        answer = client.post(url, json=body, headers=operator)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == code
    teams = client.get(url, headers=operator).json()["items"]
    assert {team["slug"] for team in teams} == {team.slug for team in TEAMS}
    assert len(audit_rows(runtime)) == before


def test_a_deactivated_team_is_refused_and_hidden_and_nothing_is_deleted(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    subject = opaque_pseudonym("deactivated")
    shv, pw = (
        headers(idp, "bram", "professional", "schuldhulp"),
        headers(idp, "anna", "professional", "pw-handhaving"),
    )
    assert register(client, shv, subject, purpose="schuldhulpverlening").status_code == 201
    assert register(client, pw, subject, purpose="rechtmatigheid").status_code == 201
    seen = check(client, pw, subject, purpose="rechtmatigheid").json()["involved"]
    assert [t["team"] for t in seen] == ["schuldhulp"]

    def match_teams() -> set[str]:
        matches = client.get("/api/v1/matches", headers=pw).json()["items"]
        return {each["team"] for match in matches for each in match["teams"]}

    assert "schuldhulp" in match_teams()
    beheerder = headers(idp, "fb", "functioneel_beheerder")
    off = client.patch("/api/v1/admin/teams/schuldhulp", json={"active": False}, headers=beheerder)
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/v1/flags", headers=shv).status_code == 403
    assert check(client, pw, subject, purpose="rechtmatigheid").json()["involved"] == []
    assert "schuldhulp" not in match_teams()
    asked = client.post(
        "/api/v1/contact-requests",
        json={"handle": seen[0]["handle"], "purpose": "rechtmatigheid"},
        headers=pw,
    )
    assert asked.status_code == 404
    on = client.patch("/api/v1/admin/teams/schuldhulp", json={"active": True}, headers=beheerder)
    assert on.status_code == 200
    changes = [r for r in audit_rows(runtime) if r.action == Action.TEAM_UPDATE.value]
    assert [(r.reason, r.policy_version) for r in changes] == [
        ("deactivated", runtime.policy.current().version),
        ("activated", runtime.policy.current().version),
    ]
    assert [
        t["team"] for t in check(client, pw, subject, purpose="rechtmatigheid").json()["involved"]
    ] == ["schuldhulp"]


def test_two_people_approve_a_policy_and_it_takes_effect_from_its_date(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    text = own_policy()
    version = parse_policy(text).version
    base = f"/api/v1/admin/organisations/{ORG}/policies"
    fg_beheerder = headers(idp, "fg-en-fb", "privacy_officer")  # uploads with a beheerder's role…
    uploader = idp.issue(
        member="fg-en-fb", roles=["privacy_officer", "functioneel_beheerder"], organisation=ORG
    )
    tomorrow = (clock.now() + timedelta(days=1)).date()
    made = client.post(
        base,
        json={"text": text, "active_from": tomorrow.isoformat()},
        headers={"Authorization": f"Bearer {uploader}"},
    )
    assert made.status_code == 201, made.text
    # …and may not approve it as the officer: another person must
    own = client.post(f"{base}/{version}/approval", headers=fg_beheerder)
    assert own.status_code == 403 and own.json()["code"] == "two_person_rule"
    other = headers(idp, "fatima", "privacy_officer")
    approved = client.post(f"{base}/{version}/approval", headers=other)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.post(f"{base}/{version}/approval", headers=other).status_code == 409

    pw = headers(idp, "anna", "professional", "pw-handhaving")
    file_version = runtime.policy.current().version
    today = check(client, pw, opaque_pseudonym("p1"), purpose="rechtmatigheid").json()
    assert today["decision"]["policy_version"] == file_version  # not yet in force
    clock.advance(timedelta(days=1))
    later = check(client, pw, opaque_pseudonym("p2"), purpose="rechtmatigheid").json()
    assert later["decision"]["policy_version"] == version
    with runtime.sessions() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == Action.CHECK.value)
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None and entry.policy_version == version
        decided = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action.in_([Action.POLICY_UPLOAD.value, Action.POLICY_APPROVE.value])
            )
        ).all()
        assert [(e.action, e.outcome, e.policy_version) for e in decided] == [
            (Action.POLICY_UPLOAD.value, "allowed", version),
            (Action.POLICY_APPROVE.value, "refused", version),
            (Action.POLICY_APPROVE.value, "allowed", version),
        ]


def test_an_invalid_policy_is_refused_with_its_lines_and_any_two_versions_diff(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    beheerder = headers(idp, "fb", "functioneel_beheerder")
    base = f"/api/v1/admin/organisations/{ORG}"
    broken = own_policy().replace("action: check", "action: peek", 1)
    refused = client.post(f"{base}/policies", json={"text": broken}, headers=beheerder)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_policy"
    assert all(isinstance(p["line"], int) for p in refused.json()["problems"])
    first = client.post(f"{base}/policies", json={"text": own_policy("Een")}, headers=beheerder)
    narrower = own_policy("Twee").replace(
        "targets: [pw, schuldhulp, wmo_pgb, vergunningen, vth, laa]",
        "targets: [pw, wmo_pgb, vergunningen, vth, laa]",
    )
    second = client.post(f"{base}/policies", json={"text": narrower}, headers=beheerder)
    again = client.post(f"{base}/policies", json={"text": narrower}, headers=beheerder)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_policy_version"
    old, new = first.json()["version"], second.json()["version"]
    diff = client.get(f"{base}/policy-diff", params={"old": old, "new": new}, headers=beheerder)
    assert diff.status_code == 200, diff.text
    assert "see pw -> schuldhulp" in diff.json()["text"]
    listed = client.get(f"{base}/policies", headers=headers(idp, "fatima", "privacy_officer"))
    assert [p["version"] for p in listed.json()["items"]] == [old, new]
    assert {p["status"] for p in listed.json()["items"]} == {"pending"}
    stored = client.get(f"{base}/policies/{old[:12]}", headers=beheerder).json()
    assert stored["text"] == own_policy("Een")


def test_policies_of_an_organisation_are_kept_in_memory(
    runtime: Runtime, clock: FixedClock
) -> None:
    beheerder = actor("fb", Role.FUNCTIONEEL_BEHEERDER)
    officer = actor("fg", Role.PRIVACY_OFFICER)
    with transaction(runtime.sessions) as session:
        row = policies.upload(
            session,
            beheerder,
            ORG,
            text=own_policy(),
            active_from=date(2026, 1, 1),
            now=clock.now(),
        )
        policies.decide(session, officer, ORG, row.version, approve=True, now=clock.now())
    assert runtime.policy_for(ORG).version != row.version  # not read yet: no read per check
    runtime.refresh_kept()
    assert runtime.policy_for(ORG).version == row.version
    assert runtime.policy_for("gemeente-elders").version == runtime.policy.current().version


def test_retention_keeps_each_flag_as_its_organisations_policy_says(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    shv = headers(idp, "bram", "professional", "schuldhulp")
    flag = register(client, shv, opaque_pseudonym("kept"), purpose="schuldhulpverlening").json()
    flag_id = flag["flag"]["id"]
    assert client.delete(f"/api/v1/flags/{flag_id}", headers=shv).status_code == 200
    admin_headers = headers(idp, "beheer", "admin")

    def purged_after(months: int) -> int:
        clock.advance(timedelta(days=31 * months))
        run = client.post("/api/v1/retention-runs", headers=admin_headers)
        assert run.status_code == 200, run.text
        return int(run.json()["purged_flags"])

    assert purged_after(0) == 0  # archived now; the file policy keeps it 5 years
    line = "  - {id: schuldhulp, name: Schuldhulpverlening, subject_types: [person]"
    text = own_policy().replace(line + "}", line + ", archive_years: 1}")
    with transaction(runtime.sessions) as session:
        row = policies.upload(
            session,
            actor("fb", Role.FUNCTIONEEL_BEHEERDER),
            ORG,
            text=text,
            active_from=None,
            now=clock.now(),
        )
        policies.decide(
            session,
            actor("fg", Role.PRIVACY_OFFICER),
            ORG,
            row.version,
            approve=True,
            now=clock.now(),
        )
    runtime.refresh_kept()
    assert purged_after(13) == 1  # the organisation's own policy: one year
