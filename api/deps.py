"""Request-scoped dependencies: the transaction, the caller, and one check per permission."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth.tokens import ClaimMapping, IssuerValidators, TokenValidator, actor_from_claims
from api.busy import BusyWrites
from crypto.identifiers import looks_like_identifier
from hub import transactions
from hub.actor import Actor, Role
from hub.errors import Forbidden, Unauthenticated
from hub.fields import is_uuid
from hub.logs import REQUEST_ID
from hub.organisation.repository import TeamRef
from hub.references import ReferenceSealer
from hub.runtime import Runtime
from hub.settings import Settings
from hub.telemetry import current_trace_id
from policies import Policy

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_bearer = HTTPBearer(auto_error=False)
FSC_TRANSACTION_HEADER = "Fsc-Transaction-Id"
CONNECTOR_RUN_HEADER = "Betrokken-Connector-Run"


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a sync dependency in the thread pool, a hop that costs more than this
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with (``create_app``)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_references(request: Request) -> ReferenceSealer:
    runtime: Runtime = request.app.state.runtime
    return runtime.references


async def get_busy_writes(request: Request) -> BusyWrites:
    busy: BusyWrites = request.app.state.busy_writes
    return busy


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's transaction (hub/transactions.py): committed when the route is done,
    rolled back when it raised, a refusal audited on its own.

    The session is opened on the event loop (no I/O until it is used); the route and the
    commit are one trip to the thread pool each.
    """
    runtime: Runtime = request.app.state.runtime
    session = runtime.sessions()
    try:
        yield session
    except BaseException as error:
        await run_in_threadpool(
            transactions.roll_back_and_close,
            session,
            error,
            actor=getattr(request.state, "actor", None),
            sessions=runtime.sessions,
            now=runtime.clock.now(),
        )
        raise
    await run_in_threadpool(transactions.commit_and_close, session)


async def get_read_session(request: Request) -> AsyncIterator[Session | None]:
    """A session on the read replica for reading only, or None without one (read the
    request's own session then). Whatever it read is never written through it."""
    runtime: Runtime = request.app.state.runtime
    if runtime.read_sessions is None:
        yield None
        return
    session = runtime.read_sessions()
    try:
        yield session
    finally:
        await run_in_threadpool(session.close)


async def get_now(request: Request) -> datetime:
    """The request's moment, from the hub's clock."""
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


async def get_policy(request: Request, actor: Annotated[Actor, Depends(get_actor)]) -> Policy:
    """The policy in force for this request: the caller's organisation's (kept in memory,
    read again in a thread when stale), else the hub's policy file."""
    runtime: Runtime = request.app.state.runtime
    policies = runtime.policies
    if policies.stale:
        await run_in_threadpool(runtime.refresh_kept_if_stale)
    return policies.current(actor.organisation, runtime.clock.now())


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    acting_team: Annotated[
        str | None,
        Header(
            alias="Betrokken-Team",
            description="For a member of several teams: the team (one of the token's) to act for.",
        ),
    ] = None,
) -> Actor:
    actor = await authenticate(
        request.app.state.token_validator,
        request.app.state.claim_mapping,
        token=credentials.credentials if credentials else None,
        acting_team=acting_team,
        request_id=request.headers.get("x-request-id"),
        traceparent=request.headers.get("traceparent"),
        fsc_transaction_id=request.headers.get(FSC_TRANSACTION_HEADER),
        connector_run=request.headers.get(CONNECTOR_RUN_HEADER),
    )
    request.state.actor = actor
    return actor


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, as ``HTTPBearer`` reads it."""
    scheme, _, token = (authorization or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(
    validator: TokenValidator | IssuerValidators,
    mapping: ClaimMapping,
    *,
    token: str | None,
    acting_team: str | None,
    request_id: str | None,
    traceparent: str | None,
    fsc_transaction_id: str | None = None,
    connector_run: str | None = None,
) -> Actor:
    """The caller of a request, from its bearer token and headers; raises when there is none.

    A connector's ``Fsc-Transaction-Id`` and ``Betrokken-Connector-Run`` headers travel on
    the actor into the audit leaf; a malformed value is dropped, never refused.
    """
    if token is None:
        raise Unauthenticated(
            "send an access token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="betrokken"'},
        )
    try:
        claims = validator.validate_cached(token)
        if claims is None:  # the issuer's keys must be fetched: blocking HTTP, so in a thread
            claims = await run_in_threadpool(validator.validate, token)
        actor = actor_from_claims(
            claims,
            mapping,
            acting_team=acting_team,
            request_id=REQUEST_ID.get() or request_id_from(request_id),
            trace_id=_trace_id(traceparent),
        )
        if fsc_transaction_id or connector_run:
            actor = dataclasses.replace(
                actor,
                fsc_transaction_id=_exchange_id(fsc_transaction_id),
                connector_run=_exchange_id(connector_run),
            )
        return actor
    except Unauthenticated as error:
        # RFC 6750 §3: quoted-string without quotes or backslashes.
        description = re.sub(r'["\\]', "'", error.detail)[:200]
        error.extra["headers"] = {
            "WWW-Authenticate": f'Bearer realm="betrokken", error="invalid_token", '
            f'error_description="{description}"'
        }
        raise


def request_id_from(given: str | None) -> str:
    """The caller's request id, kept in the audit leaf; a fresh one for a malformed id or
    one that may hold an identifier (a UUID never does)."""
    if (
        given
        and _REQUEST_ID.fullmatch(given)
        and (is_uuid(given) or not looks_like_identifier(given))
    ):
        return given
    return str(uuid.uuid4())


def _exchange_id(given: str | None) -> str | None:
    """An FSC transaction id or a connector's run id as the audit may keep it, else None."""
    if (
        given
        and _REQUEST_ID.fullmatch(given)
        and (is_uuid(given) or not looks_like_identifier(given))
    ):
        return given
    return None


