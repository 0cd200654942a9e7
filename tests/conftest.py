"""Fixtures: every database test runs on SQLite and on a real PostgreSQL, built by migrations."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.auth.dev_idp import DevIdentityProvider
from hub.clock import FixedClock
from hub.migrate import upgrade
from hub.runtime import Runtime, build_runtime
from hub.settings import DEMO_POLICY, Settings
from hub.transactions import transaction
from tests.helpers import seed_demo_rows
from tests.live import LiveServices, live_services
from testsupport.postgres import PostgresCluster, throwaway_postgres

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_counter = itertools.count()

# Fixtures that start a server, and the mark a test using them gets (pyproject.toml lists
# the marks; `make test-fast` leaves these tests out). A test that starts one without such
# a fixture carries the mark itself.
MARKS_BY_FIXTURE = {
    "postgres": "postgres",
    "oidc_provider": "processes",
    "live": "processes",
    "web": "processes",  # tests/web: the hub serving the app, the pseudonymiser
    "oidc_web": "processes",
    "browser": "browser",  # tests/web: Chromium
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = getattr(item, "fixturenames", ())
        for fixture, mark in MARKS_BY_FIXTURE.items():
            if fixture in used:
                item.add_marker(mark)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresCluster) -> str:
    admin = create_engine(postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE betrokken_template"))
    admin.dispose()
    upgrade(postgres.url("betrokken_template"))
    return "betrokken_template"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test, copied from a template that the migrations built."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresCluster = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_template")
    name = f"test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        policy_file=DEMO_POLICY,
        background_jobs=False,  # tests drive retention, delivery and sequencing themselves
        web_dir=built_web_app(tmp_path / "web"),  # whether or not `make web` has run
    )


def built_web_app(directory: Path) -> Path:
    """A stand-in for ``web/dist``: the hub serves it at ``/app/``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text('<!doctype html><html lang="nl"><title>Betrokken</title>')
    (directory / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return directory


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(settings, clock=clock)
    with transaction(runtime.sessions) as session:
        seed_demo_rows(session)
    yield runtime
    runtime.sessions.kw["bind"].dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture
def idp(settings: Settings) -> DevIdentityProvider:
    return DevIdentityProvider.for_settings(settings)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServices]:
    """The hub and the pseudonymiser as processes, shared by the tests that need them."""
    with live_services(tmp_path_factory.mktemp("live")) as services:
        yield services
