"""Every error is problem+json with a stable code; bad input never gives a 5xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from hub.flag import service as flag_service
from hub.runtime import Runtime
from tests.helpers import auth, opaque_pseudonym

PROBLEM = "application/problem+json"


def test_health_openapi_and_version_header(client: TestClient) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.headers["API-Version"] == "1.0.0"
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/flags", "/api/v1/involvement-checks", "/api/v1/health"} <= set(spec["paths"])
    assert not any(path.endswith("/") for path in spec["paths"])


@pytest.mark.parametrize(
    ("pseudonym", "status", "code"),
    [
        ("A" * 86 + "x", 422, "invalid_payload"),  # wrong length
        ("!" * 86, 422, "invalid_payload"),  # not base64url: the schema's pattern says so
        (opaque_pseudonym("x")[:-1] + "B", 422, "invalid_payload"),  # non-canonical tail bits
    ],
)
def test_malformed_pseudonyms(
    client: TestClient, idp: DevIdentityProvider, pseudonym: str, status: int, code: str
) -> None:
    body = {"subject": {"kind": "bsn", "pseudonym": pseudonym}, "purpose": "rechtmatigheid"}
    answer = client.post("/api/v1/flags", json=body, headers=auth(idp, "anna", "pw-handhaving"))
    assert answer.status_code == status
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == code
    assert pseudonym not in answer.text


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"subject": {"kind": "passport", "pseudonym": "x"}, "purpose": "rechtmatigheid"}',
        b'{"subject": [], "purpose": 7}',
    ],
)
def test_malformed_payloads_are_422_problems(
    client: TestClient, idp: DevIdentityProvider, body: bytes
) -> None:
    headers = {**auth(idp, "anna", "pw-handhaving"), "content-type": "application/json"}
    answer = client.post("/api/v1/flags", content=body, headers=headers)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["code"] == "invalid_payload"


def test_unknown_route_and_method(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.headers["content-type"] == PROBLEM
    wrong = client.put("/api/v1/flags")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_missing_and_bad_tokens(client: TestClient) -> None:
    none = client.get("/api/v1/flags")
    assert none.status_code == 401
    assert none.headers["WWW-Authenticate"].startswith("Bearer")
    assert none.json()["code"] == "unauthenticated"
    bad = client.get("/api/v1/flags", headers={"Authorization": "Bearer not.a.jwt"})
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_token"
    assert "invalid_token" in bad.headers["WWW-Authenticate"]


def test_role_without_permission_gets_403(client: TestClient, idp: DevIdentityProvider) -> None:
    officer = auth(idp, "fg", None, "privacy_officer")
    answer = client.get("/api/v1/flags", headers=officer)
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"


def test_unknown_team_is_refused(client: TestClient, idp: DevIdentityProvider) -> None:
    answer = client.get("/api/v1/flags", headers=auth(idp, "zoe", "no-such-team"))
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"


def _unreachable() -> Exception:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection"))


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (_unreachable(), 503),
        (PoolTimeout("QueuePool limit reached"), 503),
        (DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True), 503),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), 500),
    ],
    ids=["operational", "pool-timeout", "invalidated", "integrity"],
)
def test_database_faults_anywhere_are_503_with_retry_after(
    runtime: Runtime,
    idp: DevIdentityProvider,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
) -> None:
    """A database out of reach is 503, whichever route meets it; a refused statement is a bug."""

    def fail(*_: object, **__: object) -> None:
        raise failure

    monkeypatch.setattr(flag_service, "list_team_flags", fail)
    with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
        answer = client.get("/api/v1/flags", headers=auth(idp, "anna", "pw-handhaving"))
    assert answer.status_code == status
    assert answer.headers["content-type"] == PROBLEM
    if status == 503:
        assert answer.json()["code"] == "storage_unavailable"
        assert int(answer.headers["Retry-After"]) >= 1
    else:
        assert answer.json()["code"] == "internal_error"
