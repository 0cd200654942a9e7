"""Fixtures for the browser tests: one Chromium per session, a fresh context per test, and the
hub and the pseudonymiser as real processes serving the built app (``web/dist``).

The hub's port is chosen first, so the pseudonymiser can be told the hub's origin
(``BETROKKEN_WEB_ORIGINS``, its CORS) before it starts. A second hub on the same data and
pseudonymiser, whose development provider issues short-lived tokens, is started only for the
test of a session that expires; a hub that trusts the real ``oidc-provider`` (with its own
pseudonymiser) only for the test that signs in there.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from api.auth.dev_idp import DevIdentityProvider
from hub.demo import seed_demo
from hub.migrate import upgrade
from hub.runtime import build_runtime
from hub.settings import Settings
from hub.transactions import transaction
from tests.identity.provider import OidcProvider, new_signing_key, run_provider
from tests.web.support import Visit
from testsupport.browser import ARTIFACTS, ROOT, chromium, new_context
from testsupport.net import free_port
from testsupport.services import Service, hub_and_pseudonymiser, service

WEB_DIST = ROOT / "web" / "dist"
SHORT_TOKEN_SECONDS = 60  # the development provider's shortest lifetime
OIDC_RESOURCE = "urn:betrokken:api"


@dataclass(frozen=True)
class WebServices:
    """A hub serving the app, its pseudonymiser, and where their data is."""

    hub: Service
    pseudonymiser: Service
    data: Path
    idp: DevIdentityProvider | None  # None: the hub trusts a real provider

    @property
    def origin(self) -> str:
        return self.hub.url

    @property
    def app(self) -> str:
        return f"{self.hub.url}/app/"


def _require_dist() -> None:
    if not (WEB_DIST / "index.html").exists():
        raise RuntimeError(f"{WEB_DIST} holds no build: `make web` builds the app")


def _seeded(data: Path) -> Settings:
    """A data directory with the schema and the demo municipality (`betrokken demo seed`)."""
    data.mkdir(parents=True)
    settings = Settings(data_dir=data, background_jobs=False)
    upgrade(settings.sqlalchemy_url)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        seed_demo(session)
    runtime.sessions.kw["bind"].dispose()
    return settings


def _env(data: Path, origins: list[str], **more: str) -> dict[str, str]:
    return {
        "BETROKKEN_DATA_DIR": str(data),
        "BETROKKEN_BACKGROUND_JOBS": "false",
        "BETROKKEN_WEB_DIR": str(WEB_DIST),
        "BETROKKEN_WEB_ORIGINS": ",".join(origins),
        **more,
    }


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one for this package's tests, each in its own context. Closed when
    they are done: Playwright's sync API keeps an event loop running meanwhile, in which a
    later test's ``asyncio.run`` could not start."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots of this run only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


@pytest.fixture(scope="session")
def _ports() -> dict[str, int]:
    return {"hub": free_port(), "short_hub": free_port()}


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory, _ports: dict[str, int]) -> Iterator[WebServices]:
    """The hub (development provider) and the pseudonymiser, on the seeded demo data."""
    _require_dist()
    root = tmp_path_factory.mktemp("web")
    settings = _seeded(root / "data")
    origins = [f"http://127.0.0.1:{_ports['hub']}", f"http://127.0.0.1:{_ports['short_hub']}"]
    with hub_and_pseudonymiser(
        _env(root / "data", origins), root / "logs", hub_port=_ports["hub"]
    ) as (hub, pseudonymiser):
        yield WebServices(
            hub, pseudonymiser, root / "data", DevIdentityProvider.for_settings(settings)
        )


@pytest.fixture(scope="session")
def short_web(web: WebServices, _ports: dict[str, int]) -> Iterator[WebServices]:
    """A second hub on the same data and pseudonymiser whose sign-in gives short tokens."""
    env = _env(
        web.data,
        [],
        BETROKKEN_PSEUDONYMISER_URL=web.pseudonymiser.url,
        BETROKKEN_DEV_TOKEN_SECONDS=str(SHORT_TOKEN_SECONDS),
    )
    del env["BETROKKEN_WEB_ORIGINS"]  # the pseudonymiser's setting; this process has none
    with service(
        ["serve", "--without-pseudonymiser"],
        env=env,
        log=web.data.parent / "logs" / "short-hub.log",
        port=_ports["short_hub"],
    ) as hub:
        yield WebServices(hub, web.pseudonymiser, web.data, web.idp)


@dataclass(frozen=True)
class OidcWeb:
    services: WebServices
    provider: OidcProvider


@pytest.fixture(scope="session")
def oidc_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcWeb]:
    """The real OpenID provider (oidc-provider) with the app's callback as a redirect URI of
    ``betrokken-web`` and the hub's origin allowed to call its token endpoint; a hub and a
    pseudonymiser that trust it."""
    _require_dist()
    root = tmp_path_factory.mktemp("oidc-web")
    _seeded(root / "data")
    hub_port, provider_port = free_port(), free_port()
    origin = f"http://127.0.0.1:{hub_port}"
    with ExitStack() as stack:
        provider = stack.enter_context(
            run_provider(
                root / "oidc",
                port=provider_port,
                signing_keys=[new_signing_key()],
                connector_key=new_signing_key(),
                web_redirect_uris=[f"{origin}/app/callback.html"],
                cors_origins=[origin],
            )
        )
        env = _env(
            root / "data",
            [origin],
            BETROKKEN_OIDC_ISSUER=provider.issuer,
            BETROKKEN_OIDC_REQUIRE_HTTPS="false",
            BETROKKEN_WEB_RESOURCE=OIDC_RESOURCE,
        )
        hub, pseudonymiser = stack.enter_context(
            hub_and_pseudonymiser(env, root / "logs", hub_port=hub_port)
        )
        yield OidcWeb(WebServices(hub, pseudonymiser, root / "data", None), provider)


def _visit(browser: Browser, services: WebServices, viewport: str) -> Iterator[Visit]:
    context = new_context(browser, viewport)
    try:
        yield Visit.start(context, services.app, viewport)
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser, web: WebServices) -> Iterator[Visit]:
    """A phone (360 by 640, touch) in a fresh context, recording from the start."""
    yield from _visit(browser, web, "phone")


@pytest.fixture
def desktop(browser: Browser, web: WebServices) -> Iterator[Visit]:
    yield from _visit(browser, web, "desktop")


@pytest.fixture(params=["phone", "desktop"])
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)
