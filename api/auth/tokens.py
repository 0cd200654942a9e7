"""Bearer token validation (RFC 9068 JWT access tokens) and the claim mapping to an Actor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from hub.actor import Actor, Role
from hub.errors import Forbidden, Unauthenticated


class KeySource(Protocol):
    """Gives the key set to verify a token with, by the token's ``kid``."""

    def __call__(self, kid: str | None) -> KeySet:
        """The keys, fetching them first if needed (may block on HTTP)."""

    def cached(self, kid: str | None) -> KeySet | None:
        """The keys if they are at hand and fresh, without any I/O; else None."""


class StaticKeys:
    """A key set known at start-up (the development provider's): never fetched."""

    def __init__(self, keys: KeySet) -> None:
        self._keys = keys

    def __call__(self, kid: str | None) -> KeySet:
        return self._keys

    def cached(self, kid: str | None) -> KeySet | None:
        return self._keys


_ROLES = frozenset(role.value for role in Role)
# RFC 9068 asks for ``at+jwt``; Keycloak and Entra ID send ``JWT``. Any other type (an ID
# token's ``id_token+jwt``, a DPoP proof, a logout token) is not an access token.
ACCEPTED_TYPES = frozenset({"at+jwt", "application/at+jwt", "jwt"})


class InvalidToken(Unauthenticated):
    code = "invalid_token"
    title = "Invalid bearer token"


