"""Small middleware shared by the hub and the pseudonymiser."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_VERSION = "1.0.0"


class VersionHeader:
    """Every response names the API version (NL API Design Rules, API-57).

    Plain ASGI rather than ``@app.middleware("http")``: the latter wraps each request in a
    task group and memory streams, which cost more CPU than an involvement check's own
    rules (docs/benchmarks.md).
    """

    def __init__(self, app: ASGIApp, version: str = API_VERSION) -> None:
        self.app = app
        self.header = (b"api-version", version.encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), self.header]
            await send(message)

        await self.app(scope, receive, send_with_version)


def install_version_header(app: FastAPI, version: str = API_VERSION) -> None:
    app.add_middleware(VersionHeader, version=version)
