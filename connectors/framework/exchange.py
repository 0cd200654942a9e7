"""Every call a connector makes: to the hub's API and to the pseudonymiser, as a client.

Each run is one W3C trace: every call carries ``traceparent`` (the run's trace id, a
fresh span id), the run's id (``Betrokken-Connector-Run``) and, through an FSC Outway, an
``Fsc-Transaction-Id``; the hub records all three in the audit entry. Calls that could
not be answered (no connection, 429, 502-504) are retried with backoff; the hub's other
answers are the caller's to judge (``api.client.hub.HubError``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from api.client.hub import HubError
from api.client.pseudonymise import Pseudonym, PseudonymiserClient, PseudonymiserError
from connectors.framework.config import ConnectorSettings
from crypto.identifiers import IdentifierKind

RUN_HEADER = "Betrokken-Connector-Run"
FSC_TRANSACTION_HEADER = "Fsc-Transaction-Id"
FSC_GRANT_HEADER = "Fsc-Grant-Hash"
RETRYABLE = frozenset({429, 502, 503, 504})
_T = TypeVar("_T")


CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def client_assertion(key_file: Path, *, client_id: str, audience: str) -> str:
    """An RFC 7523 client assertion (``private_key_jwt``), valid for a minute, signed RS256."""
    text = key_file.read_text()
    key = RSAKey.import_key(json.loads(text) if text.lstrip().startswith("{") else text)
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


class _NoAuth(httpx.Auth):
    """No ``Authorization`` header: the client authenticates in the form."""


class ConnectorError(Exception):
    """The run cannot go on (no token, the hub or pseudonymiser out of reach too long).
    Its message never holds an identifier; what the run did so far is in its state."""


@dataclass
class TokenSource:
    """A bearer token: the one given, or one fetched by client credentials and renewed a
    minute before it expires."""

    settings: ConnectorSettings
    http: httpx.Client
    _token: str | None = None
    _expires: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def token(self) -> str:
        """The token; one fetch at a time, whichever thread asks (the pseudonymising ones)."""
        given = self.settings.token
        if given:
            return given
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                self._token, lifetime = self._fetch()
                self._expires = time.monotonic() + max(lifetime - 60, lifetime / 2)
            return self._token

    def forget(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        s = self.settings
        secret, key_file = s.connector_client_secret, s.connector_private_key_file
        if not (s.connector_token_url and s.connector_client_id and (secret or key_file)):
            raise ConnectorError(
                "no token: set BETROKKEN_TOKEN, or BETROKKEN_CONNECTOR_TOKEN_URL, "
                "BETROKKEN_CONNECTOR_CLIENT_ID and BETROKKEN_CONNECTOR_CLIENT_SECRET "
                "(or BETROKKEN_CONNECTOR_PRIVATE_KEY_FILE)"
            )
        form = {"grant_type": "client_credentials"}
        if s.connector_scope:
            form["scope"] = s.connector_scope
        if s.connector_resource:
            form["resource"] = s.connector_resource
        auth: httpx.Auth = httpx.BasicAuth(s.connector_client_id, secret or "")
        if key_file is not None:
            form |= {
                "client_id": s.connector_client_id,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": client_assertion(
                    key_file, client_id=s.connector_client_id, audience=s.connector_token_url
                ),
            }
            auth = _NoAuth()  # the assertion authenticates the client
        try:
            answer = self.http.post(s.connector_token_url, data=form, auth=auth)
        except httpx.HTTPError as error:
            raise ConnectorError(f"the token endpoint is out of reach: {error}") from None
        if answer.status_code != 200:
            raise ConnectorError(f"the token endpoint refused the client ({answer.status_code})")
        body = answer.json()
        return str(body["access_token"]), float(body.get("expires_in", 300))


@dataclass
class Exchange:
    """The connector's calls during one run (``run_id``), with their trace context."""

    settings: ConnectorSettings
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    trace_id: str = field(default_factory=lambda: secrets.token_hex(16))
    sleep: Callable[[float], None] = time.sleep
    transport: httpx.BaseTransport | None = None  # tests answer calls without a network
    calls: int = 0

    def __post_init__(self) -> None:
        timeout = self.settings.connector_timeout_seconds
        self._hub = httpx.Client(
            base_url=self.settings.hub_base_url, timeout=timeout, transport=self.transport
        )
        self._plain = httpx.Client(timeout=timeout, transport=self.transport)
        self._tokens = TokenSource(self.settings, self._plain)
        # One client for the run; each request gets the current token in ``_trace``.
        self._pseudonymiser = PseudonymiserClient(
            self.settings.pseudonymiser_url,
            "",
            http=httpx.Client(
                base_url=self.settings.pseudonymiser_url,
                timeout=timeout,
                event_hooks={"request": [self._trace]},
                transport=self.transport,
            ),
        )

    def close(self) -> None:
        self._hub.close()
        self._plain.close()
        self._pseudonymiser.close()

    def __enter__(self) -> Exchange:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{secrets.token_hex(8)}-01"

    def headers(self) -> dict[str, str]:
        """The headers of one hub call: token, trace context, run, FSC."""
        headers = {
            "Authorization": f"Bearer {self._tokens.token()}",
            "traceparent": self.traceparent(),
            RUN_HEADER: self.run_id,
        }
        if self.settings.through_fsc:
            headers[FSC_TRANSACTION_HEADER] = str(uuid.uuid4())
            if self.settings.connector_fsc_grant_hash:
                headers[FSC_GRANT_HEADER] = self.settings.connector_fsc_grant_hash
        return headers

    def hub(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One call to ``/api/v1{path}``; raises ``HubError`` for the hub's refusals."""
        renewed = False
        for attempt in self._attempts():
            self.calls += 1
            try:
                answer = self._hub.request(
                    method, f"/api/v1{path}", json=body, params=params, headers=self.headers()
                )
            except httpx.HTTPError as error:
                attempt.failed(f"the hub is out of reach: {type(error).__name__}")
                continue
            if answer.status_code == 401 and not renewed and not self.settings.token:
                self._tokens.forget()  # expired early: one new token, then it counts
                renewed = True
                continue
            if answer.status_code in RETRYABLE:
                attempt.failed(f"the hub answered {answer.status_code}", answer)
                continue
            payload: dict[str, Any] = answer.json() if answer.content else {}
            if answer.status_code >= 400:
                raise HubError(answer.status_code, payload)
            return payload
        raise AssertionError("unreachable")  # _attempts raises when they run out

    def pseudonymise(self, kind: IdentifierKind, values: Sequence[str]) -> list[Pseudonym]:
        """Pseudonyms for ``values`` (validated first), in batches; retried as hub calls."""
        for attempt in self._attempts():
            try:
                return self._pseudonymiser.pseudonymise(kind, values)
            except PseudonymiserError as error:
                if error.status not in RETRYABLE:
                    raise ConnectorError(str(error)) from None
                attempt.failed(str(error), retry_after=error.retry_after)
            except httpx.HTTPError as error:
                attempt.failed(f"the pseudonymiser is out of reach: {type(error).__name__}")
        raise AssertionError("unreachable")

    def _trace(self, request: httpx.Request) -> None:
        self.calls += 1
        request.headers["Authorization"] = f"Bearer {self._tokens.token()}"
        request.headers["traceparent"] = self.traceparent()
        request.headers[RUN_HEADER] = self.run_id

    def _attempts(self) -> _Attempts:
        return _Attempts(self.settings.connector_retries, self.sleep)


class _Attempt:
    def __init__(self, owner: _Attempts) -> None:
        self._owner = owner

    def failed(
        self, why: str, answer: httpx.Response | None = None, *, retry_after: float | None = None
    ) -> None:
        if answer is not None:
            header = answer.headers.get("retry-after", "")
            retry_after = float(header) if header.isdigit() else retry_after
        self._owner.last = why
        self._owner.wait = retry_after


class _Attempts:
    """Up to ``retries`` + 1 attempts, waiting 0.5, 1, 2, ... s (or ``Retry-After``)."""

    def __init__(self, retries: int, sleep: Callable[[float], None]) -> None:
        self.retries = retries
        self.sleep = sleep
        self.last = ""
        self.wait: float | None = None

    def __iter__(self) -> Any:
        for number in range(self.retries + 1):
            if number:
                self.sleep(min(self.wait if self.wait is not None else 0.5 * 2 ** (number - 1), 30))
            self.wait = None
            yield _Attempt(self)
        raise ConnectorError(f"gave up after {self.retries + 1} attempts: {self.last}")
