"""An access token for a service (no person): OAuth 2.0 client credentials (RFC 6749 §4.4).

For the one-shot jobs of a deployment, such as onboarding the first organisation. The
client authenticates with its secret (``client_secret_basic``); connectors between
organisations use ``private_key_jwt`` instead.
"""

from __future__ import annotations

import httpx


class TokenError(Exception):
    """The provider gave no token; the message says why (never the secret)."""


def client_credentials_token(
    issuer: str,
    client_id: str,
    client_secret: str,
    *,
    scope: str = "betrokken",
    http: httpx.Client | None = None,
) -> str:
    """A token from ``issuer``'s token endpoint, found through its discovery document."""
    own = http is None
    client = http or httpx.Client(timeout=10.0)
    try:
        discovery = client.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
        if discovery.status_code != 200:
            raise TokenError(f"discovery at the issuer answered {discovery.status_code}")
        endpoint = discovery.json().get("token_endpoint")
        if not isinstance(endpoint, str):
            raise TokenError("the issuer's discovery document names no token endpoint")
        answer = client.post(
            endpoint,
            data={"grant_type": "client_credentials", "scope": scope},
            auth=(client_id, client_secret),
        )
        body = (
            answer.json()
            if answer.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        if answer.status_code != 200 or not isinstance(body.get("access_token"), str):
            reason = body.get("error_description") or body.get("error") or answer.status_code
            raise TokenError(f"the token endpoint refused client {client_id}: {reason}")
        return str(body["access_token"])
    except httpx.HTTPError as error:
        raise TokenError(f"the identity provider could not be reached: {error}") from None
    finally:
        if own:
            client.close()