def _trace_id(traceparent: str | None) -> str | None:
    """The trace of the request's span when tracing is on (it continues a valid
    ``traceparent``), else the trace id of a well-formed ``traceparent``."""
    current = current_trace_id()
    if current is not None:
        return current
    match = _TRACEPARENT.fullmatch((traceparent or "").strip())
    return match.group(1) if match else None


async def get_acting_team(request: Request, actor: Annotated[Actor, Depends(get_actor)]) -> TeamRef:
    """The team the caller acts for (``ActingTeams``: kept a while, read when not kept)."""
    runtime: Runtime = request.app.state.runtime
    return await runtime.teams.acting_async(runtime.sessions, actor)


def check_roles(actor: Actor, allowed: frozenset[Role]) -> Actor:
    """``actor`` if it holds one of ``allowed``; else a refusal naming the roles needed."""
    if not actor.roles & allowed:
        names = ", ".join(sorted(role.value for role in allowed))
        raise Forbidden(f"this needs one of the roles: {names}")
    return actor


class RoleCheck:
    """A dependency that lets through only callers holding one of ``roles``.

    It keeps its roles, so that the direct routes (``api/direct_routes.py``) read them
    from the route's declaration.
    """

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    async def __call__(self, actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
        return check_roles(actor, self.roles)


def require(*roles: Role) -> RoleCheck:
    """A dependency that lets through only callers holding one of ``roles``."""
    return RoleCheck(frozenset(roles))


TEAM_WORK = (Role.PROFESSIONAL, Role.TEAM_LEAD, Role.CONNECTOR)
"""Who may register flags and check involvement: a team's members and its connectors."""

DbSession = Annotated[Session, Depends(get_session, scope="function")]
ReadSession = Annotated[Session | None, Depends(get_read_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
AppSettings = Annotated[Settings, Depends(get_settings)]
References = Annotated[ReferenceSealer, Depends(get_references)]
BusyWritesDep = Annotated[BusyWrites, Depends(get_busy_writes)]
Now = Annotated[datetime, Depends(get_now)]
CurrentPolicy = Annotated[Policy, Depends(get_policy)]
ActingTeam = Annotated[TeamRef, Depends(get_acting_team)]
TeamMember = Annotated[Actor, Depends(require(*TEAM_WORK))]
TeamLead = Annotated[Actor, Depends(require(Role.TEAM_LEAD))]
Professional = Annotated[Actor, Depends(require(Role.PROFESSIONAL, Role.TEAM_LEAD))]
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
PrivacyOfficer = Annotated[Actor, Depends(require(Role.PRIVACY_OFFICER))]
FlagWriter = Annotated[Actor, Depends(require(*TEAM_WORK))]
FlagReader = Annotated[Actor, Depends(require(*TEAM_WORK))]
InvolvementChecker = Annotated[Actor, Depends(require(*TEAM_WORK))]
