"""The routes the privacy officer's console adds: the log's integrity at a glance, the export
as a download, and a note with an acknowledgement."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.auth.dev_idp import DevIdentityProvider
from api.cli import main
from crypto.audit_verify import verify_export
from hub.clock import FixedClock
from hub.runtime import Runtime
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("console-subject")


def officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fenna", None, "privacy_officer")


@pytest.fixture
def some_log(client: TestClient, idp: DevIdentityProvider) -> None:
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    assert register(client, bram, SUBJECT, purpose="schuldhulpverlening").status_code == 201
    assert check(client, anna, SUBJECT, purpose="rechtmatigheid").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("path", ["/api/v1/audit/integrity", "/api/v1/audit/export"])
def test_a_professional_or_beheerder_gets_neither(
    client: TestClient, idp: DevIdentityProvider, path: str
) -> None:
    for headers, status in (
        ({}, 401),
        (auth(idp, "anna", "pw-handhaving"), 403),
        (auth(idp, "marieke", None, "functioneel_beheerder"), 403),
    ):
        answer = client.get(path, headers=headers)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("some_log")
def test_integrity_names_the_latest_checkpoint_and_whether_the_log_matches_it(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    answer = client.get("/api/v1/audit/integrity", headers=officer(idp))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["matches"] is True and body["faults"] == []
    assert body["checkpoint"]["size"] == 2  # the read sequenced the waiting entries first
    assert body["log_status"] == "ok"
    assert body["verifier_key"] == runtime.audit_signer.verifier_key()
    assert "audit.integrity" not in [row.action for row in audit_rows(runtime)]  # no entry shown

    with runtime.sessions() as session, session.begin():
        session.execute(text("DELETE FROM audit_entries WHERE leaf_index = 1"))
    broken = client.get("/api/v1/audit/integrity", headers=officer(idp)).json()
    assert broken["matches"] is False and broken["log_status"] == "compromised"
    assert [f["description"] for f in broken["faults"]] == ["leaf index 1 is missing"]
    assert client.get("/api/v1/health").json()["audit_log"] == "compromised"
    inbox = client.get("/api/v1/audit/alerts", headers=officer(idp)).json()["items"]
    assert [a["rule"] for a in inbox] == ["audit.integrity"]


def test_integrity_before_the_first_checkpoint(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    body = client.get("/api/v1/audit/integrity", headers=officer(idp)).json()
    assert body["checkpoint"] is None and body["matches"] is None


@pytest.mark.usefixtures("some_log")
def test_the_export_download_is_the_cli_export_and_verifies_offline(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, tmp_path: Path
) -> None:
    answer = client.get("/api/v1/audit/export", headers=officer(idp))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    document = answer.json()
    key = client.get("/api/v1/audit/public-key").json()["verifier_key"]
    verified = verify_export(document, key)
    assert verified.entries == 2 and verified.size == 2  # a checkpoint was signed for it
    assert [row.action for row in audit_rows(runtime)][-1] == "audit.export"

    # the same file the CLI verifies, as the console tells the officer to run it
    path = tmp_path / "export.json"
    path.write_bytes(answer.content)
    (tmp_path / "key.txt").write_text(key + "\n")
    verify = CliRunner().invoke(
        main, ["audit", "verify", str(path), "--public-key", str(tmp_path / "key.txt")]
    )
    assert verify.exit_code == 0 and verify.output.startswith("OK: 2 entries"), verify.output

    later = client.get("/api/v1/audit/export", params={"from_index": 2}, headers=officer(idp))
    assert later.status_code == 200
    assert [e["index"] for e in later.json()["entries"]] == [2]  # the first export's entry
    assert verify_export(later.json(), key).start == 2
    too_far = client.get("/api/v1/audit/export", params={"from_index": 99}, headers=officer(idp))
    assert too_far.status_code == 400 and too_far.json()["code"] == "invalid_input"


@pytest.mark.usefixtures("some_log")
def test_a_compromised_log_gives_no_export(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    client.get("/api/v1/audit/integrity", headers=officer(idp))  # signs a checkpoint
    with runtime.sessions() as session, session.begin():
        session.execute(text("DELETE FROM audit_entries WHERE leaf_index = 0"))
    answer = client.get("/api/v1/audit/export", headers=officer(idp))
    assert answer.status_code == 409
    assert answer.json()["code"] == "audit_log_compromised"


def test_an_alert_is_acknowledged_with_a_note(
    client: TestClient, idp: DevIdentityProvider, clock: FixedClock
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    for n in range(4):
        check(client, anna, opaque_pseudonym(f"console-probe-{n}"), purpose="rechtmatigheid")
        clock.advance(timedelta(minutes=1))
    inbox = client.get("/api/v1/audit/alerts", headers=officer(idp)).json()["items"]
    burst = next(a for a in inbox if a["rule"] == "many_distinct_subjects")
    assert burst["acknowledgement_note"] is None

    for note in ("x" * 501, "BSN 999990019 gebeld"):
        refused = client.post(
            f"/api/v1/audit/alerts/{burst['id']}/acknowledgement",
            json={"note": note},
            headers=officer(idp),
        )
        assert refused.status_code == 422, refused.text
    note = "Besproken met teamleider: adrescontrole Participatiewet."
    done = client.post(
        f"/api/v1/audit/alerts/{burst['id']}/acknowledgement",
        json={"note": note},
        headers=officer(idp),
    )
    assert done.status_code == 200, done.text
    assert done.json()["acknowledgement_note"] == note
    assert "acknowledgement_note" not in done.json()["detail"]
    listed = client.get(
        "/api/v1/audit/alerts", params={"status": "acknowledged"}, headers=officer(idp)
    )
    assert [a["acknowledgement_note"] for a in listed.json()["items"]] == [note]
    assert json.dumps(listed.json()).count(note) == 1


@pytest.mark.usefixtures("some_log")
def test_an_officer_gets_no_export_holding_another_organisations_processing(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    token = idp.issue(member="olga", roles=["privacy_officer"], organisation="gemeente-elders")
    elders = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit/entries", headers=elders).status_code == 200  # a leaf

    refused = client.get("/api/v1/audit/export", headers=officer(idp))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "export_spans_organisations"
    assert "olga" not in refused.text and "gemeente-elders" not in refused.text
    assert [row.action for row in audit_rows(runtime)][-1] != "audit.export"  # rolled back

    operator = client.get("/api/v1/audit/export", headers=auth(idp, "op", None, "hub_operator"))
    assert operator.status_code == 200, operator.text
    key = runtime.audit_signer.verifier_key()
    assert verify_export(operator.json(), key).entries == 3
