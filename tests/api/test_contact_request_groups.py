"""Contact requests arriving together share one transaction, and act as if made one by one
(issue 22).

The API test sends its requests concurrently on one event loop through the real app, so
they queue behind each other's group as under load; the tests of one group's meaning run a
group of known asks directly, so its order is fixed.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth.dev_idp import DevIdentityProvider
from api.busy import busy_writes
from hub.contact_request.models import ContactRequest
from hub.contact_request.service import ContactAsk
from hub.contact_request.views import RequestView
from hub.errors import Conflict, HubError, InvalidInput, NotFound, PolicyRefusal
from hub.notification.models import Notification
from hub.organisation.models import Team
from hub.runtime import Runtime
from tests.api.test_audit_atomicity import break_audit_log
from tests.api.test_check_groups import concurrently, watched_groups
from tests.audit.builders import member
from tests.helpers import audit_rows, auth, count, opaque_pseudonym, register

ASKS = "/api/v1/contact-requests"


def owned_flags(client: TestClient, idp: DevIdentityProvider, label: str, n: int) -> list[str]:
    """``n`` flags of the schuldhulp team, on subjects of their own."""
    owner = auth(idp, "bram", "schuldhulp")
    ids = []
    for i in range(n):
        made = register(
            client, owner, opaque_pseudonym(f"{label}-{i}"), purpose="schuldhulpverlening"
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["flag"]["id"])
    return ids


def handle(runtime: Runtime, flag_id: str, sub: str) -> str:
    """The handle member ``sub``'s involvement check would have shown for the flag."""
    return runtime.handles.seal(uuid.UUID(flag_id), member=sub, now=runtime.clock.now())


def ask(
    runtime: Runtime, flag_id: str, sub: str, purpose: str = "rechtmatigheid", **extra: Any
) -> dict[str, Any]:
    return {"handle": handle(runtime, flag_id, sub), "purpose": purpose, **extra}