@dataclass(frozen=True)
class ClaimMapping:
    """Which claims carry organisation, teams, roles and name (they differ per provider)."""

    organisation: str = "organisation"
    teams: str = "teams"
    roles: str = "roles"
    name: str = "name"
    issuer_organisations: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per issuer, the organisations its tokens may act for; empty: any (one issuer)."""


@dataclass(frozen=True)
class _Verified:
    claims: dict[str, Any]
    kid: str | None
    keys: KeySet
    valid_from: float
    valid_until: float
    """The seconds in which the time claims (``nbf``, ``iat``, ``exp``) pass, leeway included."""


VERIFIED_TOKENS = 10_000
"""Tokens whose signature was checked, remembered per process (a client reuses its token)."""


class TokenValidator:
    """Validate a JWT: signature by a pinned algorithm, then ``iss``/``aud``/``exp``/``nbf``.

    A token seen before with the same key set skips the signature check (the same bytes
    verify the same way) and the claims that cannot change (``iss``, ``aud``, ``sub``), but
    not the time: outside the window its time claims allow, all claims are checked again.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: Sequence[str],
        keys: KeySource,
        leeway: int = 30,
    ) -> None:
        forbidden = {alg for alg in algorithms if alg == "none" or alg.startswith("HS")}
        if forbidden:
            raise ValueError(f"refusing symmetric or no-signature algorithms: {forbidden}")
        self.issuer = issuer
        self.audience = audience
        self._algorithms = list(algorithms)
        self._keys = keys
        self._claims = jwt.JWTClaimsRegistry(
            leeway=leeway,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        self._verified: dict[str, _Verified] = {}

    def validate(self, token: str) -> dict[str, Any]:
        """The token's claims, fetching the issuer's keys if needed (blocking)."""
        claims = self._validate(token, fetch=True)
        assert claims is not None
        return claims

    def validate_cached(self, token: str) -> dict[str, Any] | None:
        """The token's claims if its key is at hand, without I/O; None if keys must be fetched.

        Safe on an event loop: a request whose key is cached (nearly all) is validated there,
        and only the rest go to a thread for :meth:`validate`.
        """
        return self._validate(token, fetch=False)

    def _validate(self, token: str, *, fetch: bool) -> dict[str, Any] | None:
        seen = self._verified.get(token)
        if seen is not None and self._keys.cached(seen.kid) is seen.keys:
            if seen.valid_from <= self._claims.now < seen.valid_until:
                return dict(seen.claims)
            try:
                self._claims.validate(seen.claims)
            except JoseError as error:
                self._verified.pop(token, None)
                raise InvalidToken(_describe(error)) from None
            return dict(seen.claims)
        try:
            header = extract_compact(token.encode("ascii")).protected
            # Checked before any key is looked up, so a forged header cannot force a refetch.
            if header.get("alg") not in self._algorithms:
                raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
            if header.get("typ", "JWT").lower() not in ACCEPTED_TYPES:
                raise InvalidToken(f"a {header.get('typ')!r} token is not an access token")
            kid = header.get("kid")
            kid = kid if isinstance(kid, str) else None
            keys = self._keys(kid) if fetch else self._keys.cached(kid)
            if keys is None:
                return None
            decoded = jwt.decode(token, keys, algorithms=self._algorithms)
            self._claims.validate(decoded.claims)
        except (JoseError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise InvalidToken(_describe(error)) from None
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = self._remembered(dict(decoded.claims), kid, keys)
        return dict(decoded.claims)

    def _remembered(self, claims: dict[str, Any], kid: str | None, keys: KeySet) -> _Verified:
        # As joserfc checks them: expired once now >= exp + leeway; not yet valid while
        # now < nbf - leeway (iat likewise). The claims passed just now, so they are numbers.
        leeway = self._claims.leeway
        starts = max((claims[name] for name in ("nbf", "iat") if name in claims), default=None)
        return _Verified(
            claims,
            kid,
            keys,
            valid_from=float("-inf") if starts is None else starts - leeway,
            valid_until=claims["exp"] + leeway,
        )


class IssuerValidators:
    """Several issuers, one validator each: a regional hub serves several municipalities'
    identity providers. The token's ``iss`` (read before its signature) picks the validator,
    which then checks signature and ``iss`` for real; an issuer not configured is refused."""

    def __init__(self, validators: Sequence[TokenValidator]) -> None:
        self._by_issuer = {validator.issuer: validator for validator in validators}
        self.issuer = next(iter(self._by_issuer))  # the first, for what names one issuer

    @property
    def issuers(self) -> tuple[str, ...]:
        return tuple(self._by_issuer)

    def validate(self, token: str) -> dict[str, Any]:
        return self._for(token).validate(token)

    def validate_cached(self, token: str) -> dict[str, Any] | None:
        return self._for(token).validate_cached(token)

    def _for(self, token: str) -> TokenValidator:
        try:
            claims = json.loads(extract_compact(token.encode("ascii")).payload)
        except (JoseError, ValueError, UnicodeError, TypeError) as error:
            raise InvalidToken(_describe(error)) from None
        issuer = claims.get("iss") if isinstance(claims, dict) else None
        validator = self._by_issuer.get(issuer) if isinstance(issuer, str) else None
        if validator is None:
            raise InvalidToken("the token's issuer is not accepted by this hub")
        return validator


def _describe(error: Exception) -> str:
    name = getattr(error, "error", None) or type(error).__name__
    description = getattr(error, "description", None)
    return f"{name}: {description}" if description else str(name)


def actor_from_claims(
    claims: dict[str, Any],
    mapping: ClaimMapping,
    *,
    acting_team: str | None = None,
    request_id: str | None = None,
    trace_id: str | None = None,
) -> Actor:
    """Map provider claims to an Actor; unknown roles are ignored, not trusted.

    The acting team is ``acting_team`` (the ``Betrokken-Team`` header), which must be one
    of the token's teams, or else the token's only team. A member of several teams who
    names none acts for no team, so team-bound actions are refused rather than guessed.
    """
    teams = _as_list(claim_value(claims, mapping.teams))
    roles = frozenset(Role(r) for r in _as_list(claim_value(claims, mapping.roles)) if r in _ROLES)
    organisation = claim_value(claims, mapping.organisation)
    if not isinstance(organisation, str) or not organisation:
        raise InvalidToken(f"the token has no '{mapping.organisation}' claim")
    if mapping.issuer_organisations:
        allowed = dict(mapping.issuer_organisations).get(str(claims.get("iss")), ())
        if organisation not in allowed:
            raise InvalidToken("tokens of this issuer may not act for that organisation")
    if acting_team is not None and acting_team not in teams:
        raise Forbidden("the Betrokken-Team header names a team that is not in your token")
    team = acting_team if acting_team is not None else (teams[0] if len(teams) == 1 else None)
    client_id = claims.get("client_id") or claims.get("azp")
    return Actor(
        sub=str(claims["sub"]),
        name=str(claim_value(claims, mapping.name) or claims["sub"]),
        organisation=organisation,
        team=team,
        teams=tuple(teams),
        roles=roles,
        client_id=str(client_id) if client_id else None,
        request_id=request_id,
        trace_id=trace_id,
    )


def claim_value(claims: dict[str, Any], name: str) -> object:
    """A claim by name, or by a dotted path into nested claims (``realm_access.roles``).

    The exact name wins, because namespaced claims such as ``https://example.nl/teams``
    contain dots themselves.
    """
    if name in claims:
        return claims[name]
    value: object = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split() if " " in value else [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
