"""A group of checks writes its audit entries and reads live flags as the portable path does.

On PostgreSQL a group is one statement of its own SQL (entries from a JSON document, flags
by ``ANY``) on an autocommit connection; elsewhere the audit's and the flags' Core statements.
Both must store every column as given and find exactly the flags ``live_on_subjects`` finds.
The day counts before it are one statement too, and must count as the upserts in a session.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from api.auth.dev_idp import DevIdentityProvider
from crypto.identifiers import IdentifierKind
from hub.actor import Actor, Role
from hub.audit.models import AuditEntry
from hub.audit.service import new_entry
from hub.audit.vocabulary import Action, AuditRecord, DecisionRef, Outcome
from hub.errors import AuditUnavailable
from hub.flag import repository as flags
from hub.flag.repository import LiveFlag
from hub.involvement.limits import DayAsk, DayPlace, minute_of
from hub.involvement.models import CheckDayCount, CheckMinuteCount
from hub.involvement.repository import (
    MinuteAsk,
    count_checks_this_minute,
    count_checks_this_minute_in_one_statement,
    count_checks_today,
    count_checks_today_in_one_statement,
    count_minute_then_day_in_one_statement,
    forget_minute_counts_before,
    record_and_read_live,
    record_and_read_live_in_one_statement,
)
from hub.organisation import repository as organisations
from hub.organisation.cache import ActingTeams
from hub.organisation.models import Team
from hub.runtime import Runtime
from hub.transactions import transaction
from tests.conftest import START
from tests.helpers import add_neighbour, auth, opaque_pseudonym, register

ANNA = Actor(
    sub="anna",
    name="Anna",
    organisation="gemeente-voorbeeld",
    team="pw-handhaving",
    roles=frozenset({Role.PROFESSIONAL}),
    request_id="req-1",
    trace_id="0af7651916cd43dd8448eb211c80319c",
)


def _subject_keys(runtime: Runtime, *labels: str) -> list[bytes]:
    keyer = runtime.keyer
    return [keyer.subject(IdentifierKind.BSN, opaque_pseudonym(label)).key for label in labels]


def _flags_on_two_subjects(runtime: Runtime, client: TestClient, idp: DevIdentityProvider) -> None:
    schuldhulp = auth(idp, "bram", "schuldhulp")
    wmo = auth(idp, "wim", "wmo-pgb")
    for label in ("one", "two"):
        subject = opaque_pseudonym(label)
        assert (
            register(client, schuldhulp, subject, purpose="schuldhulpverlening").status_code == 201
        )
    withdrawn = register(client, wmo, opaque_pseudonym("one"), purpose="hulpverlening").json()
    assert client.delete(f"/api/v1/flags/{withdrawn['flag']['id']}", headers=wmo).status_code == 200
    neighbour = add_neighbour(runtime, idp, domain="schuldhulp")
    assert (
        register(
            client, neighbour, opaque_pseudonym("one"), purpose="schuldhulpverlening"
        ).status_code
        == 201
    )


def _record_and_read(
    runtime: Runtime,
    entries: list[dict[str, Any]],
    *,
    subject_keys: set[bytes],
    organisation_ids: set[uuid.UUID],
) -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
    """As a group of checks does: one statement on PostgreSQL, the portable pair elsewhere."""
    wanted = {"subject_keys": subject_keys, "organisation_ids": organisation_ids, "now": START}
    statements = runtime.statements
    if statements is None:
        with transaction(runtime.sessions) as session:
            return record_and_read_live(session, entries, **wanted)

    async def in_one_statement() -> dict[tuple[bytes, uuid.UUID], list[LiveFlag]]:
        try:
            async with statements.connection() as connection:
                return await record_and_read_live_in_one_statement(connection, entries, **wanted)
        finally:
            await statements.close()

    return asyncio.run(in_one_statement())


def _entries() -> list[dict[str, Any]]:
    allowed = AuditRecord(
        action=Action.CHECK,
        outcome=Outcome.ALLOWED,
        subject_key=b"\x00\x01" * 16,
        purpose="rechtmatigheid",
        case_ref="ZAAK-2026-001",
        decision=DecisionRef("pw-check", "pw_art_64", "ab" * 32),
    )
    refused = AuditRecord(action=Action.CHECK, outcome=Outcome.REFUSED, reason="rate limit reached")
    return [new_entry(ANNA, record, at=START)[1] for record in (allowed, refused)]


def test_entries_are_stored_as_given_and_live_flags_read_as_the_portable_query(
    runtime: Runtime, client: TestClient, idp: DevIdentityProvider
) -> None:
    _flags_on_two_subjects(runtime, client, idp)
    keys = {*_subject_keys(runtime, "one", "two", "unknown")}
    with runtime.sessions() as session:
        organisations = set(session.scalars(select(Team.organisation_id)))
        expected = flags.live_on_subjects(
            session, subject_keys=keys, organisation_ids=organisations, now=START
        )
    assert sum(len(found) for found in expected.values()) == 3  # two here, one next door

    entries = _entries()
    live = _record_and_read(runtime, entries, subject_keys=keys, organisation_ids=organisations)
    assert live == expected

    with runtime.sessions() as session:
        stored = {row.id: row for row in session.scalars(select(AuditEntry))}
    for entry in entries:
        row = stored[entry["id"]]
        assert {name: getattr(row, name) for name in entry} == entry
        assert row.leaf_index is None and row.seq > 0


def test_nothing_is_read_when_the_entries_cannot_be_written(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        session.execute(text("DROP TABLE audit_entries"))
        session.commit()
    with pytest.raises(AuditUnavailable):
        _record_and_read(
            runtime,
            _entries(),
            subject_keys=set(_subject_keys(runtime, "one")),
            organisation_ids={uuid.uuid4()},
        )


def test_acting_teams_are_kept_for_a_while_and_unknown_ones_not(runtime: Runtime) -> None:
    moment = [0.0]
    teams = ActingTeams(ttl=60, clock=lambda: moment[0])
    unknown = Actor(sub="zoe", name="Zoe", organisation="x", team="no-such-team", roles=frozenset())
    with runtime.sessions() as session:
        assert set(teams.of(session, [ANNA, unknown])) == {"pw-handhaving"}
        team = session.scalars(select(Team).where(Team.slug == "pw-handhaving")).one()
        team.domain_code = "vth"
        organisations.add(
            session,
            Team(
                slug="no-such-team",
                name="New",
                organisation_id=team.organisation_id,
                domain_code="pw",
            ),
        )
        session.commit()
        assert teams.of(session, [ANNA])["pw-handhaving"][0].domain_code == "pw"  # kept
        assert set(teams.of(session, [unknown])) == {"no-such-team"}  # unknown was not kept
        moment[0] += 61
        assert teams.of(session, [ANNA])["pw-handhaving"][0].domain_code == "vth"  # read again


def test_team_rows_are_kept_for_a_while_and_forgotten_on_a_change(runtime: Runtime) -> None:
    moment = [0.0]
    teams = ActingTeams(ttl=60, clock=lambda: moment[0])
    with runtime.sessions() as session:
        team = session.scalars(select(Team).where(Team.slug == "pw-handhaving")).one()
        kept = teams.rows(session, [team.id])[team.id]
        assert kept is not team  # an object of no session, safe to keep
        assert (kept.slug, kept.contact_email) == (team.slug, team.contact_email)
        team.contact_email = "nieuw@example.org"
        session.commit()
        assert teams.rows(session, [team.id])[team.id].contact_email == kept.contact_email
        moment[0] += 61
        assert teams.rows(session, [team.id])[team.id].contact_email == "nieuw@example.org"
        team.webhook_url = "https://hooks.example.org/pw"
        session.commit()
        teams.forget()  # what the administration routes do after a change
        assert teams.rows(session, [team.id])[team.id].webhook_url == team.webhook_url


def test_day_counts_in_one_statement_as_in_a_session(runtime: Runtime) -> None:
    """Anna (2 a day) has checked once today and team pw three times; a group asks for six."""
    anna, eva, bram = DayAsk("anna", 2, "pw"), DayAsk("eva", 5, "pw"), DayAsk("bram", 5, "sh")
    asks = [anna, eva, anna, anna, bram, eva]
    expected = [
        DayPlace(2, 4),
        DayPlace(1, 5),
        DayPlace(3, None),  # past Anna's limit: not counted for her team
        DayPlace(4, None),
        DayPlace(1, 1),
        DayPlace(2, 6),
    ]
    after = {
        ("member", "anna"): 4,
        ("member", "eva"): 2,
        ("member", "bram"): 1,
        ("team", "pw"): 6,
        ("team", "sh"): 1,
    }
    in_session, in_one_statement = date(2026, 11, 23), date(2026, 11, 24)
    with transaction(runtime.sessions) as session:
        for day in (in_session, in_one_statement):
            session.add(CheckDayCount(day=day, scope="member", key="anna", count=1))
            session.add(CheckDayCount(day=day, scope="team", key="pw", count=3))

    with transaction(runtime.sessions) as session:
        assert count_checks_today(session, asks, day=in_session) == expected
    days = [in_session]
    statements = runtime.statements
    if statements is not None:

        async def count() -> list[DayPlace]:
            try:
                async with statements.connection() as connection:
                    return await count_checks_today_in_one_statement(
                        connection, asks, day=in_one_statement
                    )
            finally:
                await statements.close()

        assert asyncio.run(count()) == expected
        days.append(in_one_statement)

    with runtime.sessions() as session:
        for day in days:
            rows = session.scalars(select(CheckDayCount).where(CheckDayCount.day == day))
            assert {(row.scope, row.key): row.count for row in rows} == after


def test_minute_counts_in_one_statement_as_in_a_session(runtime: Runtime) -> None:
    """The shared per-minute limits count as the days do: Anna (2 a minute) checked once
    this minute and team pw three times; a group asks for six. Other minutes are apart."""
    anna, eva, bram = DayAsk("anna", 2, "pw"), DayAsk("eva", 5, "pw"), DayAsk("bram", 5, "sh")
    asks = [anna, eva, anna, anna, bram, eva]
    expected = [
        DayPlace(2, 4),
        DayPlace(1, 5),
        DayPlace(3, None),
        DayPlace(4, None),
        DayPlace(1, 1),
        DayPlace(2, 6),
    ]
    after = {
        ("member", "anna"): 4,
        ("member", "eva"): 2,
        ("member", "bram"): 1,
        ("team", "pw"): 6,
        ("team", "sh"): 1,
    }
    in_session = minute_of(START)
    in_one_statement = in_session + timedelta(minutes=1)
    with transaction(runtime.sessions) as session:
        for minute in (in_session, in_one_statement):
            session.add(CheckMinuteCount(minute=minute, scope="member", key="anna", count=1))
            session.add(CheckMinuteCount(minute=minute, scope="team", key="pw", count=3))

    with transaction(runtime.sessions) as session:
        assert count_checks_this_minute(session, asks, minute=in_session) == expected
    minutes = [in_session]
    statements = runtime.statements
    if statements is not None:

        async def count() -> list[DayPlace]:
            try:
                async with statements.connection() as connection:
                    return await count_checks_this_minute_in_one_statement(
                        connection, asks, minute=in_one_statement
                    )
            finally:
                await statements.close()

        assert asyncio.run(count()) == expected
        minutes.append(in_one_statement)

    with transaction(runtime.sessions) as session:
        for minute in minutes:
            rows = session.scalars(
                select(CheckMinuteCount).where(CheckMinuteCount.minute == minute)
            )
            assert {(row.scope, row.key): row.count for row in rows} == after
        forget_minute_counts_before(session, in_one_statement)
    with runtime.sessions() as session:
        left = {row.minute for row in session.scalars(select(CheckMinuteCount))}
        assert left == {in_one_statement}


def test_the_minute_then_the_day_in_one_statement_as_in_a_session(runtime: Runtime) -> None:
    """Shared per-minute limits: the minute's counts, then the day's for the checks within
    both per-minute limits, as one statement give what the two upserts give in a session.
    Anna (2 a minute) checked once this minute, team pw three times (5 a minute)."""
    anna, eva, bram = DayAsk("anna", 2, "pw"), DayAsk("eva", 5, "pw"), DayAsk("bram", 5, "sh")
    asks = [anna, eva, anna, anna, bram, eva]
    day_limits = [10, 10, 10, 10, 1, 10]
    team_limits = {"pw": 5, "sh": 5}
    in_session, in_one_statement = minute_of(START), minute_of(START) + timedelta(minutes=1)
    days = {in_session: START.date(), in_one_statement: START.date() + timedelta(days=1)}
    with transaction(runtime.sessions) as session:
        for minute, day in days.items():
            session.add(CheckMinuteCount(minute=minute, scope="member", key="anna", count=1))
            session.add(CheckMinuteCount(minute=minute, scope="team", key="pw", count=3))
            session.add(CheckDayCount(day=day, scope="member", key="bram", count=1))

    with transaction(runtime.sessions) as session:
        in_minute = count_checks_this_minute(session, asks, minute=in_session)
        kept = [
            index
            for index, place in enumerate(in_minute)
            if place.limit_reached(
                member_limit=asks[index].member_limit, team_limit=team_limits[asks[index].team]
            )
            is None
        ]
        day_asks = [DayAsk(asks[i].member, day_limits[i], asks[i].team) for i in kept]
        in_day = count_checks_today(session, day_asks, day=days[in_session])
    assert kept == [0, 1, 4]  # anna's 2nd and 3rd past her minute, eva's 2nd past pw's
    assert in_day == [DayPlace(1, 1), DayPlace(1, 2), DayPlace(2, None)]  # bram: 1 a day
    statements = runtime.statements
    if statements is None:
        return

    async def count() -> tuple[list[DayPlace], list[DayPlace]]:
        try:
            async with statements.connection() as connection:
                return await count_minute_then_day_in_one_statement(
                    connection,
                    [MinuteAsk(ask, team_limits[ask.team]) for ask in asks],
                    day_limits,
                    minute=in_one_statement,
                    day=days[in_one_statement],
                )
        finally:
            await statements.close()

    assert asyncio.run(count()) == (in_minute, in_day)
    with transaction(runtime.sessions) as session:
        counted = [
            {
                (row.scope, row.key): row.count
                for row in session.scalars(select(model).where(period == value))
            }
            for model, period, values in (
                (CheckMinuteCount, CheckMinuteCount.minute, (in_session, in_one_statement)),
                (CheckDayCount, CheckDayCount.day, tuple(days.values())),
            )
            for value in values
        ]
    assert counted[0] == counted[1] and counted[2] == counted[3], counted
