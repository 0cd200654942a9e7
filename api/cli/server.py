"""Commands that run or prepare the hub: serve, db, demo, keys, dev-token."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from api.cli.parent import end_with_parent
from hub.actor import Role
from hub.errors import ConfigurationError
from hub.metrics import MULTIPROCESS_ENV
from hub.settings import Settings
from policies import PolicyError


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@click.command()
@click.option("--host", default=None, help="Default BETROKKEN_HOST (127.0.0.1).")
@click.option("--port", type=int, default=None, help="Default BETROKKEN_PORT (8000).")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option(
    "--with-pseudonymiser/--without-pseudonymiser",
    default=None,
    help="Start the pseudonymiser beside the hub (default: yes, except in production).",
)
def serve(
    host: str | None, port: int | None, workers: int, with_pseudonymiser: bool | None
) -> None:
    """Serve the hub API (and, on the embedded default, the pseudonymiser beside it)."""
    settings = _settings()
    if with_pseudonymiser is None:
        with_pseudonymiser = not settings.is_production
    host = host or settings.host
    port = port or settings.port
    _require_free_port(host, port)
    if with_pseudonymiser:
        # Checked here too: a pseudonymiser that cannot listen would leave whatever holds
        # the port answering in its place.
        _require_free_port(host, settings.pseudonymiser_port)
    own_metrics_dir = _prepare_metrics_dir(workers)
    try:
        _serve_hub(settings, host, port, workers, with_pseudonymiser=with_pseudonymiser)
    finally:
        if own_metrics_dir is not None:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)


def _prepare_metrics_dir(workers: int) -> str | None:
    """Multiprocess metrics for several workers (``hub/metrics.py``): the directory given
    as ``PROMETHEUS_MULTIPROC_DIR`` emptied, or, for more than one worker, a fresh one of
    our own (returned, to be removed when serving ends). Set before the app is imported:
    prometheus-client picks its mode when it is first imported."""
    given = os.environ.get(MULTIPROCESS_ENV)
    if given:
        # Values of an earlier run would be summed with this one's.
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return None
    if workers < 2:
        return None
    own = tempfile.mkdtemp(prefix="betrokken-metrics-")
    os.environ[MULTIPROCESS_ENV] = own
    return own


def _serve_hub(
    settings: Settings, host: str, port: int, workers: int, *, with_pseudonymiser: bool
) -> None:
    from api.app import create_app

    try:
        create_app(settings)  # load and check everything before binding the port
    except (ConfigurationError, PolicyError) as error:
        raise click.ClickException(str(error)) from None
    helper = None
    if with_pseudonymiser:
        # The pseudonymiser keeps its own metrics, never in the hub's directory.
        helper_env = {k: v for k, v in os.environ.items() if k != MULTIPROCESS_ENV}
        helper = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "pseudonymiser",
                "serve",
                "--host",
                host,
                "--parent-pid",
                str(os.getpid()),
            ],
            env=helper_env,
        )
    try:
        _run_uvicorn("api.app:create_app", host, port, workers, settings)
    finally:
        if helper is not None:
            helper.terminate()
            helper.wait(timeout=10)


def _require_free_port(host: str, port: int) -> None:
    """Refuse, in one line, to start on a port that is taken (bound as uvicorn binds it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = (
                "in use (is another hub or pseudonymiser running?)"
                if error.errno == errno.EADDRINUSE
                else error.strerror
            )
            raise click.ClickException(f"cannot listen on {host} port {port}: {reason}") from None


def _run_uvicorn(factory: str, host: str, port: int, workers: int, settings: Settings) -> None:
    import uvicorn

    from api.cli.http_protocol import NoDelayHTTPProtocol
    from hub.logs import logging_config

    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayHTTPProtocol,  # --workers N would otherwise add ~40 ms per response
        log_config=logging_config(json_lines=settings.log_json, level=settings.log_level),
        log_level=settings.log_level.lower(),
        # Lean logs: a request's line comes from api/observability.py (route template, never
        # the raw path) when BETROKKEN_LOG_REQUESTS is on, and for every 5xx answer.
        access_log=False,
    )


@click.group()
def pseudonymiser() -> None:
    """The pseudonymiser service (holds the OPRF key; run it apart in production)."""


