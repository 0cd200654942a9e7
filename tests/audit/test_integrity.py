"""Tampering with the audit table through SQL is noticed where the officer looks, and named.

Each test edits or deletes rows of ``audit_entries`` with plain SQL, as someone with
database access would, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from api.cli import main
from crypto.merkle import hash_leaf
from hub.background import sequencer_job
from hub.clock import FixedClock
from hub.runtime import Runtime
from hub.settings import Settings
from tests.audit.builders import cli_env
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

SUBJECTS = [opaque_pseudonym(f"integrity-{n}") for n in range(3)]
EDIT = "UPDATE audit_entries SET actor_sub = 'mallory', outcome = 'refused' WHERE leaf_index = 5"
DELETE = "DELETE FROM audit_entries WHERE leaf_index = 4"


def officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fenna", None, "privacy_officer")


def sql(runtime: Runtime, statement: str, **parameters: Any) -> None:
    """Change the table behind the hub's back, in a transaction of its own."""
    with runtime.sessions() as session, session.begin():
        session.execute(text(statement), parameters)


@pytest.fixture
def signed_log(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    """Leaves 0-2: bram's flags on three subjects; 3-8: anna's checks on them, twice round.

    Signed checkpoints at sizes 3 and 9.
    """
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    for subject in SUBJECTS:
        assert register(client, bram, subject, purpose="schuldhulpverlening").status_code == 201
    sequencer_job(runtime, force_checkpoint=True)
    for n in range(6):
        clock.advance(timedelta(minutes=3))
        assert check(client, anna, SUBJECTS[n % 3], purpose="rechtmatigheid").status_code == 200
    sequencer_job(runtime, force_checkpoint=True)
    rows = audit_rows(runtime)
    assert [(r.leaf_index, r.actor_sub) for r in rows][3:] == [(i, "anna") for i in range(3, 9)]


def integrity_alerts(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    inbox = client.get("/api/v1/audit/alerts", headers=headers)
    assert inbox.status_code == 200, inbox.text
    return [a for a in inbox.json()["items"] if a["rule"] == "audit.integrity"]


def faults(alert: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(f["problem"], f.get("leaf_index")) for f in alert["detail"]["faults"]]


def report(client: TestClient, headers: dict[str, str], kind: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/audit/reports/{kind}", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


# --- 1. an edited row is shown as it was signed, and marked ------------------------------


@pytest.mark.usefixtures("signed_log")
def test_an_edited_row_is_shown_as_signed_marked_and_alerted(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    sql(runtime, EDIT)
    fenna = officer(idp)
    found = client.get(
        "/api/v1/audit/entries", params={"action": "involvement.check"}, headers=fenna
    )
    assert found.status_code == 200, found.text
    by_index = {item["leaf_index"]: item for item in found.json()["items"]}
    edited = by_index[5]
    assert edited["integrity"] == "tampered"
    assert edited["tampered_fields"] == ["outcome", "actor_sub"]
    assert (edited["actor"]["sub"], edited["outcome"]) == ("anna", "allowed")  # as signed
    assert {item["integrity"] for index, item in by_index.items() if index != 5} == {"ok"}

    forged = client.get("/api/v1/audit/entries", params={"member": "mallory"}, headers=fenna)
    assert [(i["leaf_index"], i["integrity"]) for i in forged.json()["items"]] == [(5, "tampered")]

    [alert] = integrity_alerts(client, fenna)
    assert faults(alert) == [("columns_altered", 5)]
    assert alert["detail"]["faults"][0]["fields"] == ["outcome", "actor_sub"]
    assert alert["status"] == "open" and "mallory" not in json.dumps(alert)
    integrity_alerts(client, fenna)  # reading again finds it again: still one alert
    assert len(integrity_alerts(client, fenna)) == 1


@pytest.mark.usefixtures("signed_log")
def test_reports_inzage_and_otlp_do_not_count_an_edited_row_as_it_now_reads(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    sql(runtime, EDIT)
    fenna = officer(idp)
    per_member = report(client, fenna, "checks-per-member")
    assert [(r["member"], r["checks"], r["refused"]) for r in per_member["rows"]] == [
        ("anna", 5, 0)
    ]
    assert [(f["problem"], f["leaf_index"]) for f in per_member["summary"]["tampered_entries"]] == [
        ("columns_altered", 5)
    ]
    refusals = report(client, fenna, "refusals")
    assert refusals["rows"] == [] and len(refusals["summary"]["tampered_entries"]) == 1

    body = {"subject": {"kind": "bsn", "pseudonym": SUBJECTS[2]}}  # leaves 5 and 8
    inzage = client.post("/api/v1/audit/subject-access-reports", json=body, headers=fenna).json()
    assert len(inzage["checks"]) == 1 and inzage["tampered_entries"] == 1
    page = client.post(
        "/api/v1/audit/subject-access-reports",
        json=body,
        headers={**fenna, "Accept": "text/html"},
    )
    assert "komt niet overeen" in page.text

    spans = client.get("/api/v1/audit/otlp", headers=fenna).json()
    attributes = [
        {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
        for span in spans["resourceSpans"][0]["scopeSpans"][0]["spans"]
    ]
    [edited] = [a for a in attributes if a.get("betrokken.leaf_index") == "5"]
    assert (edited["enduser.id"], edited["betrokken.outcome"]) == ("anna", "allowed")
    assert edited["betrokken.integrity"] == "tampered"
    assert all("betrokken.integrity" not in a for a in attributes if a is not edited)


@pytest.mark.usefixtures("signed_log")
def test_edited_checks_count_for_no_probing_alert(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    sql(runtime, "UPDATE audit_entries SET actor_sub = 'mallory' WHERE leaf_index >= 3")
    inbox = client.get("/api/v1/audit/alerts", headers=officer(idp)).json()["items"]
    assert [a["rule"] for a in inbox] == ["audit.integrity"]  # no probing alert on anyone
    assert sorted(faults(inbox[0])) == [("columns_altered", i) for i in range(3, 9)]


@pytest.mark.usefixtures("signed_log")
def test_a_moved_subject_link_is_tampering_and_an_erased_one_is_not(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    # leaf 6 (a check on subject 0) is pointed at subject 2, the subject of leaf 5
    sql(
        runtime,
        "UPDATE audit_entries SET"
        " subject_key = (SELECT subject_key FROM audit_entries WHERE leaf_index = 5),"
        " subject_salt = (SELECT subject_salt FROM audit_entries WHERE leaf_index = 5)"
        " WHERE leaf_index = 6",
    )
    # retention erases key and salt together (unlinked); erasing one of them is not retention
    sql(
        runtime,
        "UPDATE audit_entries SET subject_key = NULL, subject_salt = NULL WHERE leaf_index = 4",
    )
    sql(runtime, "UPDATE audit_entries SET subject_salt = NULL WHERE leaf_index = 7")
    fenna = officer(idp)
    items = client.get("/api/v1/audit/entries", headers=fenna).json()["items"]
    marks = {i["leaf_index"]: (i["integrity"], i["tampered_fields"]) for i in items}
    assert marks[4] == ("ok", [])
    assert marks[6] == ("tampered", ["subject_key"])
    assert marks[7] == ("tampered", ["subject_salt"])

    body = {"subject": {"kind": "bsn", "pseudonym": SUBJECTS[2]}}
    inzage = client.post("/api/v1/audit/subject-access-reports", json=body, headers=fenna).json()
    assert len(inzage["checks"]) == 2 and inzage["tampered_entries"] == 1  # 5 and 8; not 6
    [alert] = integrity_alerts(client, fenna)
    assert sorted(faults(alert)) == [("columns_altered", 6), ("columns_altered", 7)]


# --- 2. a missing or rewritten leaf is named, not a crash ---------------------------------


@pytest.mark.usefixtures("signed_log")
def test_an_intact_log_checks_out(client: TestClient, settings: Settings) -> None:
    checked = CliRunner().invoke(main, ["audit", "check"], env=cli_env(settings))
    assert checked.exit_code == 0, checked.output
    assert "audit log ok: 9 leaves" in checked.output
    assert client.get("/api/v1/health").json()["audit_log"] == "ok"


@pytest.mark.usefixtures("signed_log")
def test_a_deleted_row_is_named_by_export_proofs_check_health_and_an_alert(
    client: TestClient,
    idp: DevIdentityProvider,
    runtime: Runtime,
    settings: Settings,
    tmp_path: Path,
) -> None:
    sql(runtime, DELETE)
    runner = CliRunner()
    out = tmp_path / "export.json"
    export = runner.invoke(main, ["audit", "export", "--out", str(out)], env=cli_env(settings))
    assert export.exit_code == 1, export.output
    assert "leaf index 4 is missing" in export.output
    assert "no longer matches its signed checkpoints" in export.output
    assert isinstance(export.exception, SystemExit) and not out.exists()

    fenna = officer(idp)
    for path, params in (
        ("/api/v1/audit/proofs/inclusion", {"index": 0}),
        ("/api/v1/audit/proofs/consistency", {"first": 3}),
    ):
        answer = client.get(path, params=params, headers=fenna)
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["code"] == "audit_log_compromised"
        assert "leaf index 4 is missing" in problem["detail"]

    checked = runner.invoke(main, ["audit", "check"], env=cli_env(settings))
    assert checked.exit_code == 1
    assert "leaf index 4 is missing" in checked.output
    assert client.get("/api/v1/health").json()["audit_log"] == "compromised"
    [alert] = integrity_alerts(client, fenna)
    assert ("missing", 4) in faults(alert)


@pytest.mark.usefixtures("signed_log")
@pytest.mark.parametrize("rehash", [False, True], ids=["leaf", "leaf-and-hash"])
def test_a_rewritten_leaf_is_named_by_its_hash_or_by_the_signed_root(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, settings: Settings, rehash: bool
) -> None:
    [row] = [r for r in audit_rows(runtime) if r.leaf_index == 5]
    leaf = row.leaf.replace('"rechtmatigheid"', '"adreskwaliteit"')
    stored_hash = hash_leaf(leaf.encode()) if rehash else row.leaf_hash
    sql(
        runtime,
        "UPDATE audit_entries SET leaf = :leaf, leaf_hash = :hash, purpose = 'adreskwaliteit'"
        " WHERE leaf_index = 5",
        leaf=leaf,
        hash=stored_hash,
    )
    checked = CliRunner().invoke(main, ["audit", "check"], env=cli_env(settings))
    assert checked.exit_code == 1
    if rehash:  # only the signed root can tell, so the range between checkpoints is named
        assert "leaves 3..8 do not reproduce the signed root of checkpoint 9" in checked.output
    else:
        assert "leaf index 5: the leaf does not match its leaf hash" in checked.output
    assert client.get("/api/v1/health").json()["audit_log"] == "compromised"
    proof = client.get(
        "/api/v1/audit/proofs/inclusion", params={"index": 5, "size": 9}, headers=officer(idp)
    )
    assert proof.status_code == 409 and proof.json()["code"] == "audit_log_compromised"


def test_the_hub_checks_the_log_in_the_background(
    runtime: Runtime, client: TestClient, idp: DevIdentityProvider
) -> None:
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECTS[0], purpose="schuldhulpverlening")
    register(client, auth(idp, "bram", "schuldhulp"), SUBJECTS[1], purpose="schuldhulpverlening")
    sequencer_job(runtime, force_checkpoint=True)
    sql(runtime, "DELETE FROM audit_entries WHERE leaf_index = 0")
    runtime.settings.background_jobs = True
    runtime.settings.audit_integrity_check_interval_seconds = 0.05
    with TestClient(create_app(runtime=runtime)) as hub:
        deadline = time.monotonic() + 10
        while hub.get("/api/v1/health").json()["audit_log"] != "compromised":
            if time.monotonic() > deadline:
                pytest.fail("the background check did not notice the missing leaf")
            time.sleep(0.05)
