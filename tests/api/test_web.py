"""The hub serves the web app, its configuration and the API docs, every answer with the
security headers; the pseudonymiser lets the web app's origins call it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from api.middleware import content_security_policy
from api.pseudonymiser.app import create_pseudonymiser_app
from api.routers.web import web_configuration
from hub.runtime import Runtime
from hub.settings import Environment, Settings
from tests.helpers import auth, check, opaque_pseudonym, register

HUB_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' http://127.0.0.1:8001; manifest-src 'self'; "
    "worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    """A built web app, as ``make web`` leaves it, with a secret file beside it."""
    built = tmp_path / "web" / "dist"
    (built / "test").mkdir(parents=True)
    (built / "index.html").write_text('<!doctype html><html lang="nl"><h1>Betrokken</h1>')
    (built / "callback.html").write_text("<!doctype html><title>callback</title>")
    (built / "app.js").write_text("console.log('app')")
    (built / "app.css").write_text("body{}")
    (built / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (built / "manifest.webmanifest").write_text('{"name": "Betrokken"}')
    (built / "test" / "crypto.js").write_text("window.betrokkenCrypto = {}")
    (tmp_path / "web" / "secret.txt").write_text("not for the browser")
    return built


def _app_client(runtime: Runtime, **changes: object) -> TestClient:
    return TestClient(create_app(runtime.settings.model_copy(update=changes), runtime=runtime))


@pytest.fixture
def web(runtime: Runtime, web_dir: Path) -> Iterator[TestClient]:
    with _app_client(runtime, web_dir=web_dir) as client:
        yield client


def _assert_secure(response: Response) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == HUB_CSP, headers
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["api-version"] == "1.0.0"


def test_the_root_and_app_redirect_to_the_app(web: TestClient) -> None:
    for path in ("/", "/app"):
        answer = web.get(path, follow_redirects=False)
        assert answer.status_code == 307 and answer.headers["location"] == "/app/"
        _assert_secure(answer)


@pytest.mark.parametrize(
    ("path", "media_type", "cache"),
    [
        ("/app/", "text/html; charset=utf-8", "no-cache"),
        ("/app/index.html", "text/html; charset=utf-8", "no-cache"),
        ("/app/callback.html", "text/html; charset=utf-8", "no-cache"),
        ("/app/sw.js", "text/javascript; charset=utf-8", "no-cache"),
        ("/app/app.js", "text/javascript; charset=utf-8", "public, max-age=300"),
        ("/app/app.css", "text/css; charset=utf-8", "public, max-age=300"),
        ("/app/manifest.webmanifest", "application/manifest+json", "public, max-age=300"),
        ("/app/test/crypto.js", "text/javascript; charset=utf-8", "public, max-age=300"),
    ],
)
def test_app_files_are_served_with_their_type_and_cache_rule(
    web: TestClient, web_dir: Path, path: str, media_type: str, cache: str
) -> None:
    answer = web.get(path)
    assert answer.status_code == 200, answer.text
    name = path.removeprefix("/app/") or "index.html"
    assert answer.content == (web_dir / name).read_bytes()
    assert answer.headers["content-type"] == media_type
    assert answer.headers["cache-control"] == cache
    _assert_secure(answer)


def test_the_service_worker_is_in_scope_of_the_app(web: TestClient) -> None:
    # A worker's default scope is its script's directory: /app/sw.js controls /app/.
    answer = web.get("/app/sw.js", follow_redirects=False)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "service-worker-allowed" not in answer.headers  # /app/ needs no wider scope


@pytest.mark.parametrize(
    "path",
    [
        "/app/%2e%2e/secret.txt",
        "/app/..%2fsecret.txt",
        "/app/test/%2e%2e/%2e%2e/secret.txt",
        "/app/nothing.js",
        "/app/test",
        "/app/test/",
    ],
)
def test_nothing_outside_the_built_files_is_served(web: TestClient, path: str) -> None:
    answer = web.get(path)
    assert answer.status_code == 404, path
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "not_found"
    assert "not for the browser" not in answer.text
    _assert_secure(answer)


def test_an_app_not_built_is_a_problem(runtime: Runtime, tmp_path: Path) -> None:
    with _app_client(runtime, web_dir=tmp_path / "nowhere") as client:
        for path in ("/app/", "/app/app.js"):
            answer = client.get(path)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["code"] == "web_app_not_built"
            _assert_secure(answer)
        assert client.get("/app/config.json").status_code == 200  # the config needs no build


def test_config_tells_the_app_where_everything_is(web: TestClient) -> None:
    answer = web.get("/app/config.json")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-cache"
    _assert_secure(answer)
    assert answer.json() == {
        "api": "/api/v1",
        "pseudonymiser": "http://127.0.0.1:8001",
        "epoch": None,
        "oidc": {
            "issuer": "urn:betrokken:dev-idp",
            "authorization_endpoint": "http://testserver/dev-idp/authorize",
            "token_endpoint": "http://testserver/dev-idp/token",
            "client_id": "betrokken-web",
            "scope": "openid betrokken",
            "resource": None,
            "redirect_uri": "http://testserver/app/callback.html",
        },
        "development": True,
    }


def test_config_follows_the_settings_and_the_address_asked(runtime: Runtime) -> None:
    changes = {
        "pseudonymiser_public_url": "https://pseudonymiser.example.org",
        "web_client_id": "handhaving",
        "web_scope": "openid profile",
        "web_resource": "https://hub.example.org",
    }
    with _app_client(runtime, **changes) as client:
        answer = client.get("http://hub.example.org:8443/app/config.json")
    config = answer.json()
    assert config["pseudonymiser"] == "https://pseudonymiser.example.org"
    assert config["oidc"] == {
        "issuer": "urn:betrokken:dev-idp",
        "authorization_endpoint": "http://hub.example.org:8443/dev-idp/authorize",
        "token_endpoint": "http://hub.example.org:8443/dev-idp/token",
        "client_id": "handhaving",
        "scope": "openid profile",
        "resource": "https://hub.example.org",
        "redirect_uri": "http://hub.example.org:8443/app/callback.html",
    }
    csp = answer.headers["content-security-policy"]
    assert "connect-src 'self' https://pseudonymiser.example.org;" in csp


def test_config_for_a_real_provider_leaves_its_endpoints_to_discovery(
    settings: Settings,
) -> None:
    real = settings.model_copy(
        update={
            "oidc_issuer": "https://login.example.org/realms/gemeente",
            "env": Environment.PRODUCTION,
        }
    )
    config = web_configuration(real, "https://hub.example.org/")
    assert config["oidc"] == {
        "issuer": "https://login.example.org/realms/gemeente",
        "client_id": "betrokken-web",
        "scope": "openid betrokken",
        "resource": None,
        "redirect_uri": "https://hub.example.org/app/callback.html",
    }
    assert config["development"] is False
    assert "connect-src 'self' http://127.0.0.1:8001 https://login.example.org;" in (
        content_security_policy(real)
    )


def test_api_and_direct_routes_carry_the_security_headers(
    client: TestClient, idp: DevIdentityProvider
) -> None:
    headers = auth(idp, "anna", "pw-handhaving")
    subject = opaque_pseudonym("web-headers")
    answers = [
        client.get("/api/v1/health"),
        client.get("/api/v1/flags", headers=headers),
        client.get("/api/v1/flags"),  # a 401
        register(client, headers, subject, purpose="rechtmatigheid"),  # direct route
        check(client, headers, subject, purpose="rechtmatigheid"),  # direct route
        check(client, {}, subject, purpose="rechtmatigheid"),  # a direct route's 401
        client.post("/api/v1/flags", content=b"x" * 100_000, headers=headers),  # a 413
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 401, 201, 200, 401, 413]
    for answer in answers:
        _assert_secure(answer)


def test_the_direct_routes_are_served_directly(client: TestClient) -> None:
    # The headers test above would pass trivially if no route were direct.
    assert {route.path for route in client.app.direct_routes} == {
        "/api/v1/involvement-checks",
        "/api/v1/flags",
        "/api/v1/contact-requests",
    }


def test_api_docs_come_from_the_hub_itself(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    _assert_secure(page)
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(references) == 4
    for reference in references:
        assert reference.startswith("/api/v1/docs/assets/"), reference  # no other origin
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 100
        _assert_secure(asset)
    init = client.get("/api/v1/docs/assets/swagger-init.js").text
    assert "/api/v1/openapi.json" in init and "validatorUrl: null" in init
    assert client.get("/api/v1/docs/assets/other.js").status_code == 404


@pytest.fixture
def pseudonymiser(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_pseudonymiser_app(settings)) as client:
        yield client


def _preflight(client: TestClient, origin: str) -> Response:
    return client.options(
        "/api/v1/evaluations",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_the_pseudonymiser_lets_the_app_origins_call_it(pseudonymiser: TestClient) -> None:
    allowed = _preflight(pseudonymiser, "http://127.0.0.1:8000")
    assert allowed.status_code == 200
    headers = allowed.headers
    assert headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert "POST" in headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in headers
    refused = _preflight(pseudonymiser, "http://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    keys = pseudonymiser.get("/api/v1/keys", headers={"Origin": "http://localhost:8000"})
    assert keys.headers["access-control-allow-origin"] == "http://localhost:8000"
    assert keys.headers["access-control-expose-headers"] == "Retry-After"
    other = pseudonymiser.get("/api/v1/keys", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_the_pseudonymiser_origins_are_a_setting(settings: Settings) -> None:
    configured = settings.model_copy(update={"web_origins": ("https://app.example.org",)})
    with TestClient(create_pseudonymiser_app(configured)) as client:
        assert _preflight(client, "https://app.example.org").status_code == 200
        assert _preflight(client, "http://127.0.0.1:8000").status_code == 400
    production = Settings(env=Environment.PRODUCTION, database_url="sqlite://", oidc_issuer="x")
    assert production.cors_origins == ()
    parsed = Settings(web_origins="https://a.example, https://b.example")  # type: ignore[arg-type]
    assert parsed.cors_origins == ("https://a.example", "https://b.example")


def test_the_pseudonymiser_carries_its_own_security_headers(pseudonymiser: TestClient) -> None:
    for answer in (
        pseudonymiser.get("/api/v1/keys"),
        pseudonymiser.post("/api/v1/evaluations", json={}),  # a 401
        _preflight(pseudonymiser, "http://127.0.0.1:8000"),
    ):
        headers = answer.headers
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
