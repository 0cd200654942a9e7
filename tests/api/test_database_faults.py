"""PostgreSQL stopped or frozen: every request that needs it answers 503 within a bound,
``/health`` says the database is down within a second, and the hub recovers by itself.

The database is a cluster of this module's own (``testsupport.postgres``): stopping or freezing the
session's server would stall every other test. The hub is a real process, as it is served,
with a database timeout of one second.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.auth.dev_idp import DevIdentityProvider
from hub.db import make_engine, make_sessionmaker
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.settings import DEMO_POLICY, Settings
from hub.transactions import transaction
from tests.helpers import auth, opaque_pseudonym
from testsupport.postgres import PostgresCluster, throwaway_postgres
from testsupport.services import Service, service

pytestmark = [pytest.mark.postgres, pytest.mark.processes]  # a cluster and a hub of its own

PROBLEM = "application/problem+json"
TIMEOUT = 1.0
"""The hub's ``BETROKKEN_DATABASE_TIMEOUT_SECONDS`` here."""
BOUND = TIMEOUT + 2.0 + 1.5
"""The longest a request may take with the database down: a pooled connection's ping
(``TIMEOUT``), a new connection (libpq waits at least 2 s), and a margin for a busy machine."""
HEALTH_BOUND = 1.0
RECOVERY_SECONDS = 15.0
_subjects = itertools.count()


@dataclass(frozen=True)
class Hub:
    service: Service
    bram: dict[str, str]  # schuldhulp: registers, lists, withdraws
    anna: dict[str, str]  # pw-handhaving: checks


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None
    ok: int = 200


