"""Which token validator a service uses: the development provider's keys or the issuer's JWKS."""

from __future__ import annotations

import httpx

from api.auth.dev_idp import DevIdentityProvider
from api.auth.jwks import JwksCache, discover, new_http_client, require_secure_transport
from api.auth.tokens import ClaimMapping, IssuerValidators, StaticKeys, TokenValidator
from hub.settings import Settings


def claim_mapping(settings: Settings) -> ClaimMapping:
    return ClaimMapping(
        organisation=settings.claim_organisation,
        teams=settings.claim_teams,
        roles=settings.claim_roles,
        name=settings.claim_name,
        issuer_organisations=tuple(
            (issuer, tuple(organisations))
            for issuer, organisations in settings.oidc_issuer_organisations.items()
        ),
    )


def build_token_validator(
    settings: Settings, *, http: httpx.Client | None = None
) -> TokenValidator | IssuerValidators:
    """The development provider's key when no issuer is set, else discovery + a JWKS cache.

    Discovery and the first JWKS fetch happen here, so an unreachable or misconfigured
    provider stops start-up with a :class:`ConfigurationError` instead of failing requests.
    """
    if settings.oidc_issuer is None:
        idp = DevIdentityProvider.for_settings(settings)
        return TokenValidator(
            issuer=idp.issuer,
            audience=settings.oidc_audience,
            algorithms=["RS256"],
            keys=StaticKeys(idp.jwks()),
            leeway=settings.oidc_leeway_seconds,
        )
    issuers = list(dict.fromkeys([settings.oidc_issuer, *settings.oidc_issuer_organisations]))
    if len(issuers) > 1:  # a regional hub: each municipality's provider, by its issuer
        http = http or new_http_client()
        return IssuerValidators(
            [_issuer_validator(settings, issuer, http=http) for issuer in issuers]
        )
    return _issuer_validator(settings, settings.oidc_issuer, http=http)


def _issuer_validator(
    settings: Settings, issuer: str, *, http: httpx.Client | None
) -> TokenValidator:
    https_only = settings.is_production and settings.oidc_require_https
    if https_only:
        require_secure_transport(issuer, what="issuer")
    http = http or new_http_client()
    metadata = discover(issuer, http=http)
    if https_only:
        require_secure_transport(metadata.jwks_uri, what="jwks_uri")
    cache = JwksCache(metadata.jwks_uri, http=http, ttl=settings.oidc_jwks_ttl_seconds)
    cache.prime()
    return TokenValidator(
        issuer=issuer,
        audience=settings.oidc_audience,
        algorithms=settings.oidc_algorithms,
        keys=cache,
        leeway=settings.oidc_leeway_seconds,
    )
