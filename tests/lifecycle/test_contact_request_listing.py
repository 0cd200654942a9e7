"""The contact-request listing reads a page in a fixed number of statements (issue 22):
it used to load each request's flag and both its teams one by one, so a page of 50 cost
about 150 statements. Counted, not timed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from api.auth.dev_idp import DevIdentityProvider
from hub.clock import FixedClock
from hub.contact_request.models import ContactRequest, RequestStatus
from hub.organisation.models import Team
from hub.runtime import Runtime
from hub.transactions import transaction
from tests.helpers import audit_rows, auth, opaque_pseudonym, register

REQUESTERS = ("pw-handhaving", "vergunningen")


@contextmanager
def counted(runtime: Runtime) -> Iterator[list[str]]:
    """The statements sent to the database while the block runs."""
    seen: list[str] = []
    engine = runtime.sessions.kw["bind"]

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def pending_requests(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, *, count: int
) -> dict[str, str]:
    """``count`` pending requests to the schuldhulp team, each on a flag of its own, from
    two requesting teams; the owner's headers."""
    owner = auth(idp, "bram", "schuldhulp")
    flag_ids = []
    for n in range(count):
        made = register(
            client, owner, opaque_pseudonym(f"listed-{n}"), purpose="schuldhulpverlening"
        )
        assert made.status_code == 201, made.text
        flag_ids.append(uuid.UUID(made.json()["flag"]["id"]))
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        teams = {
            team.slug: team
            for team in session.scalars(
                select(Team).where(Team.slug.in_(("schuldhulp", *REQUESTERS)))
            )
        }
        for n, flag_id in enumerate(flag_ids):
            session.add(
                ContactRequest(
                    id=uuid.uuid4(),
                    flag_id=flag_id,
                    owner_team_id=teams["schuldhulp"].id,
                    requester_team_id=teams[REQUESTERS[n % 2]].id,
                    requester_sub=f"asker-{n}",
                    requester_name=f"Asker {n}",
                    purpose="rechtmatigheid",
                    status=RequestStatus.PENDING,
                    requires_approval=True,
                    created_at=now + timedelta(seconds=n),
                    expires_at=now + timedelta(days=14),
                    rule_id="test",
                    legal_basis="pw_art_64",
                    policy_version="test",
                )
            )
    return owner


def statements_to_list(
    client: TestClient, runtime: Runtime, owner: dict[str, str], url: str
) -> tuple[int, list[dict[str, Any]]]:
    with counted(runtime) as seen:
        answer = client.get(url, headers=owner)
    assert answer.status_code == 200, answer.text
    return len(seen), answer.json()["items"]


@pytest.mark.parametrize("direction", ["", "?direction=incoming"])
def test_a_page_of_50_costs_as_many_statements_as_a_page_of_1(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, direction: str
) -> None:
    owner = pending_requests(client, idp, runtime, count=50)
    one, [first] = statements_to_list(
        client,
        runtime,
        owner,
        f"/api/v1/contact-requests?limit=1{direction and '&' + direction[1:]}",
    )
    fifty, page = statements_to_list(
        client,
        runtime,
        owner,
        f"/api/v1/contact-requests?limit=50{direction and '&' + direction[1:]}",
    )
    assert len(page) == 50
    assert fifty == one, (one, fifty)
    assert page[0] == first  # newest first
    # Every row carries its own flag and teams, as the per-request loading gave.
    assert {item["from_team"] for item in page} == set(REQUESTERS)
    assert len({item["flag"]["id"] for item in page}) == 50
    assert all(item["status"] == "pending" and item["contact"] is None for item in page)


def test_expiring_a_whole_page_costs_a_fixed_number_of_statements_and_audits_each(
    client: TestClient, idp: DevIdentityProvider, runtime: Runtime, clock: FixedClock
) -> None:
    owner = pending_requests(client, idp, runtime, count=50)
    clock.advance(timedelta(days=15))
    audited = len(audit_rows(runtime))
    one, [first] = statements_to_list(client, runtime, owner, "/api/v1/contact-requests?limit=1")
    assert first["status"] == "expired"
    fifty, page = statements_to_list(client, runtime, owner, "/api/v1/contact-requests?limit=50")
    assert fifty == one, (one, fifty)
    assert [item["status"] for item in page] == ["expired"] * 50
    # one entry per request that expired, in the listing's transaction: 1 + 49
    expired = [
        row for row in audit_rows(runtime)[audited:] if row.action == "contact_request.expire"
    ]
    assert sorted(row.object_id for row in expired) == sorted(item["id"] for item in page)
    with runtime.sessions() as session:
        statuses = set(session.scalars(select(ContactRequest.status)))
    assert statuses == {RequestStatus.EXPIRED}
