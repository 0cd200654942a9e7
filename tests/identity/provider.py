"""Drive the real OpenID provider (``oidc/provider.mjs``) from Python, as its clients would.

The provider signs with keys made here, so the tests can also sign tokens it would never
issue (expired, foreign issuer) with the very key it publishes, and can rotate its keys by
restarting it on the same port.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from authlib.oauth2.rfc7523 import private_key_jwt_sign  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.jwk import RSAKey

from api.auth.dev_idp import DEMO_USERS
from testsupport.services import running

OIDC_DIR = Path(__file__).parent / "oidc"
RESOURCE = "urn:betrokken:api"
OTHER_RESOURCE = "urn:example:other-api"
AUDIENCE = "betrokken"
WEB_CLIENT = "betrokken-web"
WEB_REDIRECT = "http://127.0.0.1:8000/auth/callback"
MOBILE_CLIENT = "betrokken-mobile"
MOBILE_REDIRECT = "nl.voorbeeld.betrokken:/oauth2redirect"
CONNECTOR = "betrokken-connector-laa"
ONBOARDING = "betrokken-onboarding"
"""A deployment's own client: a hub operator by client credentials with a secret."""
ONBOARDING_SECRET = secrets.token_urlsafe(24)
_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_FORM_PROMPT = re.compile(r'name="prompt" value="([^"]+)"')


class FlowError(AssertionError):
    """The provider did not answer as an OAuth client expects."""


def ensure_node_modules() -> None:
    """Install the pinned provider once (``make test`` does it too) with ``npm ci``."""
    if (OIDC_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=OIDC_DIR,
        check=True,
        capture_output=True,
    )


def new_signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)


@dataclass
class OidcProvider:
    """One running provider process and what a test needs to talk to it."""

    issuer: str
    port: int
    signing_keys: list[RSAKey]
    connector_key: RSAKey
    log: Path

    @property
    def signing_key(self) -> RSAKey:
        """The key the provider signs with now (the first of its JWKS)."""
        return self.signing_keys[0]

    def jwks_fetches(self) -> int:
        """How often the provider served its JWKS, counted by the provider itself."""
        response = httpx.get(f"{self.issuer}/test/jwks-count", timeout=5)
        response.raise_for_status()
        return int(response.json()["count"])

    # -- client credentials (a connector), authenticated with private_key_jwt ----------------

    def client_credentials(self, *, resource: str = RESOURCE) -> str:
        response = self.token_request(
            {
                "grant_type": "client_credentials",
                "scope": "betrokken",
                "resource": resource,
                "client_id": CONNECTOR,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": private_key_jwt_sign(
                    self.connector_key, CONNECTOR, f"{self.issuer}/token"
                ),
            }
        )
        return _access_token(response)

    # -- authorization code + PKCE (the web page and the mobile app) ------------------------

    def authorize(
        self, *, client_id: str, redirect_uri: str, login: str, code_verifier: str
    ) -> dict[str, str]:
        """The front channel, as a browser runs it: authorize, log in, consent; the callback."""
        state = secrets.token_urlsafe(16)
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid betrokken",
            "state": state,
            "resource": RESOURCE,
            "code_challenge": create_s256_code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        with httpx.Client(base_url=self.issuer, timeout=10) as browser:
            response = browser.get("/auth", params=params)
            for _ in range(10):
                if response.is_redirect:
                    location = response.headers["location"]
                    if location.startswith(redirect_uri):
                        return _callback(location, state=state, issuer=self.issuer)
                    response = browser.get(location)
                elif response.status_code == 200:
                    response = _submit_interaction(browser, response.text, login=login)
                else:
                    raise FlowError(f"authorization answered {response.status_code}")
        raise FlowError("the authorization never redirected back to the client")

    def exchange_code(
        self, *, client_id: str, redirect_uri: str, code: str, code_verifier: str | None
    ) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
        }
        if code_verifier is not None:
            form["code_verifier"] = code_verifier
        return self.token_request(form)

    def pkce_login(self, login: str, *, client_id: str = MOBILE_CLIENT) -> dict[str, Any]:
        """The whole authorization code flow with PKCE (S256); the token response."""
        redirect_uri = MOBILE_REDIRECT if client_id == MOBILE_CLIENT else WEB_REDIRECT
        verifier = secrets.token_urlsafe(64)
        callback = self.authorize(
            client_id=client_id, redirect_uri=redirect_uri, login=login, code_verifier=verifier
        )
        response = self.exchange_code(
            client_id=client_id,
            redirect_uri=redirect_uri,
            code=callback["code"],
            code_verifier=verifier,
        )
        _access_token(response)
        return dict(response.json())

    def token_request(self, form: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{self.issuer}/token", data=form, timeout=10)

    # -- tokens the provider would never issue, signed with its own key ---------------------

    def sign(self, claims: dict[str, Any], *, key: RSAKey | None = None, **header: Any) -> str:
        key = key or self.signing_key
        return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid, **header}, claims, key)


