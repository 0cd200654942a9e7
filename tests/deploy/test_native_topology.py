"""Acceptance of issue 21, point 1: the compose topology comes up, run as native processes
(images cannot be pulled here): keys and migrations by their jobs, the services in order,
the first organisation onboarded by client credentials; then people sign in at the provider
and work, in production mode, against PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from joserfc.jwk import RSAKey

from api.client.hub import HubClient
from api.client.pseudonymise import PseudonymiserClient
from crypto.identifiers import IdentifierKind, synthetic_bsn
from tests.deploy.native import Topology, native_compose
from tests.identity.provider import (
    MOBILE_CLIENT,
    ONBOARDING_SECRET,
    OidcProvider,
    new_signing_key,
    run_provider,
)
from testsupport.net import free_port
from testsupport.postgres import PostgresCluster, throwaway_postgres

pytestmark = [pytest.mark.processes, pytest.mark.ha]  # make test-ha: the slow production suite

COMPOSE_SECRET = "betrokken-onboarding-development-secret"


@pytest.fixture(scope="module")
def database() -> Iterator[PostgresCluster]:
    with throwaway_postgres() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def topology(
    database: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Topology]:
    import psycopg

    with psycopg.connect(database.admin_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("CREATE DATABASE betrokken")
    root = tmp_path_factory.mktemp("native-compose")
    with run_provider(
        root / "provider",
        port=free_port(),
        signing_keys=[new_signing_key()],
        connector_key=RSAKey.generate_key(2048, auto_kid=True),
    ) as provider:
        topology = Topology(
            root=root,
            database_url=database.url("betrokken"),
            issuer=provider.issuer,
            secrets={COMPOSE_SECRET: ONBOARDING_SECRET},
        )
        topology.provider = provider  # type: ignore[attr-defined]
        with native_compose(topology, stand_ins={"db", "keycloak"}):
            yield topology


def provider_of(topology: Topology) -> OidcProvider:
    return topology.provider  # type: ignore[attr-defined,no-any-return]


def test_the_jobs_made_keys_migrated_and_onboarded(topology: Topology) -> None:
    assert "OPRF key for epoch" in topology.jobs["pseudonymiser-keys"].stdout
    onboarded = topology.jobs["onboard"].stdout
    assert "organisation gemeente-voorbeeld: created" in onboarded
    assert "team pw-handhaving: created" in onboarded
    volumes = topology.root / "volumes"
    assert (volumes / "pseudonymiser-keys" / "keys" / "oprf").is_dir()
    assert not (volumes / "hub-keys" / "keys" / "oprf").exists()  # the hub holds no OPRF key
    assert not list(volumes.rglob("*.db"))  # no SQLite anywhere: the hub is on PostgreSQL


def test_people_sign_in_and_work(topology: Topology) -> None:
    hub_url = topology.url("hub", 8000)
    provider = provider_of(topology)
    bsn = synthetic_bsn(2101)
    anna = provider.pkce_login("anna", client_id=MOBILE_CLIENT)["access_token"]
    with PseudonymiserClient(topology.url("pseudonymiser", 8001), anna) as pseudonymiser:
        subject = pseudonymiser.pseudonymise_one(IdentifierKind.BSN, bsn)
    with HubClient(hub_url, anna) as hub:
        registered = hub.register_flag(subject, purpose="rechtmatigheid")
        checked = hub.check_involvement(subject, purpose="rechtmatigheid", case_ref="ZAAK-1")
    assert registered["flag"]["team"] == "pw-handhaving"
    assert "involved" in checked or "teams" in checked
    fatima = provider.pkce_login("fatima", client_id=MOBILE_CLIENT)["access_token"]
    entries = httpx.get(
        f"{hub_url}/api/v1/audit/entries",
        headers={"Authorization": f"Bearer {fatima}"},
        timeout=10,
    )
    assert entries.status_code == 200
    actions = {entry["action"] for entry in entries.json()["items"]}
    assert {"flag.register", "involvement.check"} <= actions
    app = httpx.get(f"{hub_url}/app/", timeout=10)
    assert app.status_code == 200 and "text/html" in app.headers["content-type"]


def test_the_pseudonymiser_answers_the_web_apps_origin(topology: Topology) -> None:
    origin = topology.url("hub", 8000)
    preflight = httpx.options(
        f"{topology.url('pseudonymiser', 8001)}/api/v1/evaluations",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.headers.get("access-control-allow-origin") == origin
