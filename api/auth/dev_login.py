"""The development provider's authorization code flow (RFC 6749 with PKCE, RFC 7636).

For the web app on the embedded default: a login page lists the demo users, the chosen
one's code is redirected to the app's callback page, and the app exchanges it (with its
PKCE verifier) for an access token and an ID token. Codes are random, single use, valid
for a minute and kept in this process's memory only. Never in production: the router is
included only without a real issuer, and the provider refuses production settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl, urlencode

from api.auth.dev_idp import DEMO_USERS, DemoUser
from hub.settings import Settings

CODE_SECONDS = 60.0
CALLBACK_PATH = "/app/callback.html"
STYLESHEET_PATH = "/dev-idp/login.css"
AUTHORIZE_PATH = "/dev-idp/authorize"
_PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256, no padding
AUTHORIZATION_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
)
_LONGEST_FIELD = 2048


class AuthorizationRefused(Exception):
    """The request cannot be answered with a redirect: shown on an error page instead."""


class TokenRefused(Exception):
    """An RFC 6749 §5.2 error of the token endpoint."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request: a known client, its redirect URI, PKCE S256."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    state: str | None
    scope: str
    nonce: str | None

    @classmethod
    def checked(
        cls, params: Mapping[str, str], *, settings: Settings, base_url: str
    ) -> AuthorizationRequest:
        """The request of ``params``, or ``AuthorizationRefused`` saying what is wrong.

        The redirect URI must be the hub's own callback page (as the request reached the
        hub) or one of ``BETROKKEN_WEB_REDIRECT_URIS``; nothing is redirected before it is
        checked.
        """
        if any(len(value) > _LONGEST_FIELD for value in params.values()):
            raise AuthorizationRefused("a parameter is too long")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in allowed_redirect_uris(settings, base_url):
            raise AuthorizationRefused("this redirect_uri is not registered for the web app")
        if params.get("client_id") != settings.web_client_id:
            raise AuthorizationRefused("unknown client_id")
        if params.get("response_type") != "code":
            raise AuthorizationRefused("only response_type=code is supported")
        if params.get("code_challenge_method") != "S256":
            raise AuthorizationRefused("PKCE is required, with code_challenge_method=S256")
        challenge = params.get("code_challenge", "")
        if not _CHALLENGE.fullmatch(challenge):
            raise AuthorizationRefused("code_challenge must be a base64url SHA-256 (43 characters)")
        return cls(
            client_id=settings.web_client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            state=params.get("state") or None,
            scope=params.get("scope") or settings.web_scope,
            nonce=params.get("nonce") or None,
        )

    def hidden_fields(self) -> dict[str, str]:
        """The request again, as the login form posts it."""
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "scope": self.scope,
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return fields


def allowed_redirect_uris(settings: Settings, base_url: str) -> set[str]:
    return {base_url.rstrip("/") + CALLBACK_PATH, *settings.web_redirect_uris}


def form_fields(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body; a repeated field is refused."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise TokenRefused("invalid_request", "the body is not a form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise TokenRefused("invalid_request", f"'{name}' is given more than once")
        fields[name] = value
    return fields


@dataclass(frozen=True)
class _Grant:
    member: str
    request: AuthorizationRequest
    expires: float


@dataclass(frozen=True)
class Grant:
    """What a redeemed code was issued for."""

    member: str
    client_id: str
    scope: str
    nonce: str | None


class AuthorizationCodes:
    """Codes issued and not yet redeemed, in memory; each may be redeemed once, in time."""

    def __init__(
        self, *, ttl: float = CODE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._grants: dict[str, _Grant] = {}

    def issue(self, member: str, request: AuthorizationRequest) -> str:
        now = self._clock()
        self._grants = {code: g for code, g in self._grants.items() if g.expires > now}
        code = secrets.token_urlsafe(32)
        self._grants[code] = _Grant(member, request, now + self._ttl)
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str, code_verifier: str) -> Grant:
        """The grant of ``code``, which is gone afterwards whatever the outcome."""
        grant = self._grants.pop(code, None)
        if grant is None or grant.expires <= self._clock():
            raise TokenRefused("invalid_grant", "the code is unknown, used or expired")
        request = grant.request
        if client_id != request.client_id:
            raise TokenRefused("invalid_grant", "the code was issued to another client")
        if redirect_uri != request.redirect_uri:
            raise TokenRefused("invalid_grant", "redirect_uri differs from the authorization's")
        if not _PKCE.fullmatch(code_verifier) or not hmac.compare_digest(
            s256(code_verifier), request.code_challenge
        ):
            raise TokenRefused("invalid_grant", "the code_verifier does not match")
        return Grant(grant.member, request.client_id, request.scope, request.nonce)


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def redirect_with_code(request: AuthorizationRequest, code: str, issuer: str) -> str:
    """The callback URL with the code, the state and the issuer (RFC 9207)."""
    answer = {"code": code}
    if request.state is not None:
        answer["state"] = request.state
    answer["iss"] = issuer
    joiner = "&" if "?" in request.redirect_uri else "?"
    return f"{request.redirect_uri}{joiner}{urlencode(answer)}"


def login_users() -> dict[str, DemoUser]:
    """The demo users who sign in at the login page."""
    return {member: user for member, user in DEMO_USERS.items() if user.is_person}


_PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def login_page(request: AuthorizationRequest) -> str:
    """The login page: each demo user a submit button of one form. No script."""
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in request.hidden_fields().items()
    )
    buttons = "\n".join(
        f'<li><button type="submit" name="member" value="{escape(member)}">'
        f'<span class="name">{escape(user.name)}</span> '
        f'<span class="detail">{escape(", ".join(user.roles))}'
        f"{' · ' + escape(', '.join(user.teams)) if user.teams else ''}</span>"
        "</button></li>"
        for member, user in login_users().items()
    )
    body = f"""<h1>Inloggen bij Betrokken</h1>
<p class="warning"><strong>Alleen voor ontwikkeling.</strong> Kies een demogebruiker; er is
geen wachtwoord.<br><span lang="en">Development only: choose a demo user; there is no
password.</span></p>
<form method="post" action="{AUTHORIZE_PATH}">
{hidden}
<fieldset>
<legend>Demogebruikers <span lang="en">(demo users)</span></legend>
<ul class="users">
{buttons}
</ul>
</fieldset>
</form>"""
    return _PAGE.format(title="Inloggen (ontwikkeling)", stylesheet=STYLESHEET_PATH, body=body)


def error_page(reason: str) -> str:
    """Why an authorization request is refused; the page never redirects."""
    body = f"""<h1>Inloggen niet mogelijk</h1>
<p class="warning"><strong>Alleen voor ontwikkeling.</strong>
<span lang="en">Development only.</span></p>
<p>Het verzoek is geweigerd. <span lang="en">The request is refused:</span>
<span lang="en">{escape(reason)}</span></p>"""
    return _PAGE.format(title="Inloggen geweigerd", stylesheet=STYLESHEET_PATH, body=body)
