"""The development identity provider's metadata and JWKS, for the embedded default only.

The app includes this router only when no real issuer is configured, which production
requires; the provider itself refuses to load in production as a second guard.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.auth.dev_idp import DevIdentityProvider
from api.deps import RuntimeDep

router = APIRouter(prefix="/dev-idp", tags=["development"], include_in_schema=False)


@router.get("/.well-known/openid-configuration")
def dev_idp_metadata(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Where the development provider's public key is; tokens come from ``betrokken dev-token``."""
    idp = DevIdentityProvider.for_settings(runtime.settings)
    return idp.metadata(jwks_uri=str(request.url_for("dev_idp_jwks")))


@router.get("/jwks.json")
def dev_idp_jwks(runtime: RuntimeDep) -> dict[str, Any]:
    """The public key that signs development tokens."""
    return DevIdentityProvider.for_settings(runtime.settings).jwks_document()
