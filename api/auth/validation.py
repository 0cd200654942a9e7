"""Which token validator a service uses: the development provider's keys or the issuer's JWKS."""

from __future__ import annotations

from api.auth.dev_idp import DevIdentityProvider
from api.auth.tokens import ClaimMapping, TokenValidator
from hub.settings import Settings


def claim_mapping(settings: Settings) -> ClaimMapping:
    return ClaimMapping(
        organisation=settings.claim_organisation,
        teams=settings.claim_teams,
        roles=settings.claim_roles,
        name=settings.claim_name,
    )


def build_token_validator(settings: Settings) -> TokenValidator:
    if settings.oidc_issuer is None:
        idp = DevIdentityProvider.for_settings(settings)
        keys = idp.jwks()
        return TokenValidator(
            issuer=idp.issuer,
            audience=settings.oidc_audience,
            algorithms=["RS256"],
            keys=lambda _kid: keys,
            leeway=settings.oidc_leeway_seconds,
        )
    raise NotImplementedError("OIDC discovery arrives with the identity issue")
