"""The hub and the pseudonymiser as real processes on a seeded SQLite database, for the
tests that need a real HTTP server: memory under a streamed body, schemathesis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from api.auth.dev_idp import DevIdentityProvider
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.runtime import build_runtime
from hub.settings import Settings
from hub.transactions import transaction
from testsupport.services import Service, hub_and_pseudonymiser


@dataclass(frozen=True)
class LiveServices:
    hub: Service
    pseudonymiser: Service
    idp: DevIdentityProvider
    """Issues tokens the hub accepts: the processes share its data directory."""


@contextmanager
def live_services(root: Path) -> Iterator[LiveServices]:
    """Both services on the demo data, without background jobs: nothing leaves the machine
    (a webhook a test sets is never called)."""
    data = root / "data"
    data.mkdir(parents=True)
    settings = Settings(data_dir=data, background_jobs=False)
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        seed_demo(session)
    runtime.sessions.kw["bind"].dispose()
    env = {"BETROKKEN_DATA_DIR": str(data), "BETROKKEN_BACKGROUND_JOBS": "false"}
    with hub_and_pseudonymiser(env, root / "logs") as (hub, pseudonymiser):
        yield LiveServices(hub, pseudonymiser, DevIdentityProvider.for_settings(settings))
