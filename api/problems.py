"""Every error as ``application/problem+json`` (RFC 9457) with a stable ``code``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.db_timeout import is_failover_error
from hub.errors import HubError, StorageUnavailable

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5
"""Sent with every 503: the database or the audit log is out of reach, most often briefly
(a restart, a failover), and a client that waits this long does not add to the crowd."""
log = logging.getLogger("betrokken.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem(
    instance: str,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem about the request for ``instance`` (its path); a 503 says when to
    try again."""
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), **(headers or {})}
    body = {
        "type": f"urn:betrokken:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def hub_error(instance: str, error: HubError) -> JSONResponse:
    headers = error.extra.pop("headers", None)
    return problem(
        instance,
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        headers=headers,
        **error.extra,
    )


def invalid_payload(instance: str, errors: Sequence[Any]) -> JSONResponse:
    """A 422 for a body that does not match its schema (pydantic's or FastAPI's errors)."""
    # Never echo the input: it may hold a pseudonym or, worse, an identifier.
    return problem(
        instance,
        status=422,
        code="invalid_payload",
        title="Malformed request",
        detail="the request does not match the schema",
        errors=[
            {"location": [str(part) for part in item["loc"]], "message": item["msg"]}
            for item in errors
        ],
    )


def internal_error(instance: str) -> JSONResponse:
    return problem(
        instance,
        status=500,
        code="internal_error",
        title="Internal error",
        detail="something went wrong on our side; nothing was returned",
    )


async def _hub_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HubError)
    return hub_error(request.url.path, error)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return invalid_payload(request.url.path, error.errors())


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = _HTTP_CODES.get(error.status_code, "http_error")
    return problem(
        request.url.path,
        status=error.status_code,
        code=code,
        title=code.replace("_", " ").capitalize(),
        detail=str(error.detail),
        headers=getattr(error, "headers", None),
    )


def is_database_fault(error: BaseException) -> bool:
    """The database is out of reach or did not answer in time: a retry may succeed.

    A refused statement (a broken constraint, bad SQL) is a fault of ours, not of the
    database, and stays an internal error.
    """
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    if isinstance(error, DBAPIError) and is_failover_error(error.orig):
        return True  # a demoted primary during a failover (hub/db.py drops the connection)
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or type(error) is DBAPIError
    )


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    if not is_database_fault(error):
        raise error  # on to _unexpected, as any other bug
    log.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(error).__name__
    )
    unavailable = StorageUnavailable("the database did not answer; try again later")
    return hub_error(request.url.path, unavailable)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return internal_error(request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HubError, _hub_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unexpected)
