"""The report of checks over time: per day (or week), per member and team, zeros named."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from tests.audit.test_reports import month, officer, report
from tests.helpers import check, opaque_pseudonym

__all__ = ["month"]  # the fixture, shared with the other reports' tests


@pytest.mark.usefixtures("month")
def test_checks_per_day_per_member_and_team(client: TestClient, idp: DevIdentityProvider) -> None:
    body = report(client, idp, "checks-over-time")
    rows = [(r["period"], r["member"], r["team"], r["allowed"], r["refused"]) for r in body["rows"]]
    # 22:30 and 22:35 in Amsterdam count on the 23rd as the morning's checks do
    assert rows == [
        ("2026-11-23", "anna", "pw-handhaving", 3, 1),
        ("2026-11-23", "carl", "pw-handhaving", 1, 0),
    ]
    summary = body["summary"]
    assert summary["interval"] == "day" and summary["timezone"] == "Europe/Amsterdam"
    # 00:00 UTC is 01:00 in Amsterdam: the period touches 1 December there
    assert summary["periods"][0] == "2026-11-01" and summary["periods"][-1] == "2026-12-01"
    assert len(summary["periods"]) == 31


@pytest.mark.usefixtures("month")
def test_a_long_period_counts_per_week(client: TestClient, idp: DevIdentityProvider) -> None:
    answer = client.get(
        "/api/v1/audit/reports/checks-over-time",
        params={"from": "2026-09-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        headers=officer(idp),
    )
    body = answer.json()
    assert body["summary"]["interval"] == "week"
    assert all(period in body["summary"]["periods"] for period in ("2026-08-31", "2026-11-23"))
    assert {(r["period"], r["member"], r["checks"]) for r in body["rows"]} == {
        ("2026-11-23", "anna", 4),
        ("2026-11-23", "carl", 1),
    }


def test_reports_keep_to_one_client_when_asked(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    """The officer looks at what one connector did: the reports filter by OAuth client."""

    def checks_by(client_id: str, n: int) -> None:
        token = idp.issue(
            member="anna", team="pw-handhaving", roles=["professional"], client_id=client_id
        )
        for i in range(n):
            subject = opaque_pseudonym(f"{client_id}-{i}")
            headers = {"Authorization": f"Bearer {token}"}
            assert check(client, headers, subject, purpose="rechtmatigheid").status_code == 200

    checks_by("betrokken-web", 2)
    checks_by("betrokken-connector-laa", 3)
    officer_headers = officer(idp)

    def counted(**params: str) -> tuple[int, dict[str, object]]:
        answer = client.get(
            "/api/v1/audit/reports/checks-per-member", params=params, headers=officer_headers
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        return sum(row["checks"] for row in body["rows"]), body["summary"]

    assert counted()[0] == 5
    only, summary = counted(client="betrokken-connector-laa")
    assert only == 3 and summary["client"] == "betrokken-connector-laa"
    assert counted(client="betrokken-web")[0] == 2
