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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from hub.errors import ConfigurationError
from hub.keys import private_directory
from hub.settings import Settings

# A URN, not the hub's URL: a dev token must not depend on the address the hub is reached at,
# and the hub checks it with the key file, not over the network.
DEV_ISSUER = "urn:betrokken:dev-idp"
DEV_KEY_FILE = "dev-idp.json"
DEFAULT_ORGANISATION = "gemeente-voorbeeld"


@dataclass(frozen=True)
class DemoUser:
    """A person (or connector client) of the demo municipality, for tokens and tests.

    ``teams`` are the teams the token names; a member of several acts for the one the
    ``Betrokken-Team`` header names.
    """

    name: str
    roles: tuple[str, ...]
    teams: tuple[str, ...] = ()
    organisation: str = DEFAULT_ORGANISATION

    @property
    def is_person(self) -> bool:
        """Signs in at the login page (a connector client does not)."""
        return "connector" not in self.roles


DEMO_USERS: dict[str, DemoUser] = {
    "anna": DemoUser("Anna de Vries, handhaver", ("professional",), ("pw-handhaving",)),
    "carla": DemoUser("Carla Jansen, teamleider handhaving", ("team_lead",), ("pw-handhaving",)),
    "lotte": DemoUser("Lotte Bos, handhaver", ("professional",), ("pw-handhaving", "vth-toezicht")),
    "bram": DemoUser("Bram Bakker, schuldhulpverlener", ("professional",), ("schuldhulp",)),
    "sanne": DemoUser("Sanne Visser, teamleider schuldhulp", ("team_lead",), ("schuldhulp",)),
    "wim": DemoUser("Wim de Boer, Wmo-consulent", ("professional",), ("wmo-pgb",)),
    "jesse": DemoUser("Jesse Mulder, jeugdprofessional", ("professional",), ("jeugd-wijkteam",)),
    "joke": DemoUser("Joke Smit, teamleider jeugd", ("team_lead",), ("jeugd-wijkteam",)),
    "vincent": DemoUser("Vincent Kok, vergunningverlener", ("professional",), ("vergunningen",)),
    "tessa": DemoUser("Tessa Peters, toezichthouder VTH", ("professional",), ("vth-toezicht",)),
    "fatima": DemoUser("Fatima El Amrani, functionaris gegevensbescherming", ("privacy_officer",)),
    "beheer": DemoUser("Applicatiebeheer", ("admin",)),
    "marieke": DemoUser("Marieke de Wit, functioneel beheerder", ("functioneel_beheerder",)),
    "betrokken-connector-laa": DemoUser("LAA connector", ("connector",), ("adreskwaliteit",)),
    "betrokken-connector-lsi": DemoUser("LSI connector", ("connector",), ("interventieteam",)),
}


class DevIdentityProvider:
    def __init__(self, key: RSAKey, *, issuer: str = DEV_ISSUER, audience: str) -> None:
        self._key = key
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def for_settings(cls, settings: Settings, *, create: bool = True) -> DevIdentityProvider:
        """The provider of the hub with these settings; ``create=False`` (``betrokken
        dev-token``) refuses to make a key: one the hub does not have signs tokens it
        rejects with "No key for kid"."""
        if settings.is_production:
            raise ConfigurationError("the development identity provider is off in production")
        path = settings.keys_dir / DEV_KEY_FILE
        if not create and not path.exists():
            raise ConfigurationError(
                f"no development signing key in {settings.keys_dir.resolve()}: start the hub "
                "first (`make run` in the repository), or set BETROKKEN_DATA_DIR to the data "
                "directory of the hub you want a token for"
            )
        return cls(_load_or_create_key(path), audience=settings.oidc_audience)

    def jwks(self) -> KeySet:
        return KeySet([RSAKey.import_key(self._key.as_dict(private=False))])

    def jwks_document(self) -> dict[str, Any]:
        """The public JWK set, as the hub publishes it at ``/dev-idp/jwks.json``."""
        return {"keys": [{**self._key.as_dict(private=False), "use": "sig", "alg": "RS256"}]}

    def metadata(
        self, *, jwks_uri: str, authorization_endpoint: str, token_endpoint: str
    ) -> dict[str, Any]:
        """Provider metadata (RFC 8414 fields): the authorization code flow with PKCE (S256)
        for the web app, client credentials for the demo connectors
        (``BETROKKEN_DEV_CLIENT_SECRETS``); other tokens come from ``betrokken dev-token``."""
        return {
            "issuer": self.issuer,
            "jwks_uri": jwks_uri,
            "authorization_endpoint": authorization_endpoint,
            "token_endpoint": token_endpoint,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "none",
                "client_secret_basic",
                "client_secret_post",
            ],
            "authorization_response_iss_parameter_supported": True,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "name", "organisation", "teams", "roles", "client_id"],
        }

    def issue_for(
        self, member: str, *, lifetime: int = 8 * 3600, client_id: str = "betrokken-dev"
    ) -> str:
        """An access token for one of :data:`DEMO_USERS`."""
        user = DEMO_USERS[member]
        return self.issue(
            member=member,
            roles=list(user.roles),
            teams=user.teams,
            organisation=user.organisation,
            name=user.name,
            lifetime=lifetime,
            client_id=client_id,
        )

    def id_token(self, member: str, *, client_id: str, nonce: str | None, lifetime: int) -> str:
        """An OpenID Connect ID token for one of :data:`DEMO_USERS`, for ``client_id``."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": member,
            "name": DEMO_USERS[member].name,
            "iat": now,
            "exp": now + lifetime,
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": self._key.kid}, claims, self._key)

    def issue(
        self,
        *,
        member: str,
        roles: list[str],
        team: str | None = None,
        organisation: str = DEFAULT_ORGANISATION,
        name: str | None = None,
        lifetime: int = 8 * 3600,
        teams: Sequence[str] | None = None,
        client_id: str = "betrokken-dev",
    ) -> str:
        """An access token; ``teams`` (several) wins over ``team`` (one)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": member,
            "client_id": client_id,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": str(uuid.uuid4()),
            "name": name or member,
            "organisation": organisation,
            "teams": list(teams) if teams is not None else ([team] if team else []),
            "roles": roles,
        }
        header = {"alg": "RS256", "typ": "at+jwt", "kid": self._key.kid}
        return jwt.encode(header, claims, self._key)


def _load_or_create_key(path: Path) -> RSAKey:
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    key = RSAKey.generate_key(2048, auto_kid=True)
    private_directory(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(key.as_dict(private=True)))
    return key
