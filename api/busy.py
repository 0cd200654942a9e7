"""The busy writes, assembled for the app: checks, registrations and contact requests in
group commits.

Each group takes the policy in force and the clock's moment when it starts, and the
process's handles (teams kept, rate limits, handle key); on PostgreSQL a group of checks
runs as one statement on the event loop, and a group of registrations or contact requests
as its reads and one statement of writes there (``hub/fastpath``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub.contact_request.service import (
    ContactAsk,
    request_contact_group,
    request_contact_group_in_one_statement,
)
from hub.contact_request.views import RequestView
from hub.errors import HubError
from hub.fastpath.groups import MAX_GROUP, WRITERS, GroupCommit, LoopWork
from hub.flag.service import Registration, register_group, register_group_in_one_statement
from hub.flag.views import RegisteredFlag
from hub.involvement.service import (
    CheckRequest,
    CheckTools,
    check_group,
    check_group_in_one_statement,
)
from hub.involvement.views import Involvement
from hub.runtime import Runtime


@dataclass
class BusyWrites:
    checks: GroupCommit[CheckRequest, Involvement]
    registrations: GroupCommit[Registration, RegisteredFlag]
    contact_requests: GroupCommit[ContactAsk, RequestView]


def busy_writes(
    runtime: Runtime, *, max_group: int = MAX_GROUP, writers: int = WRITERS
) -> BusyWrites:
    """The group commits of one app; the sizes are for tests that watch the groups."""
    tools = CheckTools(
        teams=runtime.teams,
        limits=runtime.check_limits,
        handles=runtime.handles,
        convenants=runtime.convenants,
    )

    policies = runtime.policies

    def checks(session: Session, requests: Sequence[CheckRequest]) -> list[Involvement | HubError]:
        runtime.refresh_kept_if_stale()
        return check_group(
            session,
            requests,
            policy=runtime.policy_for,
            now=runtime.clock.now(),
            tools=tools,
        )

    checks_on_loop: LoopWork[CheckRequest, Involvement] | None = None
    registrations_on_loop: LoopWork[Registration, RegisteredFlag] | None = None
    contact_requests_on_loop: LoopWork[ContactAsk, RequestView] | None = None
    statements = runtime.statements
    if statements is not None:  # PostgreSQL: each group on the event loop

        async def policies_fresh() -> None:
            if policies.stale:
                await asyncio.get_running_loop().run_in_executor(
                    None, runtime.refresh_kept_if_stale
                )

        async def checks_in_one_statement(
            requests: Sequence[CheckRequest],
        ) -> list[Involvement | HubError]:
            await policies_fresh()
            return await check_group_in_one_statement(
                requests,
                policy=runtime.policy_for,
                now=runtime.clock.now(),
                tools=tools,
                sessions=runtime.sessions,
                statements=statements,
            )

        async def registrations_in_one_statement(
            requests: Sequence[Registration],
        ) -> list[RegisteredFlag | HubError]:
            await policies_fresh()
            return await register_group_in_one_statement(
                requests,
                policy=runtime.policy_for,
                now=runtime.clock.now(),
                teams=runtime.teams,
                references=runtime.references,
                convenants=runtime.convenants,
                sessions=runtime.sessions,
                statements=statements,
            )

        async def contact_requests_in_one_statement(
            asks: Sequence[ContactAsk],
        ) -> list[RequestView | HubError]:
            await policies_fresh()
            return await request_contact_group_in_one_statement(
                asks,
                policy=runtime.policy_for,
                now=runtime.clock.now(),
                teams=runtime.teams,
                handles=runtime.handles,
                references=runtime.references,
                convenants=runtime.convenants,
                sessions=runtime.sessions,
                statements=statements,
            )

        checks_on_loop = checks_in_one_statement
        registrations_on_loop = registrations_in_one_statement
        contact_requests_on_loop = contact_requests_in_one_statement

    def registrations(
        session: Session, requests: Sequence[Registration]
    ) -> list[RegisteredFlag | HubError]:
        runtime.refresh_kept_if_stale()
        return register_group(
            session,
            requests,
            policy=runtime.policy_for,
            now=runtime.clock.now(),
            teams=runtime.teams,
            references=runtime.references,
            convenants=runtime.convenants,
        )

    def contact_requests(
        session: Session, asks: Sequence[ContactAsk]
    ) -> list[RequestView | HubError]:
        runtime.refresh_kept_if_stale()
        return request_contact_group(
            session,
            asks,
            policy=runtime.policy_for,
            now=runtime.clock.now(),
            teams=runtime.teams,
            handles=runtime.handles,
            references=runtime.references,
            convenants=runtime.convenants,
        )

    sessions = runtime.sessions
    return BusyWrites(
        checks=GroupCommit(
            sessions,
            checks,
            what="check",
            on_loop=checks_on_loop,
            max_group=max_group,
            writers=writers,
        ),
        registrations=GroupCommit(
            sessions,
            registrations,
            what="registration",
            on_loop=registrations_on_loop,
            max_group=max_group,
            writers=writers,
        ),
        contact_requests=GroupCommit(
            sessions,
            contact_requests,
            what="contact request",
            on_loop=contact_requests_on_loop,
            max_group=max_group,
            writers=writers,
        ),
    )
