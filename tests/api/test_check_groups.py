"""Checks arriving together share one transaction, and each still gets its own answer.

The checks here run concurrently on one event loop through the real app (httpx's ASGI
transport), so they queue behind each other's group as they do under load.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from api.busy import BusyWrites, busy_writes
from hub.fastpath.groups import MAX_GROUP, WRITERS, GroupCommit
from hub.runtime import Runtime
from tests.api.test_audit_atomicity import break_audit_log
from tests.helpers import add_neighbour, audit_rows, auth, opaque_pseudonym, register

CHECKS = "/api/v1/involvement-checks"
SUBJECT = opaque_pseudonym("household-group")


def body(subject: str, purpose: str, case_ref: str) -> dict[str, Any]:
    return {
        "subject": {"kind": "bsn", "pseudonym": subject},
        "purpose": purpose,
        "case_ref": case_ref,
    }


def watched_groups(
    runtime: Runtime,
    *,
    max_group: int = MAX_GROUP,
    writers: int = WRITERS,
    break_first: bool = False,
    kind: str = "checks",
) -> tuple[list[int], BusyWrites]:
    """Fresh group commits for ``runtime`` whose ``kind`` records each group's size.

    Checks on PostgreSQL run on the event loop, as the app runs them. ``break_first``
    makes the first group fail as a bug would.
    """
    busy = busy_writes(runtime, max_group=max_group, writers=writers)
    groups: GroupCommit[Any, Any] = getattr(busy, kind)
    sizes: list[int] = []
    run = groups.run

    async def watched(requests: list[Any]) -> Any:
        sizes.append(len(requests))
        if break_first and len(sizes) == 1:
            raise RuntimeError("a bug in the first group")
        return await run(requests)

    groups.run = watched  # type: ignore[method-assign]
    return sizes, busy


def concurrently(
    runtime: Runtime,
    requests: list[tuple[dict[str, str], dict[str, Any]]],
    path: str = CHECKS,
    busy: BusyWrites | None = None,
) -> list[httpx.Response]:
    """POST all ``requests`` to ``path`` at once, on a fresh app on one event loop."""

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(runtime=runtime, busy=busy))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            posts = (client.post(path, headers=h, json=b) for h, b in requests)
            return list(await asyncio.gather(*posts))

    return asyncio.run(send_all())


def test_concurrent_checks_share_groups_and_keep_their_own_answers(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    assert register(client, sh, SUBJECT, purpose="schuldhulpverlening").status_code == 201
    neighbour = add_neighbour(runtime, idp, domain="pw")
    before = len(audit_rows(runtime))
    sizes, busy = watched_groups(runtime)

    pw = [auth(idp, f"pw-{i}", "pw-handhaving") for i in range(8)]
    requests = [
        (headers, body(SUBJECT, "rechtmatigheid", f"PW-{i:03d}")) for i, headers in enumerate(pw)
    ]
    requests += [
        (sh, body(SUBJECT, "schuldhulpverlening", "SH-001")),  # its own flag only
        (pw[0], body(SUBJECT, "adreskwaliteit", "PW-REFUSED")),  # refused by the policy
        (neighbour, body(SUBJECT, "rechtmatigheid", "BUUR-001")),  # another organisation
        (auth(idp, "nobody", "no-such-team"), body(SUBJECT, "rechtmatigheid", "X-001")),
    ]
    answers = concurrently(runtime, requests, busy=busy)

    for answer in answers[:8]:
        assert answer.status_code == 200, answer.text
        assert [team["team"] for team in answer.json()["involved"]] == ["schuldhulp"]
    handles = {answer.json()["involved"][0]["handle"] for answer in answers[:8]}
    assert len(handles) == 8  # sealed per member, not shared across the group
    own = answers[8].json()
    assert own["own_team_involved"] is True and own["involved"] == []
    assert answers[9].status_code == 403 and answers[9].json()["code"] == "policy_refusal"
    assert answers[10].status_code == 200 and answers[10].json()["involved"] == []
    assert answers[11].status_code == 403 and answers[11].json()["code"] == "forbidden"

    assert sum(sizes) == len(requests)  # every check went through a group, refusals too
    assert len(sizes) < len(requests), sizes  # and some of them shared one

    rows = audit_rows(runtime)[before:]
    case_refs = sorted(row.case_ref for row in rows if row.case_ref)
    expected = sorted([f"PW-{i:03d}" for i in range(8)] + ["SH-001", "PW-REFUSED", "BUUR-001"])
    assert case_refs == expected  # one entry per check; none for the team the hub does not know
    check_ids = {answer.json()["check_id"] for answer in answers if answer.status_code == 200}
    assert check_ids <= {str(row.id) for row in rows}
    assert len(check_ids) == 10


def test_a_group_whose_audit_fails_answers_none(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime
) -> None:
    sh = auth(idp, "bram", "schuldhulp")
    assert register(client, sh, SUBJECT, purpose="schuldhulpverlening").status_code == 201
    break_audit_log(runtime)
    requests = [
        (auth(idp, f"pw-{i}", "pw-handhaving"), body(SUBJECT, "rechtmatigheid", f"PW-{i:03d}"))
        for i in range(6)
    ]
    requests.append((requests[0][0], body(SUBJECT, "adreskwaliteit", "PW-REFUSED")))
    for answer in concurrently(runtime, requests):
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "audit_unavailable"
        assert "involved" not in answer.json()


def test_groups_are_capped(runtime: Runtime, idp: DevIdentityProvider) -> None:
    sizes, busy = watched_groups(runtime, max_group=3, writers=1)
    headers = auth(idp, "anna", "pw-handhaving")
    answers = concurrently(
        runtime,
        [(headers, body(SUBJECT, "rechtmatigheid", f"PW-{i:03d}")) for i in range(10)],
        busy=busy,
    )
    assert [answer.status_code for answer in answers] == [200] * 10
    assert sum(sizes) == 10 and max(sizes) <= 3 and len(sizes) >= 4


def test_a_failing_group_does_not_fail_the_next(idp: DevIdentityProvider, runtime: Runtime) -> None:
    _, busy = watched_groups(runtime, max_group=1, writers=1, break_first=True)  # one per group
    headers = auth(idp, "anna", "pw-handhaving")
    answers = concurrently(
        runtime,
        [(headers, body(SUBJECT, "rechtmatigheid", f"PW-{i:03d}")) for i in range(3)],
        busy=busy,
    )
    assert answers[0].status_code == 503
    assert answers[0].json()["code"] == "storage_unavailable"
    assert [answer.status_code for answer in answers[1:]] == [200, 200]  # still waiting: served
    assert sorted(row.case_ref for row in audit_rows(runtime)) == ["PW-001", "PW-002"]


def test_a_broken_statement_connection_fails_one_group_and_is_replaced(
    runtime: Runtime, idp: DevIdentityProvider, client: TestClient
) -> None:
    """PostgreSQL restarted under the hub: its idle statement connection is dead."""
    if runtime.statements is None:
        pytest.skip("checks run as one statement on PostgreSQL only")
    headers = auth(idp, "anna", "pw-handhaving")

    def check_body(case_ref: str) -> dict[str, Any]:
        return body(SUBJECT, "rechtmatigheid", case_ref)

    async def three_checks() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(runtime=runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as hub:
            answers = [await hub.post(CHECKS, headers=headers, json=check_body("PW-001"))]
            with runtime.sessions() as session:  # as a restart would: end every other backend
                session.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            for case_ref in ("PW-002", "PW-003"):
                answers.append(await hub.post(CHECKS, headers=headers, json=check_body(case_ref)))
            return answers

    first, broken, after = asyncio.run(asyncio.wait_for(three_checks(), timeout=30))
    assert first.status_code == 200
    assert broken.status_code == 503 and broken.json()["code"] == "storage_unavailable"
    assert after.status_code == 200, after.text  # on a new connection
    assert sorted(row.case_ref for row in audit_rows(runtime)) == ["PW-001", "PW-003"]


def test_checks_one_after_another_on_one_loop_are_all_answered(
    runtime: Runtime, idp: DevIdentityProvider
) -> None:
    """A check queued right after the last group ended, before the event loop ran again."""
    headers = auth(idp, "anna", "pw-handhaving")

    async def one_after_another() -> list[int]:
        transport = httpx.ASGITransport(app=create_app(runtime=runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as hub:
            statuses = []
            for i in range(5):
                check = body(SUBJECT, "rechtmatigheid", f"PW-{i:03d}")
                statuses.append((await hub.post(CHECKS, headers=headers, json=check)).status_code)
            return statuses

    assert asyncio.run(asyncio.wait_for(one_after_another(), timeout=30)) == [200] * 5
