"""deploy/compose.yaml comes up in order: valid against the Compose specification, one-shot
jobs for keys and migrations, health checks instead of restart loops, the pseudonymiser apart
from the hub's database and keys, and a Keycloak realm the web app signs in with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from hub.settings import Environment, Settings

DEPLOY = Path(__file__).parents[2] / "deploy"
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"  # compose-spec, Apache-2.0
OUR_IMAGE = {"context": "..", "dockerfile": "deploy/Dockerfile"}
SERVING = {"hub", "pseudonymiser"}
JOBS = {"pseudonymiser-keys", "hub-init", "onboard"}
BACKGROUND = {"jobs"}  # `betrokken jobs`: runs until stopped, serves nothing
POLICY = DEPLOY.parent / "policies" / "examples" / "gemeente-voorbeeld.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    return dict(json.loads((DEPLOY / "keycloak" / "realm-betrokken.json").read_text()))


def env_file() -> dict[str, str]:
    lines = (DEPLOY / "betrokken.env").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def environment(compose: dict[str, Any], service: str) -> dict[str, str]:
    """What the service's process sees: the env file, then its own environment."""
    return env_file() | dict(compose["services"][service].get("environment", {}))


def test_the_file_is_valid_compose(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose)


def test_services_wait_for_what_they_need_instead_of_restarting(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert SERVING | JOBS | BACKGROUND | {"db", "keycloak"} == set(services)
    for name, service in services.items():
        assert "restart" not in service, name
        for needed, how in service.get("depends_on", {}).items():
            wanted = "service_completed_successfully" if needed in JOBS else "service_healthy"
            assert how == {"condition": wanted}, (name, needed)
            assert needed in JOBS or "healthcheck" in services[needed], needed
    assert services["pseudonymiser"]["depends_on"]["pseudonymiser-keys"]
    assert set(services["hub"]["depends_on"]) == {"hub-init", "keycloak", "pseudonymiser"}
    assert services["onboard"]["depends_on"] == {"hub": {"condition": "service_healthy"}}


def test_each_service_makes_its_own_keys_in_its_own_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert all(services[name]["build"] == OUR_IMAGE for name in SERVING | JOBS | BACKGROUND)
    assert services["pseudonymiser-keys"]["command"][-2:] == ["--service", "pseudonymiser"]
    assert "keys init --service hub" in services["hub-init"]["command"][-1]
    assert "db upgrade" in services["hub-init"]["command"][-1]

    def volumes(name: str) -> set[str]:
        return {volume.split(":")[0] for volume in services[name].get("volumes", [])}

    assert volumes("pseudonymiser") == volumes("pseudonymiser-keys") == {"pseudonymiser-keys"}
    assert volumes("hub") == volumes("hub-init") == volumes("jobs") == {"hub-keys"}


def test_the_jobs_run_in_a_process_that_serves_nothing(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert environment(compose, "hub")["BETROKKEN_BACKGROUND_JOBS"] == "false"
    assert services["jobs"]["command"] == ["betrokken", "jobs"]
    assert "ports" not in services["jobs"]
    assert services["jobs"]["depends_on"] == {
        "hub-init": {"condition": "service_completed_successfully"}
    }
    seen = environment(compose, "jobs")
    assert seen["BETROKKEN_DATABASE_URL"] == environment(compose, "hub")["BETROKKEN_DATABASE_URL"]


def test_the_pseudonymiser_starts_in_production_without_a_database(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Its key job runs, and its settings hold, with what compose gives it: no database URL."""
    seen = environment(compose, "pseudonymiser")
    assert "BETROKKEN_DATABASE_URL" not in seen
    local = seen | {"BETROKKEN_DATA_DIR": str(tmp_path), "BETROKKEN_POLICY_FILE": str(POLICY)}
    command = compose["services"]["pseudonymiser-keys"]["command"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BETROKKEN_")} | local
    job = subprocess.run(
        [sys.executable, "-m", "api.cli", *command[1:]], env=env, capture_output=True, text=True
    )
    assert job.returncode == 0, job.stderr
    for key in os.environ:
        if key.startswith("BETROKKEN_"):
            monkeypatch.delenv(key)
    for key, value in local.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.env is Environment.PRODUCTION and settings.database_url is None
    with pytest.raises(ValueError, match="production needs BETROKKEN_DATABASE_URL"):
        _ = settings.sqlalchemy_url  # the hub asks; without one it refuses to start


def test_the_web_app_signs_in_at_a_path_the_hub_serves(realm: dict[str, Any]) -> None:
    web = next(c for c in realm["clients"] if c["clientId"] == "betrokken-web")
    assert web["redirectUris"] and all(
        uri.endswith("/app/callback.html") for uri in web["redirectUris"]
    )
    with TestClient(create_app(Settings(background_jobs=False))) as client:
        answer = client.get("/app/callback.html")
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]


def test_demo_users_can_sign_in_in_development(realm: dict[str, Any]) -> None:
    people = [u for u in realm["users"] if "serviceAccountClientId" not in u]
    assert {"anna", "fatima", "marieke"} <= {u["username"] for u in people}
    for user in people:
        assert not user.get("requiredActions"), user["username"]
        (password,) = user["credentials"]
        assert password["type"] == "password" and password["temporary"] is False


def test_onboarding_runs_as_the_realms_hub_operator_client(
    compose: dict[str, Any], realm: dict[str, Any]
) -> None:
    seen = environment(compose, "onboard")
    client = next(c for c in realm["clients"] if c["clientId"] == seen["BETROKKEN_CLIENT_ID"])
    assert client["serviceAccountsEnabled"] and not client["publicClient"]
    assert client["secret"] == seen["BETROKKEN_CLIENT_SECRET"]
    (account,) = [
        u for u in realm["users"] if u.get("serviceAccountClientId") == client["clientId"]
    ]
    assert account["realmRoles"] == ["hub_operator"]
    assert "deploy/onboarding.yaml" in (DEPLOY / "Dockerfile").read_text()