@dataclass(frozen=True)
class Outcome:
    answer: httpx.Response | None
    seconds: float
    failure: str = ""


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def hub(cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    admin = create_engine(cluster.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE betrokken"))
    admin.dispose()
    url = cluster.url("betrokken")
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        seed_demo(session)
    engine.dispose()
    root = tmp_path_factory.mktemp("faults")
    data = root / "data"
    idp = DevIdentityProvider.for_settings(Settings(data_dir=data))
    env = {
        "BETROKKEN_DATA_DIR": str(data),
        "BETROKKEN_DATABASE_URL": url,
        "BETROKKEN_POLICY_FILE": str(DEMO_POLICY),
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "BETROKKEN_DATABASE_TIMEOUT_SECONDS": str(TIMEOUT),
    }
    with service(["serve", "--without-pseudonymiser"], env=env, log=root / "hub.log") as served:
        yield Hub(
            service=served,
            bram=auth(idp, "bram", "schuldhulp"),
            anna=auth(idp, "anna", "pw-handhaving"),
        )


def calls(hub: Hub, flag_id: str) -> list[Call]:
    """A request of each kind that needs the database."""
    check = {
        "subject": {"kind": "bsn", "pseudonym": opaque_pseudonym("fault-check")},
        "purpose": "rechtmatigheid",
        "case_ref": "PW-2026-042",  # eight digits in a row would read as an identifier
    }
    return [
        Call("read", "GET", "/api/v1/flags", hub.bram),
        # on PostgreSQL one statement on the event loop, in a group
        Call("check", "POST", "/api/v1/involvement-checks", hub.anna, check),
        # a group of registrations in a session, in a thread
        Call("registration", "POST", "/api/v1/flags", hub.bram, registration(), ok=201),
        # FastAPI's route with the request's session
        Call("withdrawal", "DELETE", f"/api/v1/flags/{flag_id}", hub.bram),
    ]


def registration() -> dict[str, Any]:
    subject = opaque_pseudonym(f"fault-{next(_subjects)}")
    return {"subject": {"kind": "bsn", "pseudonym": subject}, "purpose": "schuldhulpverlening"}


def send(hub: Hub, call: Call) -> Outcome:
    """``call``, timed; a request that gets no answer in time is an outcome too."""
    started = time.monotonic()
    try:
        answer = httpx.request(
            call.method,
            hub.service.url + call.path,
            headers=call.headers,
            json=call.body,
            timeout=BOUND + 5,
        )
    except httpx.HTTPError as error:
        return Outcome(None, time.monotonic() - started, f"no answer: {error!r}")
    return Outcome(answer, time.monotonic() - started)


def send_together(hub: Hub, batch: list[Call]) -> dict[str, Outcome]:
    with ThreadPoolExecutor(len(batch)) as pool:
        outcomes = pool.map(lambda call: send(hub, call), batch)
        return {call.name: outcome for call, outcome in zip(batch, outcomes, strict=True)}


def health(hub: Hub) -> Call:
    return Call("health", "GET", "/api/v1/health", {})


def warm_up(hub: Hub) -> str:
    """Every kind of request answered once, so the hub holds connections to lose; a flag's id."""
    registered = send(hub, Call("registration", "POST", "/api/v1/flags", hub.bram, registration()))
    assert registered.answer is not None and registered.answer.status_code == 201
    flag_id: str = registered.answer.json()["flag"]["id"]
    for call in [*calls(hub, flag_id)[:2], health(hub)]:
        outcome = send(hub, call)
        assert outcome.answer is not None and outcome.answer.status_code == call.ok, outcome
    return flag_id


def assert_unavailable(name: str, outcome: Outcome) -> None:
    assert outcome.answer is not None, f"{name}: {outcome.failure}"
    answer = outcome.answer
    assert answer.status_code == 503, f"{name}: {answer.status_code} {answer.text}"
    assert answer.headers["content-type"] == PROBLEM, name
    assert answer.json()["code"] == "storage_unavailable", name
    assert int(answer.headers["Retry-After"]) >= 1, name
    assert outcome.seconds < BOUND, f"{name} took {outcome.seconds:.1f} s"


def assert_health_degraded(outcome: Outcome) -> None:
    assert outcome.answer is not None, f"health: {outcome.failure}"
    assert outcome.answer.status_code == 503, outcome.answer.text
    body = outcome.answer.json()
    assert body["status"] == "degraded" and body["database"] == "unavailable"
    assert body["audit_log"] is None  # not known while the database does not answer
    assert body["policy_version"]
    assert outcome.seconds < HEALTH_BOUND, f"health took {outcome.seconds:.2f} s"


def assert_recovers(hub: Hub, flag_id: str) -> None:
    """Healthy again within a while, and then every request is answered as usual at once."""
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        answer = send(hub, health(hub)).answer
        if answer is not None and answer.status_code == 200:
            body = answer.json()
            assert (body["status"], body["database"], body["policy"]) == ("ok", "ok", "ok")
            assert body["audit_log"] == "ok" and body["policy_version"]
            break
        assert time.monotonic() < deadline, "the hub did not become healthy again"
        time.sleep(0.2)
    for call in calls(hub, flag_id):
        outcome = send(hub, call)
        assert outcome.answer is not None, f"{call.name}: {outcome.failure}"
        assert outcome.answer.status_code == call.ok, f"{call.name}: {outcome.answer.text}"


def test_stopped_database_gives_503_with_retry_after_and_the_hub_recovers(
    hub: Hub, cluster: PostgresCluster
) -> None:
    flag_id = warm_up(hub)
    cluster.stop()
    try:
        outcomes = send_together(hub, [*calls(hub, flag_id), health(hub)])
    finally:
        cluster.start()
    assert_health_degraded(outcomes.pop("health"))
    for name, outcome in outcomes.items():
        assert_unavailable(name, outcome)
    assert_recovers(hub, flag_id)


def test_frozen_database_gives_503_within_the_timeout_and_the_hub_recovers(
    hub: Hub, cluster: PostgresCluster
) -> None:
    flag_id = warm_up(hub)
    with cluster.frozen():
        outcomes = send_together(hub, [*calls(hub, flag_id), health(hub)])
    assert_health_degraded(outcomes.pop("health"))
    for name, outcome in outcomes.items():
        assert_unavailable(name, outcome)
    assert_recovers(hub, flag_id)
