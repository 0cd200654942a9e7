"""The development provider's client credentials grant (RFC 6749 §4.4), for the demo
connectors: a client id and secret (``BETROKKEN_DEV_CLIENT_SECRETS``) for an access
token of that client's demo identity, as a real provider gives a connector.

No secret is built in: without the setting the grant is refused, and the development
provider itself is off in production.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from urllib.parse import unquote

from api.auth.dev_idp import DEMO_USERS
from api.auth.dev_login import TokenRefused


def client_of(
    fields: Mapping[str, str], authorization: str | None, *, secrets: Mapping[str, str]
) -> str:
    """The authenticated connector client of a token request, or ``TokenRefused``.

    The client authenticates with HTTP Basic (``client_secret_basic``) or in the form
    (``client_secret_post``), not both.
    """
    client_id, secret = _credentials(fields, authorization)
    expected = secrets.get(client_id)
    user = DEMO_USERS.get(client_id)
    if (
        expected is None
        or user is None
        or user.is_person
        or not hmac.compare_digest(expected.encode("utf-8"), secret.encode("utf-8"))
    ):
        raise TokenRefused("invalid_client", "unknown client or wrong secret")
    return client_id


def _credentials(fields: Mapping[str, str], authorization: str | None) -> tuple[str, str]:
    scheme, _, encoded = (authorization or "").partition(" ")
    in_form = fields.get("client_id") is not None or fields.get("client_secret") is not None
    if scheme.lower() == "basic":
        if in_form and fields.get("client_secret") is not None:
            raise TokenRefused("invalid_request", "authenticate the client one way only")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise TokenRefused("invalid_client", "malformed Basic credentials") from None
        client_id, separator, secret = decoded.partition(":")
        if not separator:
            raise TokenRefused("invalid_client", "malformed Basic credentials")
        return unquote(client_id), unquote(secret)
    client_id, secret = fields.get("client_id", ""), fields.get("client_secret", "")
    if not client_id or not secret:
        raise TokenRefused("invalid_client", "client authentication is required")
    return client_id, secret
