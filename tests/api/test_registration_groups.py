"""Registrations arriving together share one transaction, and act as if made one by one.

The API tests send their registrations concurrently on one event loop through the real app,
so they queue behind each other's group as under load; the tests of one group's meaning
run a group of known members directly, so its order is fixed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.dev_idp import DevIdentityProvider
from api.busy import busy_writes
from crypto.identifiers import IdentifierKind
from hub.errors import Conflict, PolicyRefusal
from hub.flag import repository as flag_repository
from hub.flag.models import Flag
from hub.flag.service import Registration
from hub.flag.views import RegisteredFlag
from hub.match.models import Match, MatchMember
from hub.notification.models import Notification
from hub.organisation.models import Team
from hub.runtime import Runtime
from tests.api.test_audit_atomicity import break_audit_log
from tests.api.test_check_groups import concurrently, watched_groups
from tests.audit.builders import member
from tests.helpers import audit_rows, auth, count, opaque_pseudonym, register
from tests.lifecycle.test_contact_request_listing import counted

FLAGS = "/api/v1/flags"
PURPOSES = {
    "pw-handhaving": "rechtmatigheid",
    "schuldhulp": "schuldhulpverlening",
    "vergunningen": "vergunningverlening",
}


def body(subject: str, purpose: str, **extra: Any) -> dict[str, Any]:
    return {"subject": {"kind": "bsn", "pseudonym": subject}, "purpose": purpose, **extra}


def in_group(runtime: Runtime, subject_label: str) -> list[Registration]:
    """One registration per team of PURPOSES on one subject, in that order."""
    subject = runtime.keyer.subject(IdentifierKind.BSN, opaque_pseudonym(subject_label))
    return [
        Registration(actor=member(f"{team}-member", team), subject=subject, purpose=purpose)
        for team, purpose in PURPOSES.items()
    ]


def test_concurrent_registrations_share_groups_and_keep_their_own_answers(
    runtime: Runtime, idp: DevIdentityProvider
) -> None:
    sizes, busy = watched_groups(runtime, kind="registrations")
    pw = [auth(idp, f"pw-{i}", "pw-handhaving") for i in range(6)]
    twice = opaque_pseudonym("registered-twice")
    requests = [
        (h, body(opaque_pseudonym(f"person-{i}"), "rechtmatigheid")) for i, h in enumerate(pw)
    ]
    requests += [
        (pw[0], body(twice, "rechtmatigheid")),  # 6, 7: the same flag twice in one burst
        (pw[1], body(twice, "rechtmatigheid")),
        (pw[2], body(opaque_pseudonym("refused"), "adreskwaliteit")),  # 8: refused by the policy
        (auth(idp, "nobody", "no-such-team"), body(twice, "rechtmatigheid")),  # 9: unknown team
        (pw[3], body(twice, "rechtmatigheid", expires_on="2030-01-01")),  # 10: beyond the policy
    ]
    answers = concurrently(runtime, requests, path=FLAGS, busy=busy)

    assert [answer.status_code for answer in answers[:6]] == [201] * 6, answers[0].text
    assert sorted(answer.status_code for answer in answers[6:8]) == [201, 409]
    assert answers[8].status_code == 403 and answers[8].json()["code"] == "policy_refusal"
    assert answers[9].status_code == 403 and answers[9].json()["code"] == "forbidden"
    assert answers[10].status_code == 400 and answers[10].json()["code"] == "invalid_input"
    assert sum(sizes) == len(requests)  # every registration went through a group
    assert len(sizes) < len(requests), sizes  # and some of them shared one

    flag_ids = {a.json()["flag"]["id"] for a in answers if a.status_code == 201}
    assert len(flag_ids) == 7 and count(runtime, Flag) == 7
    rows = audit_rows(runtime)
    allowed = [row for row in rows if row.action == "flag.register" and row.outcome == "allowed"]
    refused = [
        row.reason for row in rows if row.action == "flag.register" and row.outcome != "allowed"
    ]
    assert {row.object_id for row in allowed} == flag_ids
    assert sorted(refused) == sorted(["duplicate active flag", answers[8].json()["detail"]])
    # No entry for the team the hub does not know, nor for the malformed expiry.
    assert len(rows) == 9


def told(runtime: Runtime) -> dict[str, int]:
    """Per team: how many teams its notifications named."""
    with runtime.sessions() as session:
        rows = session.execute(select(Notification.team_id, Notification.payload)).all()
        slugs = {team.id: team.slug for team in session.scalars(select(Team))}
    found: dict[str, int] = {}
    for team_id, payload in rows:
        found[slugs[team_id]] = found.get(slugs[team_id], 0) + payload.count('"team":')
    return found


def test_a_group_registers_and_matches_as_one_after_another(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    for team, purpose in PURPOSES.items():  # one after another, on subject A
        headers = auth(idp, f"{team}-member", team)
        assert register(client, headers, opaque_pseudonym("A"), purpose=purpose).status_code == 201
    first = told(runtime)
    group = in_group(runtime, "B")
    outcomes = busy_writes(runtime).registrations.run_group(
        group
    )  # the same, in one group, on subject B

    assert all(isinstance(outcome, RegisteredFlag) for outcome in outcomes), outcomes
    assert told(runtime) == {team: 2 * about for team, about in first.items()}
    with runtime.sessions() as session:
        matches = session.scalars(select(Match)).all()
        assert len(matches) == 2
        for match in matches:
            members = session.scalars(
                select(MatchMember).where(MatchMember.match_id == match.id)
            ).all()
            assert len(members) == len(PURPOSES)
    actions = [row.action for row in audit_rows(runtime)]
    assert actions.count("match.created") == 2 and actions.count("match.joined") == 2
    assert actions.count("flag.register") == 2 * len(PURPOSES)


def test_a_group_refuses_the_second_of_two_equal_registrations(runtime: Runtime) -> None:
    first, *_ = in_group(runtime, "C")
    outcomes = busy_writes(runtime).registrations.run_group([first, first])
    assert isinstance(outcomes[0], RegisteredFlag)
    assert isinstance(outcomes[1], Conflict)
    assert count(runtime, Flag) == 1


def test_a_group_whose_audit_fails_registers_nothing(
    runtime: Runtime, idp: DevIdentityProvider
) -> None:
    break_audit_log(runtime)
    requests = [
        (auth(idp, f"pw-{i}", "pw-handhaving"), body(opaque_pseudonym(f"p-{i}"), "rechtmatigheid"))
        for i in range(5)
    ]
    for answer in concurrently(runtime, requests, path=FLAGS):
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "audit_unavailable"
    assert count(runtime, Flag) == 0


def test_a_broken_constraint_refuses_only_the_registration_that_broke_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process registered the same flag just after this group looked for one."""
    registered, fresh, *_ = in_group(runtime, "D")
    busy_writes(runtime).registrations.run_group([registered])
    looked = flag_repository.live_on_subjects
    calls: list[int] = []

    def before_the_other_committed(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return {} if len(calls) == 1 else looked(*args, **kwargs)

    monkeypatch.setattr(flag_repository, "live_on_subjects", before_the_other_committed)
    outcomes = busy_writes(runtime).registrations.run_group([registered, fresh])

    assert isinstance(outcomes[0], Conflict)  # run again alone, it sees the other's flag
    assert isinstance(outcomes[1], RegisteredFlag)
    assert len(calls) == 3  # the group, then each alone
    assert count(runtime, Flag) == 2
    refused = [row for row in audit_rows(runtime) if row.outcome == "refused"]
    assert [row.reason for row in refused] == ["duplicate active flag"]


def test_a_group_making_many_matches_costs_as_many_statements_as_one_making_one(
    runtime: Runtime,
) -> None:
    """What the matches need is read once per group, and written one statement per table
    (issue 22): a match used to cost about seven statements of its own. Counted, not timed."""
    busy = busy_writes(runtime)

    def matched_group(label: str, subjects: int) -> int:
        firsts, seconds = [], []
        for n in range(subjects):
            pw, sh, _ = in_group(runtime, f"{label}-{n}")
            firsts.append(pw)
            seconds.append(sh)
        assert all(isinstance(o, RegisteredFlag) for o in busy.registrations.run_group(firsts))
        with counted(runtime) as seen:
            outcomes = busy.registrations.run_group(seconds)
        assert all(isinstance(o, RegisteredFlag) for o in outcomes), outcomes
        return len(seen)

    matched_group("warm", 1)  # the teams, then kept (hub/organisation/cache.py)
    one = matched_group("one", 1)
    eight = matched_group("eight", 8)
    assert eight == one, (one, eight)
    with runtime.sessions() as session:
        assert len(session.scalars(select(Match)).all()) == 10
        assert len(session.scalars(select(MatchMember)).all()) == 20
    actions = [row.action for row in audit_rows(runtime)]
    assert actions.count("match.created") == 10


def on_the_loop(runtime: Runtime, requests: list[Registration]) -> list[Any]:
    """A group as the app runs it on PostgreSQL: on the event loop, its writes one statement."""
    busy = busy_writes(runtime)
    statements = runtime.statements
    assert statements is not None

    async def run() -> list[Any]:
        try:
            return await busy.registrations.run(requests)
        finally:
            await statements.close()

    return asyncio.run(run())


def written(runtime: Runtime, subject_label: str) -> dict[str, Any]:
    """What a group wrote about one subject, without ids and keys: flags, matches with their
    members' teams, the notices, and the audit entries in order."""
    key = runtime.keyer.subject(IdentifierKind.BSN, opaque_pseudonym(subject_label)).key
    with runtime.sessions() as session:
        slugs = {team.id: team.slug for team in session.scalars(select(Team))}
        flags = session.scalars(select(Flag).where(Flag.subject_key == key)).all()
        ids = {flag.id for flag in flags}
        matches = session.scalars(select(Match).where(Match.subject_key == key)).all()
        members = session.scalars(select(MatchMember).where(MatchMember.flag_id.in_(ids))).all()
        notices = session.scalars(select(Notification)).all()
    names = {str(flag.id): slugs[flag.team_id] for flag in flags}
    names |= {str(match.id): f"match-{n}" for n, match in enumerate(matches)}

    def plain(payload: str) -> str:
        for identifier, name in names.items():
            payload = payload.replace(identifier, name)
        return payload

    entries = [
        row for row in audit_rows(runtime) if row.subject_key == key or row.subject_key is None
    ]
    return {
        "flags": sorted(
            (slugs[f.team_id], f.purpose, f.status, f.legal_basis, f.contact_email, f.expires_at)
            for f in flags
        ),
        "matches": len(matches),
        "members": sorted((slugs[m.team_id], names[str(m.flag_id)]) for m in members),
        "notices": sorted(
            (slugs[n.team_id], n.kind, n.delivery, n.email, plain(n.payload))
            for n in notices
            if any(name in plain(n.payload) for name in ("match-0", "match-1"))
        ),
        "audit": [(row.action, row.outcome, row.actor_team, row.reason) for row in entries],
    }


@pytest.mark.postgres
def test_a_group_on_the_event_loop_writes_what_a_session_writes(runtime: Runtime) -> None:
    """Two groups alike on two subjects: three teams matching, a duplicate, a refusal."""
    if runtime.statements is None:
        pytest.skip("groups run on the event loop on PostgreSQL only")
    busy = busy_writes(runtime)

    def group(label: str) -> list[Registration]:
        first, *rest = in_group(runtime, label)
        refused = Registration(actor=first.actor, subject=first.subject, purpose="adreskwaliteit")
        return [first, first, refused, *rest]

    in_session = busy.registrations.run_group(group("S"))
    looped = on_the_loop(runtime, group("L"))

    assert [type(o) for o in looped] == [type(o) for o in in_session]
    assert [type(o) for o in looped][:3] == [RegisteredFlag, Conflict, PolicyRefusal]
    session_rows, loop_rows = written(runtime, "S"), written(runtime, "L")
    assert loop_rows["matches"] == 1 and len(loop_rows["members"]) == len(PURPOSES)
    assert loop_rows == session_rows


@pytest.mark.postgres
def test_a_broken_constraint_on_the_event_loop_is_run_again_in_a_session(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    if runtime.statements is None:
        pytest.skip("groups run on the event loop on PostgreSQL only")
    registered, fresh, *_ = in_group(runtime, "E")
    busy_writes(runtime).registrations.run_group([registered])
    looked = flag_repository.live_on_subjects_async

    async def before_the_other_committed(*args: Any, **kwargs: Any) -> Any:
        return {}  # as if the other process's flag came just after this read

    monkeypatch.setattr(flag_repository, "live_on_subjects_async", before_the_other_committed)
    outcomes = on_the_loop(runtime, [registered, fresh])
    monkeypatch.setattr(flag_repository, "live_on_subjects_async", looked)

    assert isinstance(outcomes[0], Conflict)  # run again in a session, alone: it sees the flag
    assert isinstance(outcomes[1], RegisteredFlag)
    assert count(runtime, Flag) == 2
