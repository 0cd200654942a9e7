"""The development identity provider, for the embedded default only: its metadata, keys and
the authorization code flow with PKCE for the web app (``api/auth/dev_login.py``).

The app includes this router only when no real issuer is configured, which production
requires; the provider itself refuses to load in production as a second guard.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from api import static
from api.auth import dev_login
from api.auth.dev_client_credentials import client_of
from api.auth.dev_idp import DevIdentityProvider
from api.auth.dev_login import (
    AuthorizationCodes,
    AuthorizationRefused,
    AuthorizationRequest,
    TokenRefused,
)
from api.deps import AppSettings, RuntimeDep
from hub.settings import Settings

router = APIRouter(prefix="/dev-idp", tags=["development"], include_in_schema=False)

FORM_PATHS = frozenset({dev_login.AUTHORIZE_PATH, "/dev-idp/token"})
"""The routes that take a form body (OAuth 2.0) rather than JSON (``api/bodies.py``)."""
_STYLESHEET = Path(str(files(static))) / "dev-login.css"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _codes(request: Request) -> AuthorizationCodes:
    codes: AuthorizationCodes = request.app.state.dev_codes
    return codes


@router.get("/.well-known/openid-configuration")
def dev_idp_metadata(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Where the development provider's key and endpoints are."""
    idp = DevIdentityProvider.for_settings(runtime.settings)
    return idp.metadata(
        jwks_uri=str(request.url_for("dev_idp_jwks")),
        authorization_endpoint=str(request.url_for("dev_idp_login_page")),
        token_endpoint=str(request.url_for("dev_idp_token")),
    )


@router.get("/jwks.json")
def dev_idp_jwks(runtime: RuntimeDep) -> dict[str, Any]:
    """The public key that signs development tokens."""
    return DevIdentityProvider.for_settings(runtime.settings).jwks_document()


@router.get("/login.css")
async def dev_idp_stylesheet() -> FileResponse:
    return FileResponse(_STYLESHEET, media_type="text/css")


@router.get("/authorize")
async def dev_idp_login_page(request: Request, settings: AppSettings) -> HTMLResponse:
    """The login page listing the demo users, or why the request is refused."""
    try:
        authorization = AuthorizationRequest.checked(
            request.query_params, settings=settings, base_url=str(request.base_url)
        )
    except AuthorizationRefused as refused:
        return HTMLResponse(dev_login.error_page(str(refused)), 400, headers=_NO_STORE)
    return HTMLResponse(dev_login.login_page(authorization), headers=_NO_STORE)


@router.post("/authorize", response_model=None)
async def dev_idp_authorize(
    request: Request, settings: AppSettings
) -> RedirectResponse | HTMLResponse:
    """The chosen demo user's code, redirected (303) to the checked redirect URI."""
    try:
        fields = dev_login.form_fields(await request.body())
        authorization = AuthorizationRequest.checked(
            fields, settings=settings, base_url=str(request.base_url)
        )
        member = fields.get("member", "")
        if member not in dev_login.login_users():
            raise AuthorizationRefused("choose one of the demo users")
    except (AuthorizationRefused, TokenRefused) as refused:
        return HTMLResponse(dev_login.error_page(str(refused)), 400, headers=_NO_STORE)
    idp = DevIdentityProvider.for_settings(settings)
    code = _codes(request).issue(member, authorization)
    target = dev_login.redirect_with_code(authorization, code, idp.issuer)
    return RedirectResponse(target, status_code=303, headers=_NO_STORE)


@router.post("/token")
async def dev_idp_token(request: Request, settings: AppSettings) -> JSONResponse:
    """A code and its PKCE verifier for an access token and an ID token (RFC 6749 §4.1.3),
    or a demo connector's client credentials for an access token (§4.4)."""
    try:
        fields = dev_login.form_fields(await request.body())
        if fields.get("grant_type") == "client_credentials":
            client = client_of(
                fields,
                request.headers.get("authorization"),
                secrets=settings.dev_client_secrets,
            )
            return _client_token(settings, client)
        if fields.get("grant_type") != "authorization_code":
            raise TokenRefused(
                "unsupported_grant_type", "authorization_code or client_credentials only"
            )
        missing = [
            name
            for name in ("code", "redirect_uri", "client_id", "code_verifier")
            if not fields.get(name)
        ]
        if missing:
            raise TokenRefused("invalid_request", f"missing: {', '.join(missing)}")
        grant = _codes(request).redeem(
            fields["code"],
            client_id=fields["client_id"],
            redirect_uri=fields["redirect_uri"],
            code_verifier=fields["code_verifier"],
        )
    except TokenRefused as refused:
        return JSONResponse(
            {"error": refused.error, "error_description": refused.description},
            status_code=401 if refused.error == "invalid_client" else 400,
            headers=_NO_STORE,
        )
    idp = DevIdentityProvider.for_settings(settings)
    lifetime = settings.dev_token_seconds
    return JSONResponse(
        {
            "access_token": idp.issue_for(
                grant.member, lifetime=lifetime, client_id=grant.client_id
            ),
            "token_type": "Bearer",
            "expires_in": lifetime,
            "id_token": idp.id_token(
                grant.member, client_id=grant.client_id, nonce=grant.nonce, lifetime=lifetime
            ),
            "scope": grant.scope,
        },
        headers=_NO_STORE,
    )


def _client_token(settings: Settings, client: str) -> JSONResponse:
    """An access token for a connector client: its demo identity, no ID token."""
    idp = DevIdentityProvider.for_settings(settings)
    lifetime = settings.dev_token_seconds
    return JSONResponse(
        {
            "access_token": idp.issue_for(client, lifetime=lifetime, client_id=client),
            "token_type": "Bearer",
            "expires_in": lifetime,
        },
        headers=_NO_STORE,
    )
