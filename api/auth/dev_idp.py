"""A built-in identity provider for the embedded default: demo users, never production.

It signs RS256 access tokens shaped like RFC 9068 with a key kept in the data directory,
and publishes the matching JWKS, so the hub validates its tokens the way it validates a
real provider's.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from hub.errors import ConfigurationError
from hub.settings import Settings

DEV_ISSUER = "urn:betrokken:dev-idp"
DEV_KEY_FILE = "dev-idp.json"
DEFAULT_ORGANISATION = "gemeente-voorbeeld"


class DevIdentityProvider:
    def __init__(self, key: RSAKey, *, issuer: str = DEV_ISSUER, audience: str) -> None:
        self._key = key
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def for_settings(cls, settings: Settings) -> DevIdentityProvider:
        if settings.is_production:
            raise ConfigurationError("the development identity provider is off in production")
        key = _load_or_create_key(settings.keys_dir / DEV_KEY_FILE)
        return cls(key, audience=settings.oidc_audience)

    def jwks(self) -> KeySet:
        return KeySet([RSAKey.import_key(self._key.as_dict(private=False))])

    def issue(
        self,
        *,
        member: str,
        roles: list[str],
        team: str | None = None,
        organisation: str = DEFAULT_ORGANISATION,
        name: str | None = None,
        lifetime: int = 8 * 3600,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": member,
            "client_id": "betrokken-dev",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            "name": name or member,
            "organisation": organisation,
            "teams": [team] if team else [],
            "roles": roles,
        }
        header = {"alg": "RS256", "typ": "at+jwt", "kid": self._key.kid}
        return jwt.encode(header, claims, self._key)


def _load_or_create_key(path: Path) -> RSAKey:
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    key = RSAKey.generate_key(2048, auto_kid=True)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(key.as_dict(private=True)))
    return key
