"""Fixtures for identity and access: a real OpenID provider and a hub that trusts it.

Token checks and authorization do not depend on the database engine, so this package runs
on SQLite only (the database suites elsewhere cover PostgreSQL).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from hub.runtime import Runtime
from hub.settings import Settings
from tests.identity.provider import OidcProvider, new_signing_key, run_provider
from testsupport.net import free_port


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "hub.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """oidc-provider on 127.0.0.1, issuing RFC 9068 JWT access tokens for the demo users."""
    with run_provider(
        tmp_path_factory.mktemp("oidc"),
        port=free_port(),
        signing_keys=[new_signing_key()],
        connector_key=new_signing_key(),
    ) as provider:
        yield provider


@pytest.fixture
def oidc_settings(settings: Settings, oidc_provider: OidcProvider) -> Settings:
    return settings.model_copy(update={"oidc_issuer": oidc_provider.issuer})


@pytest.fixture
def oidc_client(oidc_settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    """The hub, validating tokens against the provider's discovery and JWKS."""
    with TestClient(create_app(oidc_settings, runtime=runtime)) as client:
        yield client
