"""The JWKS cache against the real provider: one fetch per TTL, bounded refetches, loud start-up.

Fetches are counted by the provider itself (``GET /test/jwks-count``), not by the hub.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import OctKey, RSAKey

from api.app import create_app
from api.auth.jwks import JwksCache, discover, import_signing_keys, new_http_client
from api.auth.validation import build_token_validator
from hub.errors import ConfigurationError
from hub.runtime import Runtime
from hub.settings import Environment, Settings
from tests.identity.provider import OidcProvider, new_signing_key, run_provider
from testsupport.net import free_port

TTL = 300.0
FLAGS = "/api/v1/flags"
MIN_REFETCH = 10.0


class ManualClock:
    """Monotonic time that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with new_http_client() as client:
        yield client


def primed_cache(provider: OidcProvider, http: httpx.Client, clock: ManualClock) -> JwksCache:
    metadata = discover(provider.issuer, http=http)
    cache = JwksCache(
        metadata.jwks_uri, http=http, ttl=TTL, min_refetch_interval=MIN_REFETCH, clock=clock
    )
    cache.prime()
    return cache


def all_at_once(threads: int, work: Callable[[int], object]) -> None:
    """Run ``work`` on many threads released together, and re-raise the first failure."""
    barrier = threading.Barrier(threads)

    def run(index: int) -> object:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(run, i) for i in range(threads)]:
            future.result()


def test_a_burst_fetches_at_most_once_per_ttl(
    oidc_provider: OidcProvider, http: httpx.Client
) -> None:
    clock = ManualClock()
    start = oidc_provider.jwks_fetches()
    cache = primed_cache(oidc_provider, http, clock)
    kid = oidc_provider.signing_key.kid
    assert oidc_provider.jwks_fetches() == start + 1

    all_at_once(32, lambda _: [cache(kid) for _ in range(10)])
    assert oidc_provider.jwks_fetches() == start + 1

    clock.now += TTL  # stale: the whole burst shares one refresh
    all_at_once(32, lambda _: [cache(kid) for _ in range(10)])
    assert oidc_provider.jwks_fetches() == start + 2

    clock.now += TTL - 1
    all_at_once(32, lambda _: cache(kid))
    assert oidc_provider.jwks_fetches() == start + 2
    clock.now += 1
    all_at_once(32, lambda _: cache(kid))
    assert oidc_provider.jwks_fetches() == start + 3


def test_cached_keys_never_fetch(oidc_provider: OidcProvider, http: httpx.Client) -> None:
    """What the event loop may ask: fresh keys with the kid, or None (then a thread fetches)."""
    clock = ManualClock()
    cache = primed_cache(oidc_provider, http, clock)
    start = oidc_provider.jwks_fetches()
    kid = oidc_provider.signing_key.kid
    fresh = cache.cached(kid)
    assert fresh is not None and kid in {key.kid for key in fresh.keys}
    assert cache.cached("made-up") is None
    clock.now += TTL
    assert cache.cached(kid) is None
    assert oidc_provider.jwks_fetches() == start
    assert cache(kid) is cache.cached(kid)  # fetched once, then at hand again
    assert oidc_provider.jwks_fetches() == start + 1


def test_a_burst_of_requests_to_the_hub_fetches_once_per_ttl(
    oidc_provider: OidcProvider, settings: Settings, runtime: Runtime
) -> None:
    """The same through the app: concurrent requests, a real clock and a one-second TTL."""
    ttl = 1
    update = {"oidc_issuer": oidc_provider.issuer, "oidc_jwks_ttl_seconds": ttl}
    token = oidc_provider.client_credentials()
    before = oidc_provider.jwks_fetches()
    with TestClient(create_app(settings.model_copy(update=update), runtime=runtime)) as client:
        assert oidc_provider.jwks_fetches() == before + 1  # at start-up
        time.sleep(ttl + 0.05)
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {token}"}
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: client.get(FLAGS, headers=headers), range(64)))
        took = time.monotonic() - started
    assert {answer.status_code for answer in answers} == {200}
    fetched = oidc_provider.jwks_fetches() - before - 1
    assert 1 <= fetched <= 1 + int(took / ttl), (fetched, took)


def test_made_up_kids_force_one_refetch_per_interval(
    oidc_provider: OidcProvider, http: httpx.Client
) -> None:
    clock = ManualClock()
    cache = primed_cache(oidc_provider, http, clock)
    start = oidc_provider.jwks_fetches()

    all_at_once(32, lambda i: cache(f"made-up-{i}"))
    for i in range(50):
        assert f"made-up-{i}" not in {key.kid for key in cache(f"made-up-{i}").keys}
    assert oidc_provider.jwks_fetches() == start + 1

    clock.now += MIN_REFETCH
    all_at_once(8, lambda i: cache(f"later-{i}"))
    assert oidc_provider.jwks_fetches() == start + 2
    cache(oidc_provider.signing_key.kid)  # a known kid never refetches
    assert oidc_provider.jwks_fetches() == start + 2


@pytest.mark.processes  # a provider of its own
def test_an_unreachable_provider_keeps_the_last_keys(tmp_path: Path, http: httpx.Client) -> None:
    clock = ManualClock()
    key = new_signing_key()
    with run_provider(
        tmp_path, port=free_port(), signing_keys=[key], connector_key=new_signing_key()
    ) as provider:
        cache = primed_cache(provider, http, clock)
    clock.now += TTL
    assert key.kid in {k.kid for k in cache(key.kid).keys}  # the refresh failed, keys kept
    assert key.kid in {k.kid for k in cache(key.kid).keys}


def test_start_up_fails_loudly_without_discovery(settings: Settings) -> None:
    closed = settings.model_copy(update={"oidc_issuer": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(ConfigurationError, match="discovery"):
        build_token_validator(closed)


def test_start_up_fails_when_discovery_names_another_issuer(
    settings: Settings, oidc_provider: OidcProvider
) -> None:
    other = settings.model_copy(update={"oidc_issuer": f"{oidc_provider.issuer}/"})
    with pytest.raises(ConfigurationError, match="names issuer"):
        build_token_validator(other)


def test_start_up_fails_without_jwks(oidc_provider: OidcProvider, http: httpx.Client) -> None:
    cache = JwksCache(f"{oidc_provider.issuer}/no-such-jwks", http=http, ttl=TTL)
    with pytest.raises(ConfigurationError, match="JWKS"):
        cache.prime()


def test_production_refuses_plain_http_to_the_provider(settings: Settings) -> None:
    production = settings.model_copy(
        update={"env": Environment.PRODUCTION, "oidc_issuer": "http://betrokken-idp.invalid"}
    )
    with pytest.raises(ConfigurationError, match="https"):
        build_token_validator(production)
    private_network = production.model_copy(update={"oidc_require_https": False})
    with pytest.raises(ConfigurationError, match="discovery"):  # got as far as fetching
        build_token_validator(private_network)


def test_only_public_signing_keys_are_imported() -> None:
    signing = RSAKey.generate_key(2048, auto_kid=True)
    encryption = RSAKey.generate_key(2048, auto_kid=True)
    document = {
        "keys": [
            # As Entra ID publishes them: certificates beside the key, an issuer member.
            {**signing.as_dict(private=True), "use": "sig", "x5t": "abc", "issuer": "x"},
            {**encryption.as_dict(private=False), "use": "enc"},
            OctKey.generate_key(256, auto_kid=True).as_dict(private=True),
            {"kty": "XYZ", "kid": "future"},
            "not a key",
        ]
    }
    keys = import_signing_keys(document).keys
    assert [key.kid for key in keys] == [signing.kid]
    assert keys[0].is_private is False
