"""Expiry warns: the owner hears before a flag expires and when it has, once each; the
dates a refusal names are the dates the check accepts (issue 16, point 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.auth.dev_idp import DevIdentityProvider
from hub.background import retention_job
from hub.clock import FixedClock
from hub.runtime import Runtime
from tests.helpers import auth, opaque_pseudonym, register

SUBJECT = opaque_pseudonym("tenant-expiry")


def inbox(client: TestClient, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    items = client.get("/api/v1/notifications", headers=headers).json()["items"]
    return [item for item in items if item["kind"] == kind]


def test_the_owner_is_warned_before_expiry_and_told_on_it_once_each(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    lead = auth(idp, "lotte", "schuldhulp", "team_lead")
    sh = auth(idp, "bram", "schuldhulp")
    hooked = client.put("/api/v1/team/webhook", json={"url": "http://127.0.0.1:9/x"}, headers=lead)
    assert hooked.status_code == 200
    flag = register(client, sh, SUBJECT, purpose="schuldhulpverlening", expires_on="2027-02-01")
    flag_id = flag.json()["flag"]["id"]

    clock.advance(timedelta(days=55))  # 2027-01-17: 15 days to go, outside the 14
    assert retention_job(runtime).expiry_warnings == 0
    clock.advance(timedelta(days=2))  # 13 days to go
    assert retention_job(runtime).expiry_warnings == 1
    assert retention_job(runtime).expiry_warnings == 0  # once per flag
    (warning,) = inbox(client, sh, "flag.expiring")
    assert warning["payload"]["flag"] == flag_id
    assert warning["payload"]["expires_at"].startswith("2027-02-01")
    assert warning["delivery"] == "pending"  # announced to the webhook too

    # Renewal is one call, and the new expiry is warned of in its turn.
    renewed = client.post(
        f"/api/v1/flags/{flag_id}/renewal", json={"expires_on": "2027-03-01"}, headers=sh
    )
    assert renewed.status_code == 200, renewed.text
    assert retention_job(runtime).expiry_warnings == 0
    clock.advance(timedelta(days=30))  # 2027-02-18: 11 days before the new expiry
    assert retention_job(runtime).expiry_warnings == 1
    assert len(inbox(client, sh, "flag.expiring")) == 2

    clock.advance(timedelta(days=12))  # expired
    assert retention_job(runtime).expired_flags == 1
    assert retention_job(runtime).expired_flags == 0
    (expired,) = inbox(client, sh, "flag.expired")
    assert expired["payload"]["flag"] == flag_id
    assert inbox(client, auth(idp, "anna", "pw-handhaving"), "flag.expiring") == []


def test_the_warning_period_is_a_setting(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    register(client, sh, SUBJECT, purpose="schuldhulpverlening", expires_on="2027-02-01")
    clock.advance(timedelta(days=40))  # 30 days to go
    assert retention_job(runtime).expiry_warnings == 0
    runtime.settings.expiry_warning_days = 31
    assert retention_job(runtime).expiry_warnings == 1


def test_an_expiry_of_today_is_within_the_range_the_refusal_names(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    too_late = register(client, sh, SUBJECT, purpose="schuldhulpverlening", expires_on="2030-01-01")
    assert too_late.status_code == 400
    detail = too_late.json()["detail"]
    assert detail == "expires_on must lie between 2026-11-23 and 2028-11-22 (both included)"
    today = register(client, sh, SUBJECT, purpose="schuldhulpverlening", expires_on="2026-11-23")
    assert today.status_code == 201
    assert today.json()["flag"]["expires_at"].startswith("2026-11-23")
    last = register(
        client,
        sh,
        opaque_pseudonym("other"),
        purpose="schuldhulpverlening",
        expires_on="2028-11-22",
    )
    assert last.status_code == 201


def test_a_renewal_that_cannot_extend_says_so(client: TestClient, idp: DevIdentityProvider) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    flag_id = register(client, sh, SUBJECT, purpose="schuldhulpverlening").json()["flag"]["id"]
    refused = client.post(
        f"/api/v1/flags/{flag_id}/renewal", json={"expires_on": "2028-11-23"}, headers=sh
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "the flag already runs until 2028-11-23, as long as the policy allows from "
        "today; it can be renewed later"
    )
    unchanged = client.post(f"/api/v1/flags/{flag_id}/renewal", json={}, headers=sh)
    assert unchanged.status_code == 200  # to the policy's longest: where it already is
    assert unchanged.json()["expires_at"].startswith("2028-11-23")


def test_jeugd_flags_live_at_most_two_years(client: TestClient, idp: DevIdentityProvider) -> None:
    jeugd = auth(idp, "jeroen", "jeugd-wijkteam")
    made = register(client, jeugd, SUBJECT, purpose="hulpverlening")
    assert made.status_code == 201, made.text
    assert made.json()["flag"]["expires_at"].startswith("2028-11-23")
    too_long = register(
        client, jeugd, opaque_pseudonym("x"), purpose="hulpverlening", expires_on="2028-12-01"
    )
    assert too_long.status_code == 400
