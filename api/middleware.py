"""Small middleware shared by the hub and the pseudonymiser."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.settings import Settings

API_VERSION = "1.0.0"

Header = tuple[bytes, bytes]

PSEUDONYMISER_CSP = "default-src 'none'; frame-ancestors 'none'"
"""The pseudonymiser serves JSON only: nothing on its pages may load or frame anything."""


class VersionHeader:
    """Every response names the API version (NL API Design Rules, API-57) and carries the
    security headers (``security_headers``), whoever answered it: FastAPI, the direct
    routes or the body checks.

    Plain ASGI rather than ``@app.middleware("http")``: the latter wraps each request in a
    task group and memory streams, which cost more CPU than an involvement check's own
    rules (docs/benchmarks.md). The headers are encoded once, here, not per response.
    """

    def __init__(
        self, app: ASGIApp, version: str = API_VERSION, headers: Iterable[Header] = ()
    ) -> None:
        self.app = app
        self.headers: tuple[Header, ...] = (
            (b"api-version", version.encode("latin-1")),
            *headers,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_version)


def origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL; None for anything else (a URN)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings) -> str:
    """The hub's CSP: everything from the hub itself, and the browser may call the
    pseudonymiser and the identity provider (when that is reached over http(s)). The
    development provider's login form may redirect to the other registered redirect URIs."""
    connect = _sources(settings.pseudonymiser_browser_url, settings.oidc_issuer)
    forms = _sources(*settings.web_redirect_uris)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src {connect}; manifest-src 'self'; "
        f"worker-src 'self'; form-action {forms}; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    )


def _sources(*urls: str | None) -> str:
    """``'self'`` and the origins of ``urls`` (those with one), once each."""
    sources = ["'self'"]
    for url in urls:
        found = origin(url)
        if found is not None and found not in sources:
            sources.append(found)
    return " ".join(sources)


def security_headers(policy: str) -> tuple[Header, ...]:
    """The headers on every response, with ``policy`` as the Content-Security-Policy."""
    return (
        (b"content-security-policy", policy.encode("latin-1")),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
    )


def install_version_header(
    app: FastAPI, version: str = API_VERSION, headers: Sequence[Header] = ()
) -> None:
    app.add_middleware(VersionHeader, version=version, headers=headers)


def install_cors(app: FastAPI, origins: Sequence[str]) -> None:
    """Let the web app on ``origins`` call ``app`` from a browser: GET and POST with a bearer
    token and a JSON body, no cookies; it may read how long to wait after a 429."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
        expose_headers=["Retry-After"],
    )