def test_concurrent_contact_requests_share_groups_and_keep_their_own_answers(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    flags = owned_flags(client, idp, "asked", 6)
    sizes, busy = watched_groups(runtime, kind="contact_requests")
    pw = [(f"pw-{i}", auth(idp, f"pw-{i}", "pw-handhaving")) for i in range(6)]
    requests = [
        (headers, ask(runtime, flags[i], sub, case_ref=f"PW-{i}"))
        for i, (sub, headers) in enumerate(pw[:4])
    ]
    requests += [
        (pw[4][1], ask(runtime, flags[4], "pw-4")),  # 4, 5: one team asks one flag twice
        (pw[5][1], ask(runtime, flags[4], "pw-5")),
        (pw[5][1], ask(runtime, flags[5], "pw-5", "adreskwaliteit")),  # 6: refused by the policy
        (auth(idp, "nobody", "no-such-team"), ask(runtime, flags[5], "nobody")),  # 7: no team
        (pw[5][1], ask(runtime, flags[5], "pw-4")),  # 8: another member's handle
        (auth(idp, "bert", "schuldhulp"), ask(runtime, flags[5], "bert")),  # 9: own team's
    ]
    answers = concurrently(runtime, requests, path=ASKS, busy=busy)

    assert [answer.status_code for answer in answers[:4]] == [201] * 4, answers[0].text
    assert [a.json()["requester_case_ref"] for a in answers[:4]] == [f"PW-{i}" for i in range(4)]
    assert sorted(answer.status_code for answer in answers[4:6]) == [201, 409]
    assert answers[6].status_code == 403 and answers[6].json()["code"] == "policy_refusal"
    assert answers[7].status_code == 403 and answers[7].json()["code"] == "forbidden"
    assert answers[8].status_code == 404
    assert answers[9].status_code == 400 and answers[9].json()["code"] == "invalid_input"
    assert sum(sizes) == len(requests)  # every request went through a group
    assert len(sizes) < len(requests), sizes  # and some of them shared one

    made = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(made) == 5 and count(runtime, ContactRequest) == 5
    rows = [row for row in audit_rows(runtime) if row.action == "contact_request.create"]
    assert {row.object_id for row in rows if row.outcome == "allowed"} == made
    refused = [row for row in rows if row.outcome != "allowed"]
    # The policy's refusal only: an unknown team, a foreign handle and an own-team flag
    # are refused before anything is decided about a subject (as one request alone was).
    assert len(refused) == 1 and refused[0].reason and refused[0].policy_version
    # Every request told its owner, in the same transaction.
    with runtime.sessions() as session:
        kinds = list(session.scalars(select(Notification.kind)))
    assert kinds.count("contact_request.create") == 5


def outcome_of(outcome: RequestView | BaseException) -> Any:
    """What one ask gave, without its fresh ids."""
    if isinstance(outcome, HubError):
        return type(outcome).__name__, outcome.status
    assert isinstance(outcome, RequestView), outcome
    request = outcome.request
    return (
        request.status,
        request.requester_sub,
        outcome.owner_team.slug,
        outcome.requester_team.slug,
        outcome.case_ref,
        request.rule_id,
        request.legal_basis,
    )


def asks_on(runtime: Runtime, flags: list[str]) -> list[ContactAsk]:
    """Allowed asks, a repeated one, a policy refusal, a bad handle, an own-team ask."""
    anna, arie = member("anna"), member("arie")
    bram = member("bram", "schuldhulp")

    def on(flag: str, actor: Any, purpose: str = "rechtmatigheid", **extra: Any) -> ContactAsk:
        return ContactAsk(
            actor=actor, handle=handle(runtime, flag, actor.sub), purpose=purpose, **extra
        )

    return [
        on(flags[0], anna, case_ref="PW-7"),
        on(flags[1], anna),
        on(flags[1], arie),  # the same team again while the first is pending: a conflict
        on(flags[2], anna, "adreskwaliteit"),
        ContactAsk(actor=anna, handle="A" * 40, purpose="rechtmatigheid"),
        on(flags[2], bram, "schuldhulpverlening"),
        on(flags[2], arie, email="arie@example.org"),
    ]


def test_a_group_decides_and_writes_as_one_after_another(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    busy = busy_writes(runtime)
    one_by_one = [
        outcome
        for each in asks_on(runtime, owned_flags(client, idp, "alone", 3))
        for outcome in busy.contact_requests.run_group([each])
    ]
    entries_alone = [(row.action, row.outcome, row.reason) for row in audit_rows(runtime)]
    together = busy.contact_requests.run_group(
        asks_on(runtime, owned_flags(client, idp, "group", 3))
    )
    entries = [(row.action, row.outcome, row.reason) for row in audit_rows(runtime)]

    assert [outcome_of(o) for o in together] == [outcome_of(o) for o in one_by_one]
    assert [type(o) for o in together] == [
        RequestView,
        RequestView,
        Conflict,
        PolicyRefusal,
        NotFound,
        InvalidInput,
        RequestView,
    ]
    # The same audit entries, flags' registrations aside (their order is the group's).
    requests = [entry for entry in entries if entry[0].startswith("contact_request")]
    assert len(requests) == 2 * len(
        [e for e in entries_alone if e[0].startswith("contact_request")]
    )
    half = len(requests) // 2
    assert sorted(map(str, requests[:half])) == sorted(map(str, requests[half:]))
    with runtime.sessions() as session:
        stored = session.scalars(
            select(ContactRequest).order_by(ContactRequest.requester_email)
        ).all()
    assert len(stored) == 6
    assert [r.requester_email for r in stored].count("arie@example.org") == 2


def test_a_group_whose_audit_fails_writes_nothing(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    flags = owned_flags(client, idp, "unaudited", 4)
    break_audit_log(runtime)
    requests = [
        (auth(idp, f"pw-{i}", "pw-handhaving"), ask(runtime, flag, f"pw-{i}"))
        for i, flag in enumerate(flags)
    ]
    for answer in concurrently(runtime, requests, path=ASKS):
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "audit_unavailable"
    assert count(runtime, ContactRequest) == 0
    assert count(runtime, Notification) == 0


@pytest.mark.postgres
def test_a_group_on_the_event_loop_decides_and_writes_what_a_session_does(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    statements = runtime.statements
    if statements is None:
        pytest.skip("groups run on the event loop on PostgreSQL only")
    busy = busy_writes(runtime)
    in_session = busy.contact_requests.run_group(
        asks_on(runtime, owned_flags(client, idp, "session", 3))
    )
    by_session = asked_and_told(runtime)

    async def run(asks: list[ContactAsk]) -> list[Any]:
        try:
            return await busy.contact_requests.run(asks)
        finally:
            await statements.close()

    looped = asyncio.run(run(asks_on(runtime, owned_flags(client, idp, "loop", 3))))
    both = asked_and_told(runtime)

    assert [outcome_of(o) for o in looped] == [outcome_of(o) for o in in_session]
    entries, notices = by_session
    assert both[0] == entries + entries  # the same entries, in the same order
    assert both[1] == sorted(notices + notices)
    assert count(runtime, ContactRequest) == 6


def asked_and_told(runtime: Runtime) -> tuple[list[Any], list[tuple[str, str]]]:
    """The contact requests' audit entries in order, and the notices' teams and kinds."""
    entries = [
        (row.action, row.outcome, row.actor_sub, row.reason, row.case_ref)
        for row in audit_rows(runtime)
        if row.action.startswith("contact_request")
    ]
    with runtime.sessions() as session:
        notices = session.execute(
            select(Team.slug, Notification.kind)
            .join(Team, Team.id == Notification.team_id)
            .where(Notification.kind.startswith("contact_request"))
        ).all()
    return entries, sorted((slug, kind) for slug, kind in notices)
