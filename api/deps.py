"""Request-scoped dependencies: the transaction, the caller, and one check per permission."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.auth.tokens import ClaimMapping, TokenValidator, actor_from_claims
from hub.actor import Actor, Role
from hub.audit import service as audit
from hub.errors import AuditUnavailable, Forbidden, HubError, StorageUnavailable, Unauthenticated
from hub.runtime import Runtime

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_bearer = HTTPBearer(auto_error=False)
T = TypeVar("T")


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a sync dependency in the thread pool, a hop that costs more than this
    runtime: Runtime = request.app.state.runtime
    return runtime


@contextmanager
def request_transaction(runtime: Runtime, actor: Callable[[], Actor | None]) -> Iterator[Session]:
    """The request owns the transaction: commit when the work is done, else roll back.

    A refusal that carries an audit record is written in a transaction of its own after
    the rollback, so a denied request leaves its trace too. ``actor`` gives the caller
    once known (a dependency may learn it after the session was opened).
    """
    session = runtime.sessions()
    try:
        yield session
        try:
            session.commit()
        except SQLAlchemyError as error:
            raise StorageUnavailable("the change could not be stored") from error
    except HubError as error:
        session.rollback()
        caller = actor()
        if error.audit is not None and caller is not None:
            _audit_refusal(runtime, caller, error)
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    """The transaction as a dependency: three trips to the thread pool (open, route, commit)."""
    runtime: Runtime = request.app.state.runtime
    with request_transaction(runtime, lambda: getattr(request.state, "actor", None)) as session:
        yield session


async def in_transaction(runtime: Runtime, actor: Actor, work: Callable[[Session], T]) -> T:
    """Run a route's whole unit of work, commit included, in one trip to the thread pool.

    For the busy write routes: ``get_session`` costs three trips per request (open, route,
    commit), and each trip also waits for the GIL.
    """

    def run() -> T:
        with request_transaction(runtime, lambda: actor) as session:
            return work(session)

    return await run_in_threadpool(run)


def _audit_refusal(runtime: Runtime, actor: Actor, error: HubError) -> None:
    assert error.audit is not None
    try:
        with runtime.sessions() as session, session.begin():
            audit.record(session, actor, error.audit, at=runtime.clock.now())
    except (SQLAlchemyError, AuditUnavailable) as failure:
        raise AuditUnavailable("the refusal could not be audited") from failure


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
    )
    request.state.actor = actor
    return actor


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, as ``HTTPBearer`` reads it."""
    scheme, _, token = (authorization or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(
    validator: TokenValidator,
    mapping: ClaimMapping,
    *,
    token: str | None,
    acting_team: str | None,
    request_id: str | None,
    traceparent: str | None,
) -> Actor:
    """The caller of a request, from its bearer token and headers; raises when there is none."""
    if token is None:
        raise Unauthenticated(
            "send an access token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="betrokken"'},
        )
    try:
        claims = validator.validate_cached(token)
        if claims is None:  # the issuer's keys must be fetched: blocking HTTP, so in a thread
            claims = await run_in_threadpool(validator.validate, token)
        return actor_from_claims(
            claims,
            mapping,
            acting_team=acting_team,
            request_id=_request_id(request_id),
            trace_id=_trace_id(traceparent),
        )
    except Unauthenticated as error:
        # RFC 6750 §3: quoted-string without quotes or backslashes.
        description = re.sub(r'["\\]', "'", error.detail)[:200]
        error.extra["headers"] = {
            "WWW-Authenticate": f'Bearer realm="betrokken", error="invalid_token", '
            f'error_description="{description}"'
        }
        raise


def _request_id(given: str | None) -> str:
    return given if given and _REQUEST_ID.fullmatch(given) else str(uuid.uuid4())


def _trace_id(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.fullmatch((traceparent or "").strip())
    return match.group(1) if match else None


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
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
TeamMember = Annotated[Actor, Depends(require(*TEAM_WORK))]
TeamLead = Annotated[Actor, Depends(require(Role.TEAM_LEAD))]
Professional = Annotated[Actor, Depends(require(Role.PROFESSIONAL, Role.TEAM_LEAD))]
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
PrivacyOfficer = Annotated[Actor, Depends(require(Role.PRIVACY_OFFICER))]
FlagWriter = Annotated[Actor, Depends(require(*TEAM_WORK))]
FlagReader = Annotated[Actor, Depends(require(*TEAM_WORK))]
InvolvementChecker = Annotated[Actor, Depends(require(*TEAM_WORK))]
