"""The first follow-ups the sequencer keeps give ``checks-without-follow-up`` the figures
that pairing every check with the team's follow-ups, entry by entry, gives.

Each comparison builds one log (follow-ups long before a check, inside and after its
window, refused ones, a flag the team holds without a follow-up in the log, a check whose
window is still open, an entry edited after sequencing, entries not yet sequenced) and
runs the report both ways.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update

from hub.actor import Actor, Role
from hub.audit import follow_ups, reports
from hub.audit.integrity import Sieve
from hub.audit.models import AuditEntry, AuditFirstFollowUp
from hub.audit.service import record
from hub.audit.vocabulary import Action, AuditRecord, Outcome
from hub.background import sequencer_job
from hub.flag.models import Flag
from hub.organisation.models import Team
from hub.retention.repository import unlink_audit_entries
from hub.runtime import Runtime
from hub.transactions import transaction
from tests.audit.builders import subject_key

ORGANISATION = "gemeente-voorbeeld"
TEAMS = ("pw-handhaving", "schuldhulp")
START = datetime(2026, 9, 1, 8, 13, tzinfo=UTC)
SINCE = START + timedelta(days=30)
UNTIL = SINCE + timedelta(days=40)
NOW = UNTIL + timedelta(days=3)  # the last checks' 14-day windows are still open
HELD = "s7"  # the first team holds a flag on it; the log has no follow-up of it


def _actor(n: int) -> Actor:
    return Actor(
        sub=f"member-{n % 4}",
        name="",
        organisation=ORGANISATION,
        team=TEAMS[n % 4 // 2],
        roles=frozenset({Role.PROFESSIONAL}),
    )


def _write(runtime: Runtime, numbers: range) -> None:
    """Every 9th entry a follow-up (every other one a contact request, some refused), over
    about a hundred days; subjects ``s0`` .. ``s10``."""
    with transaction(runtime.sessions) as session:
        for n in numbers:
            follow_up = n % 9 == 0 and n % 11 != HELD_N
            action = Action.CHECK
            if follow_up:
                action = Action.FLAG_REGISTER if n % 2 else Action.CONTACT_REQUEST_CREATE
            record(
                session,
                _actor(n),
                AuditRecord(
                    action=action,
                    outcome=Outcome.REFUSED if n % 13 == 0 else Outcome.ALLOWED,
                    subject_key=subject_key(f"s{n % 11}"),
                ),
                at=START + timedelta(hours=7 * n, minutes=n % 60),
            )


HELD_N = 7


def _hold_flag(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        team = session.scalars(select(Team).where(Team.slug == TEAMS[0])).one()
        session.add(
            Flag(
                subject_key=subject_key(HELD),
                identifier_kind="bsn",
                subject_type="person",
                team_id=team.id,
                domain_code=team.domain_code,
                purpose="signalering",
                legal_basis="test",
                contact_name="x",
                registered_by="member-0",
                registered_at=START,
                expires_at=NOW + timedelta(days=300),
                rule_id="r",
                policy_version="1",
            )
        )


def _log(runtime: Runtime) -> None:
    _write(runtime, range(300))
    sequencer_job(runtime)
    _write(runtime, range(300, 340))  # not yet sequenced
    _hold_flag(runtime)


def _both(runtime: Runtime, **options: Any) -> tuple[Any, Any, Sieve, Sieve]:
    kept, read = Sieve(), Sieve()
    with runtime.sessions() as session:
        common = {"organisation": ORGANISATION, "now": NOW, "settings": runtime.settings}
        summed = reports.checks_without_follow_up(session, kept, SINCE, UNTIL, **common, **options)
        paired = reports.checks_without_follow_up(
            session, read, SINCE, UNTIL, **common, use_summary=False
        )
    return summed, paired, kept, read


def test_the_first_follow_ups_give_what_pairing_every_check_gives(runtime: Runtime) -> None:
    _log(runtime)
    summed, paired, _, _ = _both(runtime)
    assert summed == paired
    rows, summary = paired
    assert summary["without_follow_up"] and summary["pending"]
    assert summary["checks"] > summary["without_follow_up"] + summary["pending"]  # some done
    listed = {entry["id"] for row in rows for entry in row["entries"]}
    with runtime.sessions() as session:
        unsequenced = set(
            session.scalars(select(AuditEntry.id).where(AuditEntry.leaf_index.is_(None)))
        )
    assert {str(id_) for id_ in unsequenced} & listed or summary["pending"]


def test_a_held_flag_without_a_follow_up_in_the_log_counts_as_one(runtime: Runtime) -> None:
    _log(runtime)
    with_flag = _both(runtime)[0][1]
    with transaction(runtime.sessions) as session:
        session.execute(delete(Flag))
    without_flag = _both(runtime)
    assert without_flag[0] == without_flag[1]
    assert without_flag[0][1]["without_follow_up"] > with_flag["without_follow_up"]


def test_a_listed_check_edited_after_sequencing_is_left_out_both_ways(runtime: Runtime) -> None:
    _log(runtime)
    rows, _ = _both(runtime)[1]
    victim = rows[0]["entries"][0]["leaf_index"]
    with transaction(runtime.sessions) as session:
        session.execute(
            update(AuditEntry).where(AuditEntry.leaf_index == victim).values(purpose="anders")
        )
    summed, paired, kept, read = _both(runtime)
    assert summed == paired
    assert [fault.leaf_index for fault in kept.faults] == [victim]
    assert [fault.leaf_index for fault in read.faults] == [victim]


def test_a_member_lists_only_the_newest_checks_and_counts_the_rest(runtime: Runtime) -> None:
    _log(runtime)
    (bounded, _), (paired, _), _, _ = _both(runtime, listed=2)
    assert [row["member"] for row in bounded] == [row["member"] for row in paired]
    for short, full in zip(bounded, paired, strict=True):
        assert short["without_follow_up"] == full["without_follow_up"] > 2
        assert short["entries"] == full["entries"][-2:]
        assert short["entries_not_listed"] == full["without_follow_up"] - 2


def _firsts(runtime: Runtime) -> list[tuple[str, str, bytes, datetime]]:
    with runtime.sessions() as session:
        rows = session.scalars(
            select(AuditFirstFollowUp).order_by(
                *AuditFirstFollowUp.__table__.primary_key.columns  # type: ignore[attr-defined]
            )
        )
        return [(r.organisation, r.team, r.subject_key, r.first_at) for r in rows]


def _expected(runtime: Runtime) -> list[tuple[str, str, bytes, datetime]]:
    """The first follow-ups computed entry by entry from the sequenced leaves."""
    firsts: dict[tuple[str, str, bytes], datetime] = {}
    sieve = Sieve()
    with runtime.sessions() as session:
        rows = session.execute(
            select(AuditEntry.__table__).where(AuditEntry.leaf_index.is_not(None))
        )
        for entry in sieve.intact(rows):
            if (
                entry.action in follow_ups._ACTIONS
                and entry.outcome == "allowed"
                and entry.subject_key
                and entry.actor_team
                and entry.actor_organisation
            ):
                key = (entry.actor_organisation, entry.actor_team, entry.subject_key)
                firsts[key] = min(firsts.get(key, entry.at), entry.at)
    return [(*key, at) for key, at in sorted(firsts.items())]


def test_the_sequencer_keeps_each_teams_first_follow_up(runtime: Runtime) -> None:
    _write(runtime, range(150))
    sequencer_job(runtime)
    _write(runtime, range(150, 300))
    # a follow-up whose subject key was changed before it was sequenced is not counted
    with transaction(runtime.sessions) as session:
        edited = session.scalars(
            select(AuditEntry.seq)
            .where(AuditEntry.leaf_index.is_(None), AuditEntry.action == "flag.register")
            .limit(1)
        ).one()
        session.execute(
            update(AuditEntry).where(AuditEntry.seq == edited).values(subject_key=b"x" * 32)
        )
    sequencer_job(runtime)
    sequencer_job(runtime)  # nothing new: nothing changed
    kept = _firsts(runtime)
    assert kept == _expected(runtime) and len(kept) > 5
    assert all(key != b"x" * 32 for _, _, key, _ in kept)
    # edited after sequencing: kept as the leaf stated it (the whole-log check finds it)
    with transaction(runtime.sessions) as session:
        session.execute(update(AuditEntry).values(actor_team="elders"))
    assert _firsts(runtime) == kept


def test_the_migrations_backfill_fills_what_the_sequencer_kept(runtime: Runtime) -> None:
    _log(runtime)
    kept = _firsts(runtime)
    with transaction(runtime.sessions) as session:
        session.execute(delete(AuditFirstFollowUp))
        session.execute(text(follow_ups.backfill_sql()))
    assert _firsts(runtime) == kept and kept


def test_retention_moves_the_first_follow_up_to_the_next_linked_one(runtime: Runtime) -> None:
    _log(runtime)
    sequencer_job(runtime)
    before = _firsts(runtime)
    with transaction(runtime.sessions) as session:
        old = list(
            session.scalars(
                select(AuditEntry.seq).where(AuditEntry.at < START + timedelta(days=40))
            )
        )
        unlink_audit_entries(session, old)
    after = _firsts(runtime)
    assert after == _expected(runtime)
    assert after != before and all(at >= START + timedelta(days=40) for *_, at in after)


def test_a_follow_up_at_the_end_of_the_window_counts_and_one_later_does_not(
    runtime: Runtime,
) -> None:
    # the window spans the end of summer time (25 October), read in a session in that zone
    check = datetime(2026, 10, 20, 9, 0, 0, 123, tzinfo=UTC)
    window = timedelta(days=runtime.settings.audit_follow_up_days)
    with transaction(runtime.sessions) as session:
        for label, late in (("on-time", timedelta(0)), ("late", timedelta(microseconds=1))):
            for action, at in (
                (Action.CHECK, check),
                (Action.CONTACT_REQUEST_CREATE, check + window + late),
            ):
                record(
                    session,
                    _actor(0),
                    AuditRecord(
                        action=action, outcome=Outcome.ALLOWED, subject_key=subject_key(label)
                    ),
                    at=at,
                )
    sequencer_job(runtime)
    summed, paired, kept, read = Sieve(), Sieve(), Sieve(), Sieve()
    with runtime.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET TIME ZONE 'Europe/Amsterdam'"))
        common = {"organisation": ORGANISATION, "now": NOW, "settings": runtime.settings}
        since, until = check - timedelta(hours=1), check + timedelta(hours=1)
        summed = reports.checks_without_follow_up(session, kept, since, until, **common)
        paired = reports.checks_without_follow_up(
            session, read, since, until, **common, use_summary=False
        )
    assert summed == paired
    assert paired[1]["checks"] == 2 and paired[1]["without_follow_up"] == 1