@pseudonymiser.command("serve")
@click.option("--host", default=None)
@click.option("--port", type=int, default=None, help="Default BETROKKEN_PSEUDONYMISER_PORT (8001).")
@click.option("--parent-pid", type=int, default=None, hidden=True, help="Stop when it ends.")
def pseudonymiser_serve(host: str | None, port: int | None, parent_pid: int | None) -> None:
    """Serve the pseudonymiser."""
    from api.pseudonymiser.app import create_pseudonymiser_app

    if parent_pid is not None:  # started by `betrokken serve`
        end_with_parent(parent_pid)
    settings = _settings()
    host = host or settings.host
    port = port or settings.pseudonymiser_port
    _require_free_port(host, port)
    try:
        create_pseudonymiser_app(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    _run_uvicorn("api.pseudonymiser.app:create_pseudonymiser_app", host, port, 1, settings)


@pseudonymiser.command("rotate")
@click.option("--epoch", required=True, help="Name of the new key epoch, e.g. 2027.")
def pseudonymiser_rotate(epoch: str) -> None:
    """Start a new key epoch; earlier epochs stay available for re-pseudonymisation."""
    from api.pseudonymiser.keystore import OprfKeyStore

    settings = _settings()
    try:
        OprfKeyStore(settings.keys_dir / "oprf").rotate(epoch)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"epoch {epoch} is now current")


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Run the migrations."""
    from hub.migrate import upgrade

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url, revision)
    click.echo(f"database at {revision}")


@click.group()
def demo() -> None:
    """Demo data for the embedded default."""


@demo.command("seed")
def demo_seed() -> None:
    """Create the demo municipality, its domains and teams (idempotent)."""
    from hub.db import make_engine, make_sessionmaker
    from hub.demo import seed_demo
    from hub.transactions import transaction

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url, timeout=settings.database_timeout_seconds)
    with transaction(make_sessionmaker(engine)) as session:
        added = seed_demo(session)
    click.echo(f"demo data ready ({added} rows added)")


@click.group()
def keys() -> None:
    """Secret keys in the data directory."""


@keys.command("init")
@click.option(
    "--service",
    type=click.Choice(["hub", "pseudonymiser", "both"]),
    default="both",
    show_default=True,
    help="In production each service holds only its own keys, on its own machine.",
)
def keys_init(service: str) -> None:
    """Create the missing keys: the hub's (subject layer, handles, audit) or the OPRF key."""
    settings = _settings()
    if service in ("pseudonymiser", "both"):
        from api.pseudonymiser.keystore import OprfKeyStore

        if OprfKeyStore(settings.keys_dir / "oprf").init(settings.pseudonym_epoch):
            click.echo(f"OPRF key for epoch {settings.pseudonym_epoch} created (mode 600)")
        else:
            click.echo("OPRF key exists, kept")
    if service in ("hub", "both"):
        _init_hub_keys(settings)


def _init_hub_keys(settings: Settings) -> None:
    from hub.audit.signing import create_signing_key
    from hub.keys import create_secret

    for name in ("subject.key", "handle.key", "reference.key"):
        path = settings.keys_dir / name
        if path.exists():
            click.echo(f"{path} exists, kept")
        else:
            create_secret(path)
            click.echo(f"{path} created (mode 600)")
    if settings.audit_key_file.exists():
        click.echo(f"{settings.audit_key_file} exists, kept")
    else:
        create_signing_key(settings.audit_key_file)
        click.echo(
            f"{settings.audit_key_file} created (mode 600); publish `betrokken audit public-key`"
        )


@click.command("dev-token")
@click.option(
    "--member",
    required=True,
    help="Member id (the token subject). A demo user (anna, carla, lotte, bram, sanne, wim, "
    "jesse, joke, vincent, tessa, fatima, beheer, betrokken-connector-laa) brings their own "
    "teams and roles.",
)
@click.option(
    "--team", "teams", multiple=True, help="Team slug, e.g. pw-handhaving; repeat for several."
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    help="Repeat for several; required unless --member is a demo user.",
)
@click.option("--organisation", default=None, help="Default: gemeente-voorbeeld.")
@click.option("--name", default=None, help="Display name; defaults to the member id.")
def dev_token(
    member: str,
    teams: tuple[str, ...],
    roles: tuple[str, ...],
    organisation: str | None,
    name: str | None,
) -> None:
    """Print a bearer token for a demo user (development only, refused in production)."""
    from api.auth.dev_idp import DEFAULT_ORGANISATION, DEMO_USERS, DevIdentityProvider

    settings = _settings()
    try:
        idp = DevIdentityProvider.for_settings(settings, create=False)
    except ConfigurationError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    demo = DEMO_USERS.get(member)
    if not roles and demo is None:
        raise click.UsageError(f"{member!r} is not a demo user: give at least one --role")
    click.echo(
        idp.issue(
            member=member,
            roles=list(roles or (demo.roles if demo else ())),
            teams=teams or (demo.teams if demo else ()),
            organisation=organisation or (demo.organisation if demo else DEFAULT_ORGANISATION),
            name=name or (demo.name if demo else None),
        )
    )
