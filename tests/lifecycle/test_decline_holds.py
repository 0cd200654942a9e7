"""A decline holds: a match shows another team's contact person only where the policy's
contact rule for the pair allows it without a request, and never after that team declined
a contact request from the viewer's team on the subject (issue 16, point 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.runtime import Runtime
from hub.settings import Settings
from policies import DEMO_POLICY
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("household-2")
AUTOMATIC = "match: {contact_details: automatic}, why: "


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The demo policy, with Pw and schuldhulp told each other's contact at once."""
    text = DEMO_POLICY.read_text(encoding="utf-8")
    lines = [
        line.replace("why: ", AUTOMATIC, 1)
        if "id: pw-contact," in line or "id: schuldhulp-contact," in line
        else line
        for line in text.splitlines()
    ]
    policy = tmp_path / "policy.yaml"
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert policy.read_text().count(AUTOMATIC) == text.count(AUTOMATIC) + 2
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        policy_file=policy,
        background_jobs=False,
    )


def cards(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items = client.get("/api/v1/notifications", headers=headers).json()["items"]
    return [
        card
        for item in items
        if item["kind"].startswith("match.")
        for card in item["payload"]["teams"]
    ]


def test_an_automatic_match_shows_the_contact_person(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    pw, sh = auth(idp, "anna", "pw-handhaving"), auth(idp, "bram", "schuldhulp")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening")
    register(client, pw, SUBJECT, purpose="rechtmatigheid")
    [card] = cards(client, pw)
    assert card["contact_details"] == "shown" and card["contact"]["name"] == "bram"
    [team] = client.get("/api/v1/matches", headers=pw).json()["items"][0]["teams"]
    assert team["contact_details"] == "shown" and team["contact"]["name"] == "bram"


def test_request_decline_register_shows_no_contact_and_the_audit_says_why(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    pw, sh = auth(idp, "anna", "pw-handhaving"), auth(idp, "bram", "schuldhulp")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening")
    [involved] = check(client, pw, SUBJECT, purpose="rechtmatigheid").json()["involved"]
    body = {"handle": involved["handle"], "purpose": "rechtmatigheid"}
    request = client.post("/api/v1/contact-requests", json=body, headers=pw).json()
    declined = client.post(
        f"/api/v1/contact-requests/{request['id']}/decline",
        json={"reason": "not_relevant"},
        headers=sh,
    )
    assert declined.status_code == 200, declined.text

    assert register(client, pw, SUBJECT, purpose="rechtmatigheid").status_code == 201
    [card] = cards(client, pw)
    assert card["team"] == "schuldhulp"  # the match says that schuldhulp is involved
    assert (card["contact_details"], card["contact"]) == ("declined", None)
    [team] = client.get("/api/v1/matches", headers=pw).json()["items"][0]["teams"]
    assert (team["contact_details"], team["contact"]) == ("declined", None)
    assert "bram" not in str(client.get("/api/v1/matches", headers=pw).json())
    # The decline protects the team that declined; it still sees who asked.
    [theirs] = cards(client, sh)
    assert theirs["contact"]["name"] == "anna"

    [made] = [row for row in audit_rows(runtime) if row.action == "match.created"]
    assert made.reason is not None
    assert "schuldhulp declined a contact request from pw-handhaving" in made.reason
