"""Matches under the example policy: who is told about whom, and who is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.runtime import Runtime
from hub.settings import Settings
from policies import EXAMPLE_POLICY
from tests.helpers import audit_rows, auth, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("family-3")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        policy_file=EXAMPLE_POLICY,
        background_jobs=False,
    )


def inbox(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/notifications", headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def told_about(client: TestClient, headers: dict[str, str]) -> set[str]:
    return {team["team"] for n in inbox(client, headers) for team in n["payload"]["teams"]}


def test_verwijsindex_scenario(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    sh = auth(idp, "bram", "schuldhulp")
    vg = auth(idp, "carla", "vergunningen")
    jeugd = auth(idp, "dirk", "jeugd-wijkteam")

    assert register(client, pw, SUBJECT, purpose="rechtmatigheid").status_code == 201
    assert inbox(client, pw) == []  # alone on the subject: no match yet

    assert register(client, sh, SUBJECT, purpose="schuldhulpverlening").status_code == 201
    assert told_about(client, pw) == {"schuldhulp"}
    assert told_about(client, sh) == {"pw-handhaving"}
    card = inbox(client, pw)[0]["payload"]["teams"][0]
    # Pw and schuldhulp contact each other only on an accepted request (the demo policy).
    assert (card["contact_details"], card["contact"]) == ("on_request", None)

    assert register(client, vg, SUBJECT, purpose="vergunningverlening").status_code == 201
    assert told_about(client, pw) == {"schuldhulp", "vergunningen"}
    assert told_about(client, sh) == {"pw-handhaving", "vergunningen"}
    assert told_about(client, vg) == {"pw-handhaving"}  # the policy hides schuldhulp from it

    assert register(client, jeugd, SUBJECT, purpose="hulpverlening").status_code == 201
    assert "jeugd-wijkteam" not in told_about(client, pw)  # Pw fraud never learns of Jeugd
    assert told_about(client, jeugd) == {"schuldhulp"}

    match = client.get("/api/v1/matches", headers=pw).json()["items"]
    assert len(match) == 1
    assert {t["team"] for t in match[0]["teams"]} == {"schuldhulp", "vergunningen"}

    for body in (n["payload"] for h in (pw, sh, vg, jeugd) for n in inbox(client, h)):
        assert SUBJECT not in str(body)
    actions = [row.action for row in audit_rows(runtime)]
    assert actions.count("match.created") == 1 and actions.count("match.joined") == 2


def test_regie_and_already_in_contact(client: TestClient, idp: DevIdentityProvider) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    sh = auth(idp, "bram", "schuldhulp")
    register(client, pw, SUBJECT, purpose="rechtmatigheid")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening")
    match_id = client.get("/api/v1/matches", headers=pw).json()["items"][0]["id"]

    regie = client.put(f"/api/v1/matches/{match_id}/regie", json={"team": "schuldhulp"}, headers=pw)
    assert regie.status_code == 200 and regie.json()["regie_team"] == "schuldhulp"
    foreign = client.put(
        f"/api/v1/matches/{match_id}/regie", json={"team": "vth-toezicht"}, headers=pw
    )
    assert foreign.status_code == 400

    marked = client.put(
        f"/api/v1/matches/{match_id}/contact-status", json={"already_in_contact": True}, headers=sh
    )
    assert marked.json()["already_in_contact"] is True
    seen_by_pw = client.get("/api/v1/matches", headers=pw).json()["items"][0]
    assert seen_by_pw["teams"][0]["already_in_contact"] is True

    outsider = auth(idp, "eva", "vth-toezicht")
    hidden = client.put(
        f"/api/v1/matches/{match_id}/regie", json={"team": "vth-toezicht"}, headers=outsider
    )
    assert hidden.status_code == 404


def test_mark_read(client: TestClient, idp: DevIdentityProvider) -> None:
    pw = auth(idp, "anna", "pw-handhaving")
    register(client, pw, SUBJECT, purpose="rechtmatigheid")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECT, purpose="schuldhulpverlening")
    [notification] = inbox(client, pw)
    assert client.get("/api/v1/notifications?unread=true", headers=pw).json()["items"]
    read = client.put(f"/api/v1/notifications/{notification['id']}/read", headers=pw)
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true", headers=pw).json()["items"] == []
    other = client.put(
        f"/api/v1/notifications/{notification['id']}/read", headers=auth(idp, "x", "vth-toezicht")
    )
    assert other.status_code == 404
