"""The web app (``web/dist``, built by ``make web``) at ``/app/``, and what it is told.

The files are served as they are, from ``BETROKKEN_WEB_DIR``; nothing outside that
directory is reachable. The pages that must be fresh (the HTML, the service worker, the
configuration) are ``no-cache``; the rest may be kept a few minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from api.auth.dev_idp import DEV_ISSUER
from api.deps import AppSettings
from hub.errors import NotFound
from hub.settings import Settings

router = APIRouter(include_in_schema=False, tags=["web app"])

APP_PATH = "/app/"
API_PATH = "/api/v1"
INDEX = "index.html"
CALLBACK = "callback.html"

NO_CACHE = {"Cache-Control": "no-cache"}
FRESH = frozenset({INDEX, CALLBACK, "sw.js", "config.json"})
KEPT = {"Cache-Control": "public, max-age=300"}

MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain",
}
"""The types the app's files are served as; anything else is ``application/octet-stream``
(with ``nosniff`` on every response, a browser believes the type it is given)."""


class WebAppNotBuilt(NotFound):
    code = "web_app_not_built"
    title = "The web app is not built"


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse(APP_PATH, status_code=307)


@router.get("/app")
async def app_without_slash() -> RedirectResponse:
    return RedirectResponse(APP_PATH, status_code=307)


@router.get("/favicon.ico", include_in_schema=False)
def favicon(settings: AppSettings) -> FileResponse:
    """The app's icon for the hub's own pages (the development login, the API docs), which
    browsers ask for at this address."""
    return web_file(settings.web_dir, "icon.svg")


@router.get("/app/config.json")
async def web_config(request: Request, settings: AppSettings) -> JSONResponse:
    """Where the app finds the API, the pseudonymiser and the identity provider."""
    return JSONResponse(web_configuration(settings, str(request.base_url)), headers=NO_CACHE)


@router.get("/app/")
def web_index(settings: AppSettings) -> FileResponse:
    return web_file(settings.web_dir, INDEX)


@router.get("/app/{path:path}")
def web_asset(path: str, settings: AppSettings) -> FileResponse:
    return web_file(settings.web_dir, path)


def web_configuration(settings: Settings, base_url: str) -> dict[str, Any]:
    """``/app/config.json``; absolute URLs are the hub's as the request reached it."""
    base = base_url.rstrip("/")
    oidc: dict[str, Any] = {"issuer": settings.oidc_issuer or DEV_ISSUER}
    if settings.oidc_issuer is None:  # the development provider; a real one is discovered
        oidc["authorization_endpoint"] = f"{base}/dev-idp/authorize"
        oidc["token_endpoint"] = f"{base}/dev-idp/token"
    oidc |= {
        "client_id": settings.web_client_id,
        "scope": settings.web_scope,
        "resource": settings.web_resource,
        "redirect_uri": f"{base}{APP_PATH}{CALLBACK}",
    }
    return {
        "api": API_PATH,
        "pseudonymiser": settings.pseudonymiser_browser_url,
        "epoch": None,
        "oidc": oidc,
        "development": not settings.is_production,
    }


def web_file(web_dir: Path, path: str) -> FileResponse:
    """The file at ``path`` under ``web_dir``; a 404 for anything else (or outside it)."""
    root = web_dir.resolve()
    if not (root / INDEX).is_file():
        raise WebAppNotBuilt("the web app is not built: run `make web` in the repository")
    wanted = (root / (path or INDEX)).resolve()
    if not wanted.is_relative_to(root) or not wanted.is_file():
        raise NotFound("the web app has no such file")
    media_type = MEDIA_TYPES.get(wanted.suffix.lower(), "application/octet-stream")
    headers = NO_CACHE if wanted.name in FRESH and wanted.parent == root else KEPT
    return FileResponse(wanted, media_type=media_type, headers=headers)
