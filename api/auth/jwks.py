"""The issuer's signing keys: OpenID discovery once, then a JWKS cache with a TTL.

The keys are fetched at start-up and then at most once per TTL, however many requests
arrive at once (single flight). A token naming an unknown ``kid`` forces one refetch, in
case the provider rotated its keys, but never more often than ``min_refetch_interval``: a
flood of made-up key ids must not become a flood of requests to the provider.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet, import_key

from hub.errors import ConfigurationError, HubError

DISCOVERY_PATH = "/.well-known/openid-configuration"
DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
MIN_REFETCH_INTERVAL = 10.0
SIGNING_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})
# Members of a private JWK: a provider that publishes them by mistake must not make us hold them.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

log = logging.getLogger("betrokken.auth")


class IdentityProviderUnavailable(HubError):
    """No signing keys could be fetched at all, so no token can be checked."""

    status = 503
    code = "identity_provider_unavailable"
    title = "Identity provider unavailable"


class JwksUnavailable(Exception):
    """One fetch of the JWK set failed (network, status, or not a usable key set)."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    jwks_uri: str


def new_http_client() -> httpx.Client:
    """The client for discovery and JWKS: short timeouts, no redirects to other hosts."""
    return httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False)


def require_secure_transport(url: str, *, what: str) -> None:
    """Keys fetched over plain HTTP could be swapped on the way; loopback is the exception."""
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigurationError(
            f"the {what} must use https in production: {url} "
            "(BETROKKEN_OIDC_REQUIRE_HTTPS=false for a provider on a private network)"
        )


def discover(issuer: str, *, http: httpx.Client) -> ProviderMetadata:
    """Read ``jwks_uri`` from the issuer's OpenID configuration; fail loudly if it is off."""
    url = issuer.rstrip("/") + DISCOVERY_PATH
    try:
        response = http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ConfigurationError(f"OpenID discovery at {url} failed: {error}") from error
    if not isinstance(document, dict):
        raise ConfigurationError(f"OpenID discovery at {url} did not return a JSON object")
    # OpenID Connect Discovery 1.0 §4.3: the document must name exactly the configured issuer.
    if document.get("issuer") != issuer:
        raise ConfigurationError(
            f"the discovery document names issuer {document.get('issuer')!r}, "
            f"but BETROKKEN_OIDC_ISSUER is {issuer!r}"
        )
    jwks_uri = document.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not jwks_uri:
        raise ConfigurationError(f"the discovery document at {url} has no jwks_uri")
    return ProviderMetadata(issuer=issuer, jwks_uri=jwks_uri)


def import_signing_keys(document: Any) -> KeySet:
    """The public signing keys of a JWK set; keys for encryption or of unknown types are skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise JwksUnavailable("the response is not a JWK set")
    keys: list[Key] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") not in SIGNING_KEY_TYPES:
            continue
        if entry.get("use", "sig") != "sig":
            continue
        public = {name: value for name, value in entry.items() if name not in PRIVATE_MEMBERS}
        try:
            keys.append(import_key(public))
        except (JoseError, ValueError, TypeError):
            log.warning("skipping a JWK the hub cannot use (kid %r)", entry.get("kid"))
    if not keys:
        raise JwksUnavailable("the JWK set holds no usable signing key")
    return KeySet(keys)


@dataclass(frozen=True)
class _Snapshot:
    keys: KeySet
    kids: frozenset[str]
    fresh_until: float


class JwksCache:
    """A thread-safe key source for :class:`api.auth.tokens.TokenValidator`."""

    def __init__(
        self,
        jwks_uri: str,
        *,
        http: httpx.Client,
        ttl: float,
        min_refetch_interval: float = MIN_REFETCH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jwks_uri = jwks_uri
        self._http = http
        self._ttl = ttl
        self._min_refetch_interval = min_refetch_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot = _Snapshot(KeySet([]), frozenset(), -math.inf)
        self._next_forced_refetch = -math.inf

    def prime(self) -> None:
        """Fetch the keys before serving: a provider we cannot reach is a start-up error."""
        with self._lock:
            try:
                self._refresh()
            except JwksUnavailable as error:
                raise ConfigurationError(f"JWKS at {self.jwks_uri}: {error}") from error

    def __call__(self, kid: str | None) -> KeySet:
        snapshot = self._current()
        if kid is None or kid in snapshot.kids:
            return snapshot.keys
        return self._refetch_for(kid)

    def cached(self, kid: str | None) -> KeySet | None:
        """The keys without fetching: None when they are stale or ``kid`` is not among them."""
        snapshot = self._snapshot
        if self._clock() >= snapshot.fresh_until or (kid is not None and kid not in snapshot.kids):
            return None
        return snapshot.keys

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot  # one attribute read: a consistent view without the lock
        if self._clock() < snapshot.fresh_until:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if self._clock() < snapshot.fresh_until:
                return snapshot  # another request refreshed it while this one waited
            try:
                return self._refresh()
            except JwksUnavailable as error:
                return self._keep_after_failure(snapshot, error)

    def _refetch_for(self, kid: str) -> KeySet:
        with self._lock:
            snapshot = self._snapshot
            if kid in snapshot.kids:
                return snapshot.keys  # a concurrent refetch brought it in
            now = self._clock()
            if now < self._next_forced_refetch:
                return snapshot.keys
            self._next_forced_refetch = now + self._min_refetch_interval
            try:
                return self._refresh().keys
            except JwksUnavailable as error:
                return self._keep_after_failure(snapshot, error).keys

    def _keep_after_failure(self, snapshot: _Snapshot, error: JwksUnavailable) -> _Snapshot:
        """Keep serving the last good keys, and try again after the minimum interval."""
        if not snapshot.keys.keys:
            raise IdentityProviderUnavailable("the identity provider's keys cannot be fetched")
        log.warning("JWKS refresh from %s failed, keeping the last keys: %s", self.jwks_uri, error)
        kept = replace(snapshot, fresh_until=self._clock() + self._min_refetch_interval)
        self._snapshot = kept
        return kept

    def _refresh(self) -> _Snapshot:
        """Fetch the key set; the caller holds the lock."""
        try:
            response = self._http.get(self.jwks_uri, headers={"Accept": "application/json"})
            response.raise_for_status()
            keys = import_signing_keys(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise JwksUnavailable(str(error) or type(error).__name__) from error
        kids = frozenset(key.kid for key in keys if key.kid)
        snapshot = _Snapshot(keys, kids, self._clock() + self._ttl)
        self._snapshot = snapshot
        log.info("fetched %d signing keys from %s", len(kids), self.jwks_uri)
        return snapshot
