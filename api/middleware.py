"""Small middleware shared by the hub and the pseudonymiser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

API_VERSION = "1.0.0"


def install_version_header(app: FastAPI, version: str = API_VERSION) -> None:
    """Every response names the API version (NL API Design Rules, API-57)."""

    @app.middleware("http")
    async def api_version_header(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["API-Version"] = version
        return response
