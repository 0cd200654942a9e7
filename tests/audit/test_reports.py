"""Reports, probing alerts and the inzageverzoek, on both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from hub.audit.models import AuditEntry
from hub.clock import FixedClock
from hub.runtime import Runtime
from tests.audit.builders import write_entries
from tests.helpers import audit_rows, auth, check, opaque_pseudonym, register

S1 = opaque_pseudonym("report-1")
S2 = opaque_pseudonym("report-2")


def officer(idp: DevIdentityProvider) -> dict[str, str]:
    return auth(idp, "fenna", None, "privacy_officer")


@pytest.fixture
def month(client: TestClient, idp: DevIdentityProvider, clock: FixedClock) -> None:
    """Monday 23 Nov 2026: checks in and out of office hours, a follow-up and a refusal."""
    anna = auth(idp, "anna", "pw-handhaving")
    carl = auth(idp, "carl", "pw-handhaving")
    bram = auth(idp, "bram", "schuldhulp")
    assert register(client, bram, S1, purpose="schuldhulpverlening").status_code == 201
    assert check(client, anna, S1, purpose="rechtmatigheid").status_code == 200  # 10:00 local
    clock.advance(timedelta(hours=1))
    assert register(client, anna, S1, purpose="rechtmatigheid").status_code == 201  # follow-up
    assert check(client, carl, S1, purpose="rechtmatigheid").status_code == 200
    clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))  # 22:30 in Amsterdam
    assert check(client, anna, S2, purpose="rechtmatigheid").status_code == 200
    clock.advance(timedelta(minutes=5))
    assert check(client, anna, S2, purpose="rechtmatigheid").status_code == 200
    assert check(client, anna, S2, purpose="adreskwaliteit").status_code == 403
    clock.advance(timedelta(days=15))


def report(client: TestClient, idp: DevIdentityProvider, kind: str) -> dict[str, Any]:
    answer = client.get(
        f"/api/v1/audit/reports/{kind}",
        params={"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        headers=officer(idp),
    )
    assert answer.status_code == 200, answer.text
    assert S1 not in answer.text and S2 not in answer.text
    body: dict[str, Any] = answer.json()
    assert body["kind"] == kind and body["from"].startswith("2026-11-01")
    return body


@pytest.mark.usefixtures("month")
def test_suwinet_style_reports(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    per_member = report(client, idp, "checks-per-member")["rows"]
    assert [(r["member"], r["checks"], r["allowed"], r["refused"]) for r in per_member] == [
        ("anna", 4, 3, 1),
        ("carl", 1, 1, 0),
    ]

    off_hours = report(client, idp, "off-hours")
    [late] = off_hours["rows"]
    assert late["member"] == "anna" and late["outside_office_hours"] == 3
    assert late["outside_by_action"] == {"involvement.check": 3}
    assert late["entries"][0]["at"].startswith("2026-11-23T22:30")  # local time
    assert off_hours["summary"]["timezone"] == "Europe/Amsterdam"

    popular = report(client, idp, "most-checked-subjects")["rows"]
    assert [(r["label"], r["checks"], r["distinct_members"]) for r in popular] == [
        ("subject-01", 3, 1),
        ("subject-02", 2, 2),
    ]
    with runtime.sessions() as session:
        keys = {e.subject_key.hex() for e in session.query(AuditEntry) if e.subject_key}
    text = client.get("/api/v1/audit/reports/most-checked-subjects", headers=officer(idp)).text
    assert not any(key in text for key in keys)

    follow_up = report(client, idp, "checks-without-follow-up")
    [lonely] = follow_up["rows"]
    assert (lonely["member"], lonely["checks"], lonely["without_follow_up"]) == ("anna", 3, 2)
    assert follow_up["summary"]["without_follow_up"] == 2

    [refused] = report(client, idp, "refusals")["rows"]
    assert (refused["member"], refused["action"], refused["count"]) == (
        "anna",
        "involvement.check",
        1,
    )
    assert refused["reason"]

    assert [r.action for r in audit_rows(runtime)].count("audit.report") == 6


def test_a_check_still_in_its_follow_up_window_is_pending(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    check(client, auth(idp, "anna", "pw-handhaving"), S2, purpose="rechtmatigheid")
    body = client.get("/api/v1/audit/reports/checks-without-follow-up", headers=officer(idp)).json()
    assert body["summary"] == {
        "checks": 1,
        "without_follow_up": 0,
        "pending": 1,
        "follow_up_days": 14,
    }


def test_report_periods_are_checked(client: TestClient, idp: DevIdentityProvider) -> None:
    fenna = officer(idp)
    inverted = {"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
    too_long = {"from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}
    for params in (inverted, too_long):
        answer = client.get("/api/v1/audit/reports/refusals", params=params, headers=fenna)
        assert answer.status_code == 400, answer.text
    assert client.get("/api/v1/audit/reports/gossip", headers=fenna).status_code == 422


def test_probing_raises_alerts_in_the_officers_inbox_once(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    for n in range(4):  # 4 distinct subjects within minutes, none the team's own
        assert (
            check(
                client, anna, opaque_pseudonym(f"probe-{n}"), purpose="rechtmatigheid"
            ).status_code
            == 200
        )
        clock.advance(timedelta(minutes=2))
    assert (
        check(client, auth(idp, "carl", "pw-handhaving"), S1, purpose="rechtmatigheid").status_code
        == 200
    )

    inbox = client.get("/api/v1/audit/alerts", headers=officer(idp))
    assert inbox.status_code == 200, inbox.text
    alerts = inbox.json()["items"]
    assert sorted((a["rule"], a["member"]) for a in alerts) == [
        ("checks_without_team_flag", "anna"),
        ("many_distinct_subjects", "anna"),
    ]
    burst = next(a for a in alerts if a["rule"] == "many_distinct_subjects")
    assert burst["detail"]["distinct_subjects"] == 4 and burst["team"] == "pw-handhaving"
    assert len(burst["detail"]["entries"]) == 4
    assert all(a["status"] == "open" for a in alerts)

    again = client.get("/api/v1/audit/alerts", headers=officer(idp)).json()["items"]
    assert len(again) == 2  # evaluating again adds nothing

    done = client.post(f"/api/v1/audit/alerts/{burst['id']}/acknowledgement", headers=officer(idp))
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "fenna"
    twice = client.post(f"/api/v1/audit/alerts/{burst['id']}/acknowledgement", headers=officer(idp))
    assert twice.status_code == 409
    still_open = client.get("/api/v1/audit/alerts", params={"status": "open"}, headers=officer(idp))
    assert [a["rule"] for a in still_open.json()["items"]] == ["checks_without_team_flag"]
    actions = [r.action for r in audit_rows(runtime)]
    assert "audit.alert_acknowledge" in actions and "audit.alerts_list" in actions


def test_a_burst_of_checks_is_one_alert_that_grows(
    client: TestClient, idp: DevIdentityProvider, clock: FixedClock
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")

    def burst(first: int, count: int) -> None:
        for n in range(first, first + count):
            subject = opaque_pseudonym(f"burst-{n}")
            assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
            clock.advance(timedelta(minutes=1))

    def bursts() -> list[dict[str, Any]]:
        inbox = client.get("/api/v1/audit/alerts", headers=officer(idp)).json()["items"]
        return [a for a in inbox if a["rule"] == "many_distinct_subjects"]

    burst(0, 10)  # the threshold is 4: once it was one alert per 4 subjects
    [alert] = bursts()
    assert (alert["detail"]["distinct_subjects"], alert["detail"]["checks"]) == (10, 10)
    assert len(alert["detail"]["entries"]) == 10

    burst(10, 5)  # the probe goes on: the same alert grows
    [grown] = bursts()
    assert grown["id"] == alert["id"] and grown["window_start"] == alert["window_start"]
    assert grown["window_end"] > alert["window_end"]
    assert (grown["detail"]["distinct_subjects"], grown["detail"]["checks"]) == (15, 15)

    clock.advance(timedelta(minutes=30))  # a pause shorter than the window: still one probe
    burst(15, 4)
    [still] = bursts()
    assert still["id"] == alert["id"] and still["detail"]["distinct_subjects"] == 19

    acknowledged = client.post(
        f"/api/v1/audit/alerts/{alert['id']}/acknowledgement", headers=officer(idp)
    )
    assert acknowledged.status_code == 200
    assert len(bursts()) == 1  # evaluating again neither reopens nor repeats it
    clock.advance(timedelta(hours=3))
    burst(30, 4)  # a new probe after the handled one is news
    newest, handled = bursts()
    assert handled["id"] == alert["id"] and newest["detail"]["distinct_subjects"] == 4


def test_checks_on_the_teams_own_subjects_raise_no_alert(
    client: TestClient, idp: DevIdentityProvider, clock: FixedClock
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    subjects = [opaque_pseudonym(f"own-{n}") for n in range(3)]
    for subject in subjects:
        assert register(client, anna, subject, purpose="rechtmatigheid").status_code == 201
    for subject in subjects:
        clock.advance(timedelta(minutes=30))  # slow enough for the burst rule
        assert check(client, anna, subject, purpose="rechtmatigheid").status_code == 200
    assert client.get("/api/v1/audit/alerts", headers=officer(idp)).json()["items"] == []


def test_the_inzageverzoek_lists_teams_purposes_and_grondslagen(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    bram = auth(idp, "bram", "schuldhulp")
    anna = auth(idp, "anna", "pw-handhaving")
    assert register(client, bram, S1, purpose="schuldhulpverlening").status_code == 201
    assert check(client, anna, S1, purpose="rechtmatigheid").status_code == 200
    assert check(client, anna, S1, purpose="adreskwaliteit").status_code == 403
    assert check(client, anna, S2, purpose="rechtmatigheid").status_code == 200  # other subject

    body = {"subject": {"kind": "bsn", "pseudonym": S1}, "case_ref": "AVG15-2026-9"}
    answer = client.post("/api/v1/audit/subject-access-reports", json=body, headers=officer(idp))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    [flag] = report["flags"]
    assert (flag["team_name"], flag["purpose_name"], flag["status"]) == (
        "Schuldhulpverlening",
        "Schuldhulpverlening",
        "active",
    )
    assert flag["legal_basis_citation"] == "Wet gemeentelijke schuldhulpverlening art. 5"
    assert [(c["team"], c["purpose"], c["outcome"]) for c in report["checks"]] == [
        ("pw-handhaving", "rechtmatigheid", "allowed"),
        ("pw-handhaving", "adreskwaliteit", "refused"),
    ]
    assert report["checks"][0]["legal_basis_citation"] == "Participatiewet art. 64"
    assert [o["action"] for o in report["other_processing"]] == ["flag.register"]
    for secret in (S1, "anna", "bram"):  # no pseudonym, no employee names
        assert secret not in answer.text

    sar = audit_rows(runtime)[-1]
    assert (sar.action, sar.purpose, sar.case_ref) == (
        "audit.subject_access_report",
        "inzageverzoek",
        "AVG15-2026-9",
    )
    assert sar.subject_key == audit_rows(runtime)[0].subject_key

    page = client.post(
        "/api/v1/audit/subject-access-reports",
        json=body,
        headers={**officer(idp), "Accept": "text/html"},
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Inzageverzoek" in page.text
    assert "Schuldhulpverlening" in page.text and "Participatiewet art. 64" in page.text
    assert "Inzageverzoek behandeld" in page.text  # the first report is itself listed
    assert S1 not in page.text and "anna" not in page.text


def test_the_inzage_page_shows_dutch_local_time_and_the_organisations_name(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    assert check(client, anna, S1, purpose="rechtmatigheid").status_code == 200  # 09:00 UTC
    body = {"subject": {"kind": "bsn", "pseudonym": S1}, "case_ref": "AVG-2026-10"}
    report = client.post(
        "/api/v1/audit/subject-access-reports", json=body, headers=officer(idp)
    ).json()
    [line] = report["checks"]
    assert (line["organisation"], line["organisation_name"]) == (
        "gemeente-voorbeeld",
        "Gemeente Voorbeeld",
    )
    page = client.post(
        "/api/v1/audit/subject-access-reports",
        json=body,
        headers={**officer(idp), "Accept": "text/html"},
    ).text
    assert "23-11-2026 10:00" in page and "UTC" not in page  # CET in November
    assert "<td>Gemeente Voorbeeld</td>" in page and "gemeente-voorbeeld" not in page


def test_the_hub_sequences_in_the_background(runtime: Runtime) -> None:
    runtime.settings.background_jobs = True
    runtime.settings.audit_sequencer_interval_seconds = 0.05
    with TestClient(create_app(runtime=runtime)):
        [entry] = write_entries(runtime, 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with runtime.sessions() as session:
                stored = session.get(AuditEntry, entry.seq)
                if stored is not None and stored.leaf_index is not None:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the background sequencer did not run")
