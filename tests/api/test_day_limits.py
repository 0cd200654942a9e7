"""Per-day limits on involvement checks: per member and per team, in total over every hub.

The day is counted in the database, so two hub apps (each with its own per-minute buckets)
over one database share it. The per-minute limits are raised out of reach here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from hub.background import retention_job
from hub.clock import FixedClock
from hub.involvement.limits import local_day, seconds_until_local_midnight
from hub.involvement.models import CheckDayCount
from hub.runtime import Runtime, build_runtime
from hub.settings import Settings
from policies import DEMO_POLICY
from tests.conftest import START
from tests.helpers import audit_rows, auth, check, opaque_pseudonym

MEMBER_PER_DAY = 3
TEAM_PER_DAY = 5


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The demo policy with small daily limits (and per-minute ones out of the way)."""
    document = yaml.safe_load(DEMO_POLICY.read_text())
    roomy = {"per_minute": 1000, "per_day": MEMBER_PER_DAY}
    document["rate_limits"]["team"] = {"per_minute": 1000, "per_day": TEAM_PER_DAY}
    document["rate_limits"]["roles"] = {"professional": roomy, "team_lead": roomy}
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        policy_file=policy,
        background_jobs=False,
    )


@pytest.fixture
def second_hub(settings: Settings, clock: FixedClock, runtime: Runtime) -> Iterator[TestClient]:
    """Another hub process over the same database: its own runtime, buckets and app."""
    other = build_runtime(settings, clock=clock)
    with TestClient(create_app(runtime=other)) as client:
        yield client
    other.sessions.kw["bind"].dispose()


def _check(client: TestClient, headers: dict[str, str], n: int) -> int:
    answer = check(client, headers, opaque_pseudonym(f"s{n}"), purpose="rechtmatigheid")
    return int(answer.status_code)


def test_a_member_is_refused_after_her_daily_limit_until_local_midnight(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    assert [_check(client, anna, n) for n in range(MEMBER_PER_DAY)] == [200] * MEMBER_PER_DAY

    over = check(client, anna, opaque_pseudonym("one more"), purpose="rechtmatigheid")
    assert over.status_code == 429 and over.json()["code"] == "rate_limited"
    assert "your daily limit" in over.json()["detail"]
    # 09:00 UTC on 23 November is 10:00 in Amsterdam: fourteen hours to midnight.
    assert int(over.headers["Retry-After"]) == 14 * 3600
    refused = audit_rows(runtime)[-1]
    assert refused.outcome == "refused" and refused.reason == "daily limit reached"

    # A colleague has a day of her own; the next local day, so has Anna again.
    assert _check(client, auth(idp, "eva", "pw-handhaving"), 0) == 200
    clock.advance(timedelta(hours=14))
    assert _check(client, anna, 99) == 200


def test_a_team_is_refused_after_its_daily_limit_and_a_member_over_hers_uses_none_of_it(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    eva = auth(idp, "eva", "pw-handhaving")
    answers = [_check(client, anna, n) for n in range(MEMBER_PER_DAY + 3)]
    assert answers == [200] * MEMBER_PER_DAY + [429] * 3  # refused by her limit: not the team's

    assert [_check(client, eva, n) for n in range(2)] == [200, 200]
    lead = auth(idp, "lia", "pw-handhaving", "team_lead")
    over = check(client, lead, opaque_pseudonym("s0"), purpose="rechtmatigheid")
    assert over.status_code == 429 and "your team's daily limit" in over.json()["detail"]
    # Another team counts for itself.
    bram = auth(idp, "bram", "schuldhulp")
    assert (
        check(client, bram, opaque_pseudonym("s0"), purpose="schuldhulpverlening").status_code
        == 200
    )


def test_the_daily_limit_holds_in_total_over_two_hubs_on_one_database(
    client: TestClient, second_hub: TestClient, idp: DevIdentityProvider
) -> None:
    anna = auth(idp, "anna", "pw-handhaving")
    statuses: list[int] = []

    def checks_on(hub: TestClient, first: int) -> None:
        statuses.extend(_check(hub, anna, n) for n in range(first, first + MEMBER_PER_DAY))

    hubs = [
        threading.Thread(target=checks_on, args=(hub, 100 * i))
        for i, hub in enumerate([client, second_hub])
    ]
    for hub in hubs:
        hub.start()
    for hub in hubs:
        hub.join()
    # Each hub alone would have allowed her whole day; together they allow it once.
    assert sorted(statuses) == [200] * MEMBER_PER_DAY + [429] * MEMBER_PER_DAY


def test_the_day_is_the_local_day_in_amsterdam() -> None:
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 00:30 on the 24th in Amsterdam
    assert local_day(late) == date(2026, 11, 24)
    assert seconds_until_local_midnight(late) == 23 * 3600 + 1800
    # The night summer time ends, the day has 25 hours.
    assert (
        seconds_until_local_midnight(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)) == 24 * 3600 + 1800
    )


def test_retention_forgets_the_counts_of_days_gone_by(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    assert _check(client, auth(idp, "anna", "pw-handhaving"), 0) == 200
    clock.advance(timedelta(days=1))
    assert _check(client, auth(idp, "anna", "pw-handhaving"), 1) == 200
    retention_job(runtime)
    with runtime.sessions() as session:
        days = set(session.scalars(select(CheckDayCount.day)))
    assert days == {local_day(START + timedelta(days=1))}
