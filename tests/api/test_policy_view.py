"""The policy for the privacy officer and the beheerder (``/api/v1/policy``): the version in
force shown whole, one decision explained with its rules and their lines, the decisions that
change between two versions; a team's webhook changed through the administration API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.runtime import Runtime
from tests.helpers import audit_rows, policy_without_pw_seeing_schuldhulp

ORG = "gemeente-voorbeeld"


def headers(idp: DevIdentityProvider, sub: str, role: str, **more: Any) -> dict[str, str]:
    token = idp.issue(member=sub, roles=[role], organisation=more.get("organisation", ORG))
    return {"Authorization": f"Bearer {token}"}


def test_the_officer_reads_the_policy_in_force(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    answer = client.get("/api/v1/policy", headers=headers(idp, "fenna", "privacy_officer"))
    assert answer.status_code == 200, answer.text
    view = answer.json()
    file = runtime.policy.current()
    assert view["policy"]["version"] == file.version
    assert view["in_force"] == {**view["in_force"], "source": "file", "in_force": True}
    assert [v["version"] for v in view["versions"]] == [file.version]
    basis = next(b for b in view["legal_bases"] if b["id"] == "wmo_art_5_1_1")
    assert basis["citation"] == "Wet maatschappelijke ondersteuning 2015 art. 5.1.1"
    assert basis["confirm"] and basis["line"] > 0 and "art. 9(2)(h)" in basis["avg_articles"]
    assert any(note.startswith(f"line {basis['line']}: FG to confirm") for note in view["notes"])
    cell = {(c["domain"], c["target"]): c for c in view["visibility"]}
    assert cell[("pw", "schuldhulp")]["purposes"] == ["rechtmatigheid"]
    assert cell[("pw", "schuldhulp")]["rules"] == ["pw-sees"]
    assert cell[("pw", "jeugd")]["purposes"] == []  # a fraud check never shows jeugd
    pw_sees = next(r for r in view["rules"] if r["id"] == "pw-sees")
    assert pw_sees["action"] == "see" and "jeugd" not in pw_sees["targets"]


def test_explain_gives_the_rules_with_their_lines(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    fenna = headers(idp, "fenna", "privacy_officer")
    question = {
        "team": "pw-handhaving",
        "target_team": "schuldhulp",
        "purpose": "rechtmatigheid",
        "on": "2026-12-01",
    }
    allowed = client.get("/api/v1/policy/explanation", params=question, headers=fenna).json()
    decision = allowed["decision"]
    assert decision["allowed"] and decision["rule_id"] == "pw-sees" and decision["rule_line"] > 0
    assert decision["legal_basis"]["citation"] == "Participatiewet art. 64"
    assert allowed["question"] == {
        "action": "see",
        "team": "pw-handhaving",
        "domain": "pw",
        "target_team": "schuldhulp",
        "target_domain": "schuldhulp",
        "purpose": "rechtmatigheid",
        "role": "professional",
        "subject_type": "person",
        "on": "2026-12-01",
    }
    assert {"rule": "pw-sees", "line": decision["rule_line"], "outcome": "allows"}.items() <= (
        next(r for r in allowed["rules"] if r["rule"] == "pw-sees").items()
    )
    assert f"(line {decision['rule_line']})" in allowed["text"]

    refused = client.get(
        "/api/v1/policy/explanation",
        params={**question, "target_team": "jeugd-wijkteam"},
        headers=fenna,
    ).json()
    assert not refused["decision"]["allowed"] and refused["decision"]["rule_id"] is None
    pw = next(r for r in refused["rules"] if r["rule"] == "pw-sees")
    assert pw["outcome"] == "no match" and any("jeugd" in d for d in pw["details"])

    # a team of another organisation is as unknown as none
    unknown = client.get(
        "/api/v1/policy/explanation", params={**question, "target_team": "nergens"}, headers=fenna
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["code"] == "not_found"


def test_the_diff_lists_the_decisions_that_change(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    marieke = headers(idp, "marieke", "functioneel_beheerder")
    uploaded = client.post(
        f"/api/v1/admin/organisations/{ORG}/policies",
        json={"text": policy_without_pw_seeing_schuldhulp()},
        headers=marieke,
    )
    assert uploaded.status_code == 201, uploaded.text
    new = uploaded.json()["version"]
    old = runtime.policy.current().version
    fenna = headers(idp, "fenna", "privacy_officer")
    view = client.get("/api/v1/policy", headers=fenna).json()
    assert [(v["version"], v["status"]) for v in view["versions"]] == [
        (old, "file"),
        (new, "pending"),
    ]
    answer = client.get("/api/v1/policy/diff", params={"old": old, "new": new}, headers=fenna)
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert diff["old"]["source"] == "file" and diff["new"]["status"] == "pending"
    assert diff["changes"] > 0
    # the demo's contact rule follows its visibility matrix: both change
    assert {(g["action"], g["domain"], g["target"], g["purpose"]) for g in diff["groups"]} == {
        ("contact", "pw", "schuldhulp", "rechtmatigheid"),
        ("see", "pw", "schuldhulp", "rechtmatigheid"),
    }
    group = next(g for g in diff["groups"] if g["action"] == "see")
    assert group["before_allowed"] and not group["after_allowed"]
    assert group["roles"] == ["professional", "team_lead"] and group["after"] == "refused"
    # marieke compares too; a prefix of 8 names a version; an unknown one is not found
    assert (
        client.get(
            "/api/v1/policy/diff", params={"old": old[:8], "new": new[:8]}, headers=marieke
        ).json()["groups"]
        == diff["groups"]
    )
    missing = client.get("/api/v1/policy/diff", params={"old": old, "new": "0" * 64}, headers=fenna)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_a_professional_is_refused_every_policy_route(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    token = idp.issue(member="anna", roles=["professional"], team="pw-handhaving")
    anna = {"Authorization": f"Bearer {token}"}
    version = "a" * 64
    for url, params in (
        ("/api/v1/policy", {}),
        ("/api/v1/policy/explanation", {"team": "pw-handhaving", "purpose": "rechtmatigheid"}),
        ("/api/v1/policy/diff", {"old": version, "new": version}),
    ):
        answer = client.get(url, params=params, headers=anna)
        assert answer.status_code == 403, url
        assert answer.json()["code"] == "forbidden"


def test_a_beheerder_sets_and_removes_a_teams_webhook(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    marieke = headers(idp, "marieke", "functioneel_beheerder")
    url = "/api/v1/admin/teams/schuldhulp"
    hook = "https://hooks.voorbeeld.example/schuldhulp"
    answer = client.patch(url, json={"webhook_url": hook}, headers=marieke)
    assert answer.status_code == 200 and answer.json()["webhook"] is True
    assert client.patch(url, json={"webhook_url": ""}, headers=marieke).json()["webhook"] is False
    changes = [r.reason for r in audit_rows(runtime) if r.action == "team.update"]
    assert changes[-2:] == ["webhook set", "webhook removed"]