def _submit_interaction(browser: httpx.Client, page: str, *, login: str) -> httpx.Response:
    """Fill in the provider's login or consent form and post it, as a person would."""
    action, prompt = _FORM_ACTION.search(page), _FORM_PROMPT.search(page)
    if action is None or prompt is None:
        raise FlowError("the provider's page holds no interaction form")
    form = {"prompt": prompt.group(1)}
    if form["prompt"] == "login":
        form |= {"login": login, "password": "any password: the development login takes any"}
    return browser.post(action.group(1), data=form)


def _callback(location: str, *, state: str, issuer: str) -> dict[str, str]:
    query = dict(parse_qsl(urlsplit(location).query))
    if query.get("state") != state:
        raise FlowError("the state came back altered")
    if query.get("iss") != issuer:  # RFC 9207: the response names its issuer
        raise FlowError("the authorization response names another issuer")
    if "code" not in query:
        raise FlowError(f"no code in the authorization response: {query.get('error')}")
    return query


def _access_token(response: httpx.Response) -> str:
    if response.status_code != 200:
        raise FlowError(f"token endpoint answered {response.status_code}: {response.text}")
    return str(response.json()["access_token"])


def provider_config(
    *,
    port: int,
    signing_keys: list[RSAKey],
    connector_key: RSAKey,
    web_redirect_uris: Sequence[str] = (),
    cors_origins: Sequence[str] = (),
) -> dict[str, Any]:
    """What ``provider.mjs`` reads: keys, redirect URIs and the demo identities;
    ``web_redirect_uris`` are more callbacks of ``betrokken-web`` (the web app's), and
    ``cors_origins`` the origins whose pages may call the token endpoint."""
    accounts = {
        login: {
            "name": user.name,
            "organisation": user.organisation,
            "teams": list(user.teams),
            "roles": list(user.roles),
        }
        for login, user in DEMO_USERS.items()
        if "connector" not in user.roles
    }
    laa = DEMO_USERS[CONNECTOR]
    return {
        "port": port,
        "jwks": {"keys": [key.as_dict(private=True) for key in signing_keys]},
        "audience": AUDIENCE,
        "resource": RESOURCE,
        "web_redirect_uri": WEB_REDIRECT,
        "web_redirect_uris": list(web_redirect_uris),
        "cors_origins": list(cors_origins),
        "mobile_redirect_uri": MOBILE_REDIRECT,
        "accounts": accounts,
        "connectors": {
            CONNECTOR: {
                "jwks": {"keys": [connector_key.as_dict(private=False)]},
                "claims": {
                    "name": laa.name,
                    "organisation": laa.organisation,
                    "teams": list(laa.teams),
                    "roles": list(laa.roles),
                },
            }
        },
        "services": {
            ONBOARDING: {
                "secret": ONBOARDING_SECRET,
                "claims": {
                    "name": "Onboarding",
                    "organisation": "gemeente-voorbeeld",
                    "teams": [],
                    "roles": ["hub_operator"],
                },
            }
        },
    }


@contextmanager
def run_provider(
    workdir: Path,
    *,
    port: int,
    signing_keys: list[RSAKey],
    connector_key: RSAKey,
    name: str = "provider",
    web_redirect_uris: Sequence[str] = (),
    cors_origins: Sequence[str] = (),
) -> Iterator[OidcProvider]:
    """Start ``node provider.mjs`` on 127.0.0.1:``port``; stop it afterwards."""
    ensure_node_modules()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / f"{name}.json"
    config.write_text(
        json.dumps(
            provider_config(
                port=port,
                signing_keys=signing_keys,
                connector_key=connector_key,
                web_redirect_uris=web_redirect_uris,
                cors_origins=cors_origins,
            )
        )
    )
    config.chmod(0o600)
    log = workdir / f"{name}.log"
    provider = OidcProvider(
        issuer=f"http://127.0.0.1:{port}",
        port=port,
        signing_keys=signing_keys,
        connector_key=connector_key,
        log=log,
    )
    with running(
        ["node", "provider.mjs", str(config)],
        name="the OpenID provider",
        ready=f"{provider.issuer}/.well-known/openid-configuration",
        log=log,
        timeout=30,
        cwd=OIDC_DIR,
    ):
        yield provider
