"""Bearer token validation (RFC 9068 JWT access tokens) and the claim mapping to an Actor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from hub.actor import Actor, Role
from hub.errors import Unauthenticated

KeySource = Callable[[str | None], KeySet]
"""Gives the key set to verify with; the argument is the token's ``kid`` (for refetching)."""


_ROLES = frozenset(role.value for role in Role)


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


class TokenValidator:
    """Validate a JWT: signature by a pinned algorithm, then ``iss``/``aud``/``exp``/``nbf``."""

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

    def validate(self, token: str) -> dict[str, Any]:
        try:
            kid = _unverified_kid(token)
            decoded = jwt.decode(token, self._keys(kid), algorithms=self._algorithms)
            self._claims.validate(decoded.claims)
        except (JoseError, ValueError, KeyError, TypeError) as error:
            raise InvalidToken(_describe(error)) from None
        return dict(decoded.claims)


def _unverified_kid(token: str) -> str | None:
    header = extract_compact(token.encode("ascii")).protected
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def _describe(error: Exception) -> str:
    name = getattr(error, "error", None) or type(error).__name__
    description = getattr(error, "description", None)
    return f"{name}: {description}" if description else str(name)


def actor_from_claims(
    claims: dict[str, Any],
    mapping: ClaimMapping,
    *,
    request_id: str | None = None,
    trace_id: str | None = None,
) -> Actor:
    """Map provider claims to an Actor; unknown roles are ignored, not trusted."""
    teams = _as_list(claims.get(mapping.teams))
    roles = frozenset(Role(r) for r in _as_list(claims.get(mapping.roles)) if r in _ROLES)
    organisation = claims.get(mapping.organisation)
    if not isinstance(organisation, str) or not organisation:
        raise InvalidToken(f"the token has no '{mapping.organisation}' claim")
    client_id = claims.get("client_id") or claims.get("azp")
    return Actor(
        sub=str(claims["sub"]),
        name=str(claims.get(mapping.name) or claims["sub"]),
        organisation=organisation,
        team=teams[0] if teams else None,
        teams=tuple(teams),
        roles=roles,
        client_id=str(client_id) if client_id else None,
        request_id=request_id,
        trace_id=trace_id,
    )


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split() if " " in value else [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
