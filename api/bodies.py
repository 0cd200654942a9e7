"""Request bodies: at most ``max_bytes``, refused before they are read, and UTF-8 JSON.

One ASGI layer in front of each app (the hub's direct routes included), so that every route
refuses an oversized or non-JSON body the same way and before anything reads it. A declared
``Content-Length`` over the limit is answered at once; a streamed (chunked) body is counted
as it arrives and reading stops at the limit, so a client cannot make the hub hold more than
the limit and one chunk of it. A JSON body is checked to be UTF-8 as it streams, so that a
body that is not is a 422 on every route, as malformed JSON is (FastAPI made it a 400).
"""

from __future__ import annotations

import codecs
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods whose body, when they have one, must be UTF-8 JSON (415 otherwise)."""


class BodyRefused(HTTPException):
    """Raised from ``receive`` when the body streaming in is refused.

    An ``HTTPException`` because FastAPI passes those on from reading a body (it turns any
    other error there into a 400); the direct routes pass it on to ``RequestBodies``.
    """


class BodyTooLarge(BodyRefused):
    """The body passed the limit: a 413, rendered by FastAPI's handler of HTTP errors."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(max_bytes))


class BodyNotUtf8(BodyRefused):
    """The body is not UTF-8: a 422 like any malformed body (``install`` its handler)."""

    def __init__(self) -> None:
        super().__init__(422, _NOT_UTF8["msg"])


_NOT_UTF8: dict[str, Any] = {"loc": ("body",), "msg": "the body is not valid UTF-8"}


class RequestBodies:
    """Refuses bodies over ``max_bytes`` (413) and bodies not declared UTF-8 JSON (415).

    The paths of ``form_paths`` (the development provider's OAuth endpoints) take an
    ``application/x-www-form-urlencoded`` body instead; its size is limited all the same.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, form_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.form_paths = form_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in reversed(scope["headers"])}
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        has_body = (length is not None and int(length) > 0) or b"transfer-encoding" in headers
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        json_body = has_body and scope["method"] in BODY_METHODS
        if json_body and scope["path"] in self.form_paths and is_form(content_type):
            json_body = False
        if json_body and not is_utf8_json(content_type):
            response = problems.problem(
                scope["path"],
                status=415,
                code="unsupported_media_type",
                title="Unsupported media type",
                detail="send the body as application/json in UTF-8",
            )
            await response(scope, receive, send)
            return

        received = 0
        started = False
        utf8 = codecs.getincrementaldecoder("utf-8")()

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                try:
                    if json_body:
                        utf8.decode(chunk, final=not message.get("more_body", False))
                except UnicodeDecodeError:
                    raise BodyNotUtf8() from None
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send)
        except BodyNotUtf8:
            if started:
                raise
            await problems.invalid_payload(scope["path"], [_NOT_UTF8])(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problems.problem(
            scope["path"],
            status=413,
            code="payload_too_large",
            title="Payload too large",
            detail=_too_large(self.max_bytes),
        )
        await response(scope, receive, send)


async def _not_utf8(request: Request, error: Exception) -> JSONResponse:
    return problems.invalid_payload(request.url.path, [_NOT_UTF8])


def install(app: FastAPI) -> None:
    """Have ``app`` answer a body that is not UTF-8 as it answers malformed JSON."""
    app.add_exception_handler(BodyNotUtf8, _not_utf8)


def is_utf8_json(content_type: str) -> bool:
    """``application/json`` or ``application/*+json``, with no charset or ``utf-8``."""
    media_type, *parameters = content_type.split(";")
    kind, _, subtype = media_type.strip().lower().partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def is_form(content_type: str) -> bool:
    """``application/x-www-form-urlencoded`` (what an HTML form and an OAuth client send)."""
    return content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def _too_large(max_bytes: int) -> str:
    return f"the body may have at most {max_bytes} bytes"
