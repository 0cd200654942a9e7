"""The hub and the pseudonymiser as processes, one set for all connector tests, and the connector
run as the ``betrokken`` command, as an installation would run it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth.dev_idp import DevIdentityProvider
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.runtime import build_runtime
from hub.settings import Settings
from hub.transactions import transaction
from testsupport.services import Service, hub_and_pseudonymiser

SECRETS = {
    "betrokken-connector-laa": "laa-test-secret",
    "betrokken-connector-lsi": "lsi-test-secret",
}


@dataclass(frozen=True)
class Hub:
    hub: Service
    pseudonymiser: Service
    idp: DevIdentityProvider
    data: Path
    logs: Path

    def connector_env(self, client: str, state: Path) -> dict[str, str]:
        """What an installation of the connector ``client`` sets."""
        return {
            "BETROKKEN_HUB_URL": self.hub.url,
            "BETROKKEN_PSEUDONYMISER_URL": self.pseudonymiser.url,
            "BETROKKEN_CONNECTOR_TOKEN_URL": f"{self.hub.url}/dev-idp/token",
            "BETROKKEN_CONNECTOR_CLIENT_ID": client,
            "BETROKKEN_CONNECTOR_CLIENT_SECRET": SECRETS[client],
            "BETROKKEN_CONNECTOR_STATE_DIR": str(state),
        }

    def hub_env(self, **more: str) -> dict[str, str]:
        """The hub's own settings, for ``betrokken retention run`` beside it."""
        return {"BETROKKEN_DATA_DIR": str(self.data), "BETROKKEN_BACKGROUND_JOBS": "false", **more}

    def headers(self, member: str | None = None, **claims: Any) -> dict[str, str]:
        token = self.idp.issue_for(member, client_id=member) if member else self.idp.issue(**claims)
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, headers: dict[str, str], **params: Any) -> Any:
        answer = httpx.get(f"{self.hub.url}/api/v1{path}", headers=headers, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, headers: dict[str, str], body: Any) -> httpx.Response:
        return httpx.post(f"{self.hub.url}/api/v1{path}", headers=headers, json=body)


@pytest.fixture(scope="package")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("connectors")
    data = root / "data"
    data.mkdir()
    settings = Settings(data_dir=data, background_jobs=False)
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        seed_demo(session)
    runtime.sessions.kw["bind"].dispose()
    env = {
        "BETROKKEN_DATA_DIR": str(data),
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "BETROKKEN_DEV_CLIENT_SECRETS": json.dumps(SECRETS),
    }
    with hub_and_pseudonymiser(env, root / "logs") as (hub, pseudonymiser):
        yield Hub(
            hub, pseudonymiser, DevIdentityProvider.for_settings(settings), data, root / "logs"
        )


def betrokken(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BETROKKEN_")}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def report_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode in (0, 3), done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def state_items(state: Path, connector: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(state / "state.sqlite") as db:
        return list(
            db.execute(
                "SELECT partner_id, flag_id, status FROM items WHERE connector = ?"
                " ORDER BY partner_id",
                [connector],
            )
        )
