"""The development provider's client credentials grant: a demo connector gets a token with
its client id and secret (``BETROKKEN_DEV_CLIENT_SECRETS``), as from a real provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from hub.clock import FixedClock
from hub.runtime import Runtime, build_runtime
from hub.settings import Environment, Settings
from hub.transactions import transaction
from tests.helpers import seed_demo_rows

SECRET = "demo-secret-laa"
TOKEN = "/dev-idp/token"


@pytest.fixture
def with_secrets(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    configured = settings.model_copy(
        update={"dev_client_secrets": {"betrokken-connector-laa": SECRET, "anna": "people-not"}}
    )
    runtime: Runtime = build_runtime(configured, clock=clock)
    with transaction(runtime.sessions) as session:
        seed_demo_rows(session)
    with TestClient(create_app(runtime=runtime)) as client:
        yield client
    runtime.sessions.kw["bind"].dispose()


def test_a_connector_gets_a_token_and_registers_with_it(with_secrets: TestClient) -> None:
    answer = with_secrets.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        auth=("betrokken-connector-laa", SECRET),
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    token = answer.json()["access_token"]
    assert "id_token" not in answer.json()
    me = with_secrets.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["connector"]
    in_form = with_secrets.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": "betrokken-connector-laa",
            "client_secret": SECRET,
        },
    )
    assert in_form.status_code == 200


@pytest.mark.parametrize(
    ("form", "auth"),
    [
        ({"grant_type": "client_credentials"}, ("betrokken-connector-laa", "wrong")),
        ({"grant_type": "client_credentials"}, ("betrokken-connector-lsi", SECRET)),  # no secret
        ({"grant_type": "client_credentials"}, ("anna", "people-not")),  # a person
        ({"grant_type": "client_credentials"}, None),
    ],
)
def test_a_wrong_client_is_refused(
    with_secrets: TestClient, form: dict[str, str], auth: tuple[str, str] | None
) -> None:
    refused = with_secrets.post(TOKEN, data=form, auth=httpx.BasicAuth(*auth) if auth else None)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_without_the_setting_the_grant_is_refused(client: TestClient) -> None:
    refused = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=("betrokken-connector-laa", SECRET)
    )
    assert refused.status_code == 401


def test_production_refuses_a_moved_clock() -> None:
    with pytest.raises(ValueError, match="refused in production"):
        Settings(
            env=Environment.PRODUCTION,
            database_url="postgresql+psycopg://x@y/z",
            oidc_issuer="https://idp.example",
            unsafe_clock_offset_seconds=60,
        )
